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
/* A new scan record (id, host, start time) with one run per instance of cfg, named: "skipped"
 * unless zt_scan_selected(), else "error" until the caller records what it did. */
struct zt_scan *zt_scan_begin(const struct zt_config *cfg, const bool *selected);
/* True when instance i is enabled and selected (selected NULL: every instance). */
bool zt_scan_selected(const struct zt_config *cfg, const bool *selected, size_t i);
/* Same as zt_scan_run_subset(), split by privilege (scan_split.c): the instances of collectors
 * flagged ZT_COLLECTOR_READS_HOST run in a forked host half that cannot open a socket, every other
 * one in a forked network half that holds no capability; each half's record comes back over a pipe
 * of at most ZT_SCAN_HALF_MAX bytes. A half that fails makes its own instances "error" with
 * the reason. The caller's process runs no collector (the scan never has abandoned threads). */
#define ZT_SCAN_HALF_MAX (64u * 1024u * 1024u)
int zt_scan_run_split(const struct zt_config *cfg, const bool *selected, struct zt_scan **ret);

/* The scan record as a document: scan_id, host, started_usec, finished_usec, collectors (run
 * records) and evidence; zt_scan_from_json() reads it back. New reference. */
struct json_object *zt_scan_to_json(const struct zt_scan *scan);
/* Rebuild a scan record from a result document or bare evidence array (ztmmctl evaluate). */
int zt_scan_from_json(struct json_object *doc, struct zt_scan **ret, char *err, size_t errlen);
