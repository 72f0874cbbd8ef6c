/* worker.h - run one scan in a worker program (fork+exec) with a time and memory limit; the scan
 * comes back as JSON over a pipe, read on the daemon's sd-event loop, and the daemon builds the
 * result document from it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sd_load.h"
#include "catalog.h"
#include "config.h"
#include "estimate.h"
#include "record.h"

#define ZT_WORKER_RESULT_MAX (64u * 1024u * 1024u)    /* bytes of JSON a worker may send back */
#define ZT_WORKER_DELAY_ENV  "ZTMMD_WORKER_DELAY_SEC" /* test hook: sleep before scanning */

/* What a worker scans. Borrowed, and only while zt_worker_start() runs: the worker gets the
 * config files as cfg was loaded from them, whatever a later reload does. */
struct zt_worker_job {
    const struct zt_config *cfg;
    const bool *selected; /* cfg->n_instances entries; NULL: every instance */
    uint64_t memory_max;  /* RLIMIT_DATA in bytes; 0: none */
};

struct zt_worker;

/* Called once when the worker is gone: scan is what it scanned (the callee owns it) or NULL,
 * and then error says why (crashed, killed, timed out, oversized or invalid output). */
typedef void (*zt_worker_done_t)(struct zt_worker *w, struct zt_scan *scan, const char *error,
                                 void *userdata);

/* Start a worker for job on event loop e (SIGCHLD must be blocked), killed after timeout_ms.
 * Returns 0 and the handle through *ret, or a negative errno (nothing was started). */
int zt_worker_start(sd_event *e, const struct zt_worker_job *job, uint64_t timeout_ms,
                    zt_worker_done_t done, void *userdata, struct zt_worker **ret);
/* The worker's process id (for status and tests). */
pid_t zt_worker_pid(const struct zt_worker *w);
/* Kill (SIGKILL) a worker that is still running and free the handle; done is not called. */
void zt_worker_free(struct zt_worker *w);

/* The enabled instances the job did not select, by name: their records are carried over. */
const struct zt_strv *zt_worker_carried(const struct zt_worker *w);
/* The result document (new reference) of scan: the instances named in carried (may be NULL)
 * take their run record and evidence from previous (the latest result, may be NULL; else they
 * stay "skipped"), every collector entry says whether it was "carried_over". */
struct json_object *zt_worker_result(struct zt_scan *scan, const struct zt_strv *carried,
                                     struct json_object *previous, const struct zt_catalog *cat,
                                     const struct zt_attestation *attest, size_t n_attest);
