/* scan_split.c - one scan in two processes split by privilege, in the spirit of OpenBSD's
 * privilege-separated daemons. Each half is a new program image (scan_exec.c). The host half
 * runs the collectors flagged ZT_COLLECTOR_READS_HOST: it keeps CAP_DAC_READ_SEARCH (under the
 * unit, the only capability there is) but a seccomp filter refuses it every socket. The network
 * half runs every other collector (the APIs, exec): it holds no capability at all (given up at
 * its execve), and gets the secret files its instances name as descriptors opened before. Each
 * half sends its run records and evidence over its own pipe, bounded; the parent merges them into
 * one scan. A half that dies, overruns or sends garbage is an error of its own instances, never a
 * silent loss of the whole scan. */
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector.h"
#include "scan.h"
#include "scan_exec.h"
#include "util.h"

#define HALF_JSON_DEPTH    64
#define HALF_GRACE_SEC     30 /* the backstop: a half's longest collector time limits plus this */
#define HALF_REAP_GRACE_MS 2000

enum half_kind { HALF_HOST, HALF_NET, _HALF_MAX };

static const char *const half_names[_HALF_MAX] = {[HALF_HOST] = "host", [HALF_NET] = "network"};

struct half {
    bool *mask; /* cfg->n_instances entries: the instances this half runs */
    size_t n;
    pid_t pid;
    int fd;
    struct zt_scan *scan; /* what the half sent; NULL when it failed */
    char *error;          /* why it failed */
};

static enum half_kind half_of(const struct zt_instance *inst)
{
    return inst->collector->flags & ZT_COLLECTOR_READS_HOST ? HALF_HOST : HALF_NET;
}

/* The backstop of a half: scan.c enforces each collector's time limit and abandons threads
 * that ignore it, so this only ends a half that hangs outside a collector. */
static unsigned half_backstop_sec(const struct zt_config *cfg, const struct half *h)
{
    uint64_t longest = 0;
    size_t parallel = cfg->daemon.max_parallel_collectors ? cfg->daemon.max_parallel_collectors : 1;

    for (size_t i = 0; i < cfg->n_instances; i++) {
        const struct zt_instance *inst = cfg->instances[i];
        uint64_t t = inst->timeout_ms                      ? inst->timeout_ms
                     : inst->collector->default_timeout_ms ? inst->collector->default_timeout_ms
                                                           : cfg->daemon.collector_timeout_ms;
        longest = h->mask[i] && t > longest ? t : longest;
    }
    uint64_t sec = longest / ZT_MS_PER_SEC * ((h->n + parallel - 1) / parallel) + HALF_GRACE_SEC;
    return sec > 86400u * 7 ? 86400u * 7 : (unsigned)sec;
}

static void half_start(const struct zt_config *cfg, enum half_kind which, struct half *h)
{
    const struct zt_scan_spawn spec = {
        .kind = which == HALF_HOST ? ZT_SCAN_HOST : ZT_SCAN_NETWORK,
        .selected = h->mask,
        .alarm_sec = half_backstop_sec(cfg, h),
    };
    char err[512];

    fflush(NULL); /* nothing buffered is written twice */
    if (zt_scan_spawn(cfg, &spec, &h->pid, &h->fd, err, sizeof(err)) < 0) {
        h->error = zt_xasprintf("cannot start the %s half of the scan: %s", half_names[which], err);
    }
}

/* Why a half that sent no usable document failed, from its wait status. */
static char *half_why(enum half_kind which, const struct half *h, int status, int read_err)
{
    const char *name = half_names[which];

    if (read_err == -EFBIG) {
        return zt_xasprintf("the %s half of the scan sent more than %u bytes and was killed", name,
                            ZT_SCAN_HALF_MAX);
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        return zt_xasprintf("the %s half of the scan (pid %d) was killed by signal %s%s; the "
                            "evidence of its collectors is lost",
                            name, (int)h->pid, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
                            sig == SIGALRM   ? " (past its time limit)"
                            : sig == SIGKILL ? " (memory limit, OOM killer or an administrator)"
                                             : " (crash)");
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        return zt_xasprintf("the %s half of the scan exited with status %d", name,
                            WEXITSTATUS(status));
    }
    return zt_xasprintf("the %s half of the scan sent an invalid document", name);
}

/* Reap a half, waiting HALF_REAP_GRACE_MS at most: a collector thread stuck in an
 * uninterruptible read (a hung NFS server) keeps its process from finishing exit, and the
 * document it sent is complete all the same (docs/ARCHITECTURE.md: a hung read is bounded by
 * the collector's time limit). Returns false when it is still there (then killed, unreaped). */
static bool half_reap(pid_t pid, int *status)
{
    _cleanup_close_ int pfd = pidfd_open(pid, 0);

    if (pfd >= 0) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        while (poll(&p, 1, HALF_REAP_GRACE_MS) < 0 && errno == EINTR) {
        }
    }
    for (;;) {
        pid_t r = waitpid(pid, status, pfd >= 0 ? WNOHANG : 0);
        if (r == pid) {
            return true;
        }
        if (r == 0 || errno != EINTR) {
            (void)kill(pid, SIGKILL);
            return false;
        }
    }
}

/* Read a half's document to EOF (bounded), reap it, and keep its scan or why it failed. */
static void half_finish(enum half_kind which, struct half *h)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_json_ struct json_object *doc = NULL;
    size_t len = 0;
    int status = 0;
    char err[256];

    int r = zt_read_fd(h->fd, ZT_SCAN_HALF_MAX, false, &text, &len);
    zt_closep(&h->fd);
    if (r < 0) {
        kill(h->pid, SIGKILL);
    }
    bool reaped = half_reap(h->pid, &status);
    if (r == 0 && zt_json_parse(text, len, HALF_JSON_DEPTH, &doc, err, sizeof(err)) == 0 &&
        json_object_is_type(doc, json_type_object)) {
        const char *why = zt_json_str(doc, "error");
        if (why) {
            h->error = zt_xasprintf("the %s half of the scan did not run its collectors: %s",
                                    half_names[which], why);
            return;
        }
        if ((!reaped || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) &&
            zt_scan_from_json(doc, &h->scan, err, sizeof(err)) == 0) {
            return;
        }
    }
    h->error = reaped ? half_why(which, h, status, r)
                      : zt_xasprintf("the %s half of the scan sent no valid document and did "
                                     "not exit",
                                     half_names[which]);
}

/* The run record of instance name from its half, or its half's failure. */
static void merge_run(struct zt_run *run, const struct half *h)
{
    for (size_t i = 0; h->scan && i < h->scan->n_runs; i++) {
        const struct zt_run *src = &h->scan->runs[i];
        if (zt_streq(src->name, run->name)) {
            run->status = src->status;
            run->error = src->error ? zt_xstrdup(src->error) : NULL;
            run->credentials = src->credentials ? zt_xstrdup(src->credentials) : NULL;
            run->duration_ms = src->duration_ms;
            run->requests = src->requests;
            run->evidence = src->evidence;
            return;
        }
    }
    run->status = ZT_RUN_ERROR;
    run->error = zt_xstrdup(h->error ? h->error : "its half of the scan sent no record of it");
}

static void merge(struct zt_scan *scan, const struct zt_config *cfg, const bool *selected,
                  struct half *halves)
{
    for (size_t i = 0; i < cfg->n_instances; i++) {
        if (zt_scan_selected(cfg, selected, i)) {
            merge_run(&scan->runs[i], &halves[half_of(cfg->instances[i])]);
        }
    }
    for (size_t k = 0; k < _HALF_MAX; k++) {
        if (halves[k].scan) {
            zt_evidence_move(&scan->evidence, &halves[k].scan->evidence);
        }
    }
}

int zt_scan_run_split(const struct zt_config *cfg, const bool *selected, struct zt_scan **ret)
{
    struct zt_scan *scan = zt_scan_begin(cfg, selected);
    struct half halves[_HALF_MAX] = {{.fd = -1}, {.fd = -1}};

    for (size_t k = 0; k < _HALF_MAX; k++) {
        halves[k].mask = zt_xcalloc(cfg->n_instances ? cfg->n_instances : 1, sizeof(bool));
    }
    for (size_t i = 0; i < cfg->n_instances; i++) {
        if (zt_scan_selected(cfg, selected, i)) {
            struct half *h = &halves[half_of(cfg->instances[i])];
            h->mask[i] = true;
            h->n++;
        }
    }
    for (size_t k = 0; k < _HALF_MAX; k++) {
        if (halves[k].n > 0) {
            half_start(cfg, (enum half_kind)k, &halves[k]);
        }
    }
    for (size_t k = 0; k < _HALF_MAX; k++) {
        if (halves[k].fd >= 0) {
            half_finish((enum half_kind)k, &halves[k]);
        }
    }
    merge(scan, cfg, selected, halves);
    for (size_t k = 0; k < _HALF_MAX; k++) {
        zt_scan_free(halves[k].scan);
        free(halves[k].error);
        free(halves[k].mask);
    }
    scan->finished_usec = zt_now_real_usec();
    *ret = scan;
    return 0;
}
