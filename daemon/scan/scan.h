/* scan.h - one scan: run every enabled collector instance concurrently, within time limits. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "record.h"

/* Run one scan of cfg's instances. Always produces a scan (failures are recorded per instance);
 * returns 0, or a negative errno if the scan itself could not run. */
int zt_scan_run(const struct zt_config *cfg, struct zt_scan **ret);
/* Same, for the instances i with selected[i] true (selected has cfg->n_instances entries; NULL
 * selects all); the others are recorded as skipped. The service runs only the due instances. */
int zt_scan_run_subset(const struct zt_config *cfg, const bool *selected, struct zt_scan **ret);
/* Rebuild a scan record from a result document or bare evidence array (ztmmctl evaluate). */
int zt_scan_from_json(struct json_object *doc, struct zt_scan **ret, char *err, size_t errlen);
