/* worker.h - run one scan in a forked process with a time and memory limit; the result document
 * comes back as JSON over a pipe, read on the daemon's sd-event loop. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "catalog.h"
#include "config.h"
#include "estimate.h"

#define ZT_WORKER_RESULT_MAX (64u * 1024u * 1024u)    /* bytes of JSON a worker may send back */
#define ZT_WORKER_DELAY_ENV  "ZTMMD_WORKER_DELAY_SEC" /* test hook: sleep before scanning */

/* What a worker scans. Everything is borrowed: the child works on its forked copy. */
struct zt_worker_job {
    const struct zt_config *cfg;
    const struct zt_catalog *cat;
    const struct zt_attestation *attest;
    size_t n_attest;
    const bool *selected;         /* cfg->n_instances entries; NULL: every instance */
    struct json_object *previous; /* latest result, for instances not selected; may be NULL */
    uint64_t memory_max;          /* RLIMIT_DATA in bytes; 0: none */
};

struct zt_worker;

/* Called once when the worker is gone: doc is the result (new reference, the callee owns it)
 * or NULL, and then error says why (crashed, killed, timed out, oversized or invalid output). */
typedef void (*zt_worker_done_t)(struct zt_worker *w, struct json_object *doc, const char *error,
                                 void *userdata);

/* Fork a worker for job on event loop e (SIGCHLD must be blocked), killed after timeout_usec.
 * Returns 0 and the handle through *ret, or a negative errno (nothing was started). */
int zt_worker_start(sd_event *e, const struct zt_worker_job *job, uint64_t timeout_usec,
                    zt_worker_done_t done, void *userdata, struct zt_worker **ret);
/* The worker's process id (for status and tests). */
pid_t zt_worker_pid(const struct zt_worker *w);
/* Kill (SIGKILL) a worker that is still running and free the handle; done is not called. */
void zt_worker_free(struct zt_worker *w);

/* The scan itself, as the child runs it: scan the selected instances, carry the others over
 * from job->previous, and build the result document (new reference). Sets *abandoned when
 * collector threads were left running (the process must then exit, not free the config). */
struct json_object *zt_worker_produce(const struct zt_worker_job *job, bool *abandoned);
