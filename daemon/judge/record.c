/* record.c - the record of one scan (what each collector instance did, every observation): the
 * run status names, completeness, freeing. Running a scan (scan/) fills it; judging reads it. */
#include "record.h"

#include <string.h>

#include "util.h"

static const char *const run_status_names[_ZT_RUN_STATUS_MAX] = {[ZT_RUN_OK] = "ok",
                                                                 [ZT_RUN_PARTIAL] = "partial",
                                                                 [ZT_RUN_ERROR] = "error",
                                                                 [ZT_RUN_SKIPPED] = "skipped"};

const char *zt_run_status_to_string(enum zt_run_status s)
{
    return s < _ZT_RUN_STATUS_MAX ? run_status_names[s] : "error";
}

int zt_run_status_from_string(const char *s)
{
    for (int i = 0; i < _ZT_RUN_STATUS_MAX; i++) {
        if (zt_streq(s, run_status_names[i])) {
            return i;
        }
    }
    return -EINVAL;
}

bool zt_scan_complete(const struct zt_scan *scan)
{
    for (size_t i = 0; i < scan->n_runs; i++) {
        if (scan->runs[i].status != ZT_RUN_OK && scan->runs[i].status != ZT_RUN_SKIPPED) {
            return false;
        }
    }
    return true;
}

void zt_scan_free(struct zt_scan *scan)
{
    if (!scan) {
        return;
    }
    for (size_t i = 0; i < scan->n_runs; i++) {
        free(scan->runs[i].name);
        free(scan->runs[i].type);
        free(scan->runs[i].error);
        free(scan->runs[i].credentials);
    }
    free(scan->runs);
    free(scan->host);
    zt_evidence_set_free(&scan->evidence);
    free(scan);
}

void zt_scan_freep(struct zt_scan **scan)
{
    zt_scan_free(*scan);
}
