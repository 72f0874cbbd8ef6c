/* record.h - the record of one scan: what each collector instance did and every observation. The
 * scan room fills it (scan.h), the result document is judged from it (result.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evidence.h"

enum zt_run_status {
    ZT_RUN_OK,
    ZT_RUN_PARTIAL,
    ZT_RUN_ERROR,
    ZT_RUN_SKIPPED,
    _ZT_RUN_STATUS_MAX,
};

const char *zt_run_status_to_string(enum zt_run_status s);
int zt_run_status_from_string(const char *s);

/* What one collector instance did in one scan. */
struct zt_run {
    char *name, *type;
    enum zt_run_status status;
    char *error;       /* NULL when none */
    char *credentials; /* where its credentials came from, never a value; NULL: not said */
    uint64_t duration_ms, requests;
    size_t evidence;
};

struct zt_scan {
    char scan_id[37];
    char *host;
    uint64_t started_usec, finished_usec; /* wall clock */
    struct zt_run *runs;
    size_t n_runs;
    struct zt_evidence_set evidence; /* every observation of every instance */
    /* Collectors that ignored cancellation are still running on detached threads that use the
     * config: the caller must exit the process instead of freeing the config. */
    size_t abandoned;
};

/* True when every instance ended ok or skipped. */
bool zt_scan_complete(const struct zt_scan *scan);
void zt_scan_free(struct zt_scan *scan);
void zt_scan_freep(struct zt_scan **scan);
