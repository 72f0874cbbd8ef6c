/* worker.c - the scan worker, a program of its own (fork+exec of ztmmd --scan-job=split, which
 * starts the scan's two halves, scan_split.c): a crash, hang or runaway allocation in a collector
 * ends a half or the worker, never the daemon, and every scan's memory goes back to the system
 * when they exit. The worker sends the scan back; the daemon builds the result document. */
#include "worker.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "buf.h"
#include "log.h"
#include "result.h"
#include "scan.h"
#include "scan_exec.h"
#include "util.h"

#define RESULT_JSON_DEPTH 64
#define READ_CHUNK        65536

struct zt_worker {
    pid_t pid;
    int fd;
    sd_event_source *io, *child, *timer;
    struct zt_buf out; /* the worker's answer, at most ZT_WORKER_RESULT_MAX */
    bool eof, killed_timeout, killed_size;
    uint64_t timeout_ms;
    zt_worker_done_t done;
    void *userdata;
    struct zt_strv carried; /* enabled instances the job did not select */
};

/* Take instance name's run record and evidence from the previous result into scan. */
static bool carry_over(struct zt_scan *scan, struct zt_run *run, struct json_object *prev)
{
    struct json_object *c = zt_result_collector(prev, run->name), *v;
    struct json_object *arr = zt_json_array(prev, "evidence");
    struct zt_evidence_set set;
    char err[256];

    if (!c || !arr) {
        return false; /* the previous result is read back from disk: check, never assume */
    }
    _cleanup_json_ struct json_object *mine = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        struct json_object *e = json_object_array_get_idx(arr, i);
        if (json_object_object_get_ex(e, "collector", &v) &&
            zt_streq(json_object_get_string(v), run->name)) {
            json_object_array_add(mine, json_object_get(e));
        }
    }
    zt_evidence_set_init(&set);
    if (zt_evidence_set_from_json(&set, mine, err, sizeof(err)) < 0) {
        zt_evidence_set_free(&set);
        return false;
    }
    run->evidence = set.n;
    zt_evidence_move(&scan->evidence, &set);
    int st = zt_run_status_from_string(
        json_object_object_get_ex(c, "status", &v) ? json_object_get_string(v) : NULL);
    run->status = st >= 0 ? (enum zt_run_status)st : ZT_RUN_ERROR;
    free(run->error);
    run->error = json_object_object_get_ex(c, "error", &v) && json_object_get_string(v)
                     ? zt_xstrdup(json_object_get_string(v))
                     : NULL;
    run->duration_ms =
        json_object_object_get_ex(c, "duration_ms", &v) ? json_object_get_int64(v) : 0;
    run->requests = json_object_object_get_ex(c, "requests", &v) ? json_object_get_int64(v) : 0;
    return true;
}

struct json_object *zt_worker_result(struct zt_scan *scan, const struct zt_strv *carried,
                                     struct json_object *previous, const struct zt_catalog *cat,
                                     const struct zt_attestation *attest, size_t n_attest)
{
    _cleanup_free_ bool *was = zt_xcalloc(scan->n_runs ? scan->n_runs : 1, sizeof(bool));

    for (size_t i = 0; i < scan->n_runs; i++) {
        if (carried && zt_strv_contains(carried, scan->runs[i].name)) {
            was[i] = carry_over(scan, &scan->runs[i], previous);
        }
    }
    struct json_object *doc = zt_result_build(scan, cat, attest, n_attest);
    struct json_object *arr;
    if (json_object_object_get_ex(doc, "collectors", &arr)) {
        for (size_t i = 0; i < scan->n_runs && i < json_object_array_length(arr); i++) {
            json_object_object_add(json_object_array_get_idx(arr, i), "carried_over",
                                   json_object_new_boolean(was[i]));
        }
    }
    return doc;
}

/* The scan the worker sent, or NULL with why in err. */
static struct zt_scan *worker_scan(const struct zt_worker *w, char *why, size_t whylen)
{
    _cleanup_json_ struct json_object *doc = NULL;
    struct zt_scan *scan = NULL;
    char bad[256];

    if (zt_json_parse(w->out.p ? w->out.p : "", w->out.n, RESULT_JSON_DEPTH, &doc, bad,
                      sizeof(bad)) < 0 ||
        !json_object_is_type(doc, json_type_object)) {
        snprintf(why, whylen, "scan worker sent an invalid result");
    } else if (zt_json_str(doc, "error")) {
        snprintf(why, whylen, "scan worker could not scan: %s", zt_json_str(doc, "error"));
    } else if (zt_scan_from_json(doc, &scan, bad, sizeof(bad)) < 0) {
        snprintf(why, whylen, "scan worker sent an invalid result: %s", bad);
    }
    return scan;
}

static void worker_finish(struct zt_worker *w, const siginfo_t *si)
{
    char why[512] = "";
    struct zt_scan *scan = NULL;

    if (w->killed_timeout) {
        char limit[32];
        zt_format_duration_ms(w->timeout_ms, limit, sizeof(limit));
        snprintf(why, sizeof(why), "scan worker timed out after %s and was killed", limit);
    } else if (w->killed_size) {
        snprintf(why, sizeof(why), "scan worker sent more than %u bytes and was killed",
                 ZT_WORKER_RESULT_MAX);
    } else if (si->si_code == CLD_KILLED || si->si_code == CLD_DUMPED) {
        snprintf(why, sizeof(why), "scan worker was killed by signal %s%s",
                 sigabbrev_np(si->si_status) ? sigabbrev_np(si->si_status) : "?",
                 si->si_status == SIGKILL ? " (memory limit, OOM killer or an administrator)"
                                          : " (crash)");
    } else if (si->si_status != 0) {
        snprintf(why, sizeof(why), "scan worker exited with status %d", si->si_status);
    } else if (!w->eof) {
        snprintf(why, sizeof(why), "scan worker's result was cut short");
    } else {
        scan = worker_scan(w, why, sizeof(why));
    }
    w->pid = 0;
    w->done(w, scan, scan ? NULL : why, w->userdata);
}

/* Read what is available; at EOF stop watching. Returns -EFBIG when over the limit. */
static int drain(struct zt_worker *w)
{
    for (;;) {
        char *dst = zt_buf_space(&w->out, READ_CHUNK);
        if (!dst) {
            return -EFBIG;
        }
        ssize_t n = read(w->fd, dst, READ_CHUNK);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return errno == EAGAIN ? 0 : -errno;
        }
        if (n == 0) {
            w->eof = true;
            sd_event_source_set_enabled(w->io, SD_EVENT_OFF);
            return 0;
        }
        if (!zt_buf_commit(&w->out, (size_t)n)) {
            return -EFBIG;
        }
    }
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    struct zt_worker *w = userdata;

    if (drain(w) == -EFBIG && w->pid > 0 && !w->killed_size) {
        w->killed_size = true;
        kill(w->pid, SIGKILL);
        sd_event_source_set_enabled(w->io, SD_EVENT_OFF);
    }
    return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
    struct zt_worker *w = userdata;

    if (w->pid > 0) {
        w->killed_timeout = true;
        kill(w->pid, SIGKILL);
    }
    return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
    struct zt_worker *w = userdata;

    if (!w->eof && !w->killed_size && drain(w) == -EFBIG) {
        w->killed_size = true;
    }
    w->timer = sd_event_source_disable_unref(w->timer);
    w->io = sd_event_source_disable_unref(w->io);
    worker_finish(w, si);
    return 0;
}

static int worker_watch(struct zt_worker *w, sd_event *e)
{
    int r = sd_event_add_io(e, &w->io, w->fd, EPOLLIN, on_io, w);
    if (r >= 0) {
        r = sd_event_add_child(e, &w->child, w->pid, WEXITED, on_child, w);
    }
    if (r >= 0) {
        /* The handle owns the process: freeing the source kills it (shutdown, reload races). */
        r = sd_event_source_set_child_process_own(w->child, true);
    }
    if (r >= 0) {
        r = sd_event_add_time_relative(e, &w->timer, CLOCK_MONOTONIC, zt_ms_to_usec(w->timeout_ms),
                                       0, on_timeout, w);
    }
    return r;
}

int zt_worker_start(sd_event *e, const struct zt_worker_job *job, uint64_t timeout_ms,
                    zt_worker_done_t done, void *userdata, struct zt_worker **ret)
{
    const struct zt_config *cfg = job->cfg;
    const char *delay = getenv(ZT_WORKER_DELAY_ENV);
    const struct zt_scan_spawn spec = {.kind = ZT_SCAN_SPLIT,
                                       .selected = job->selected,
                                       .memory_max = job->memory_max,
                                       .delay_sec = delay ? (unsigned)atoi(delay) : 0};
    char err[512];
    pid_t pid;
    int fd;

    int r = zt_scan_spawn(cfg, &spec, &pid, &fd, err, sizeof(err));
    if (r < 0) {
        log_error("%s", err);
        return r;
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    struct zt_worker *w = zt_xcalloc(1, sizeof(*w));
    *w = (struct zt_worker){.pid = pid,
                            .fd = fd,
                            .out = {.max = ZT_WORKER_RESULT_MAX},
                            .timeout_ms = timeout_ms,
                            .done = done,
                            .userdata = userdata};
    for (size_t i = 0; job->selected && i < cfg->n_instances; i++) {
        if (cfg->instances[i]->enabled && !job->selected[i]) {
            zt_strv_push(&w->carried, cfg->instances[i]->name);
        }
    }
    r = worker_watch(w, e);
    if (r < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        w->pid = 0;
        zt_worker_free(w);
        return r;
    }
    *ret = w;
    return 0;
}

const struct zt_strv *zt_worker_carried(const struct zt_worker *w)
{
    return &w->carried;
}

pid_t zt_worker_pid(const struct zt_worker *w)
{
    return w ? w->pid : 0;
}

void zt_worker_free(struct zt_worker *w)
{
    if (!w) {
        return;
    }
    sd_event_source_disable_unref(w->io);
    sd_event_source_disable_unref(w->timer);
    /* Owned child source: unref kills and reaps a worker still running. */
    sd_event_source_disable_unref(w->child);
    zt_closep(&w->fd);
    zt_strv_clear(&w->carried);
    zt_buf_free(&w->out);
    free(w);
}
