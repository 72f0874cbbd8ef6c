/* scan_split.c - one scan in two processes split by privilege, in the spirit of OpenBSD's
 * privilege-separated daemons. The host half runs the collectors flagged
 * ZT_COLLECTOR_READS_HOST: it keeps the process's capabilities (CAP_DAC_READ_SEARCH under the
 * unit) but a seccomp filter refuses it every socket. The network half runs every other
 * collector (the APIs, exec): it drops every capability before the first collect(), after
 * opening the secret files its instances name. Each half sends its run records and evidence
 * over its own pipe, bounded; the parent merges them into one scan. A half that dies, overruns
 * or sends garbage is an error of its own instances, never a silent loss of the whole scan. */
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector.h"
#include "log.h"
#include "privsep.h"
#include "scan.h"
#include "secret.h"
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
    uint64_t sec = longest / 1000u * ((h->n + parallel - 1) / parallel) + HALF_GRACE_SEC;
    return sec > 86400u * 7 ? 86400u * 7 : (unsigned)sec;
}

/* Open every secret file the half's instances name (ZT_OPT_SECRET), before the drop. */
static void preopen_secrets(const struct zt_config *cfg, const bool *mask)
{
    for (size_t i = 0; i < cfg->n_instances; i++) {
        const struct zt_instance *inst = cfg->instances[i];
        for (const struct zt_option *o = inst->collector->options; mask[i] && o && o->key; o++) {
            if (o->type != ZT_OPT_PATH || !(o->flags & ZT_OPT_SECRET)) {
                continue;
            }
            const char *path = *(char *const *)((const char *)inst->state + o->offset);
            if (path && path[0]) {
                (void)zt_secret_preopen(path); /* a failure is reported by collect()'s read */
            }
        }
    }
}

/* The half's own document: {"collectors": [run records], "evidence": [...]}, or {"error"}. */
static struct json_object *half_document(struct zt_scan *scan)
{
    struct json_object *doc = json_object_new_object(), *runs = json_object_new_array();

    for (size_t i = 0; i < scan->n_runs; i++) {
        const struct zt_run *run = &scan->runs[i];
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(run->name));
        json_object_object_add(o, "type", json_object_new_string(run->type));
        json_object_object_add(o, "status",
                               json_object_new_string(zt_run_status_to_string(run->status)));
        json_object_object_add(o, "error", run->error ? json_object_new_string(run->error) : NULL);
        json_object_object_add(o, "duration_ms", json_object_new_int64((int64_t)run->duration_ms));
        json_object_object_add(o, "requests", json_object_new_int64((int64_t)run->requests));
        json_object_object_add(o, "evidence", json_object_new_int64((int64_t)run->evidence));
        if (run->credentials) {
            json_object_object_add(o, "credentials", json_object_new_string(run->credentials));
        }
        json_object_array_add(runs, o);
    }
    json_object_object_add(doc, "collectors", runs);
    json_object_object_add(doc, "evidence", zt_evidence_set_to_json(&scan->evidence));
    return doc;
}

static int half_drop(const struct zt_config *cfg, enum half_kind which, const bool *mask, char *err,
                     size_t errlen)
{
    if (which == HALF_HOST) {
        unsetenv("CREDENTIALS_DIRECTORY"); /* the host half loads no secret */
        int r = zt_privsep_keep_caps(1ull << CAP_DAC_READ_SEARCH, err, errlen);
        return r < 0 ? r : zt_privsep_deny_sockets(err, errlen);
    }
    preopen_secrets(cfg, mask);
    return zt_privsep_drop_caps(err, errlen);
}

/* The child: a clean descriptor table, its privilege drop, its scan, its document; it exits
 * without returning (collector threads it abandoned may still use the config). */
_Noreturn static void half_main(const struct zt_config *cfg, enum half_kind which,
                                const struct half *h, pid_t parent, int fd)
{
    static const int reset[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGPIPE, SIGALRM};
    _cleanup_(zt_scan_freep) struct zt_scan *scan = NULL;
    _cleanup_json_ struct json_object *doc = NULL;
    sigset_t none;
    char err[512] = "";

    for (size_t i = 0; i < ZT_ELEMENTSOF(reset); i++) {
        signal(reset[i], SIG_DFL);
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    zt_log_set_target(ZT_LOG_STDERR); /* no journal socket: the host half may open none */
    if (fd != 3) {
        dup3(fd, 3, O_CLOEXEC); /* programs the exec collector runs must not inherit it */
    }
    close_range(4, ~0u, 0); /* nothing of the parent's (a sink's connection) stays reachable */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
        _exit(1); /* the parent died before the line above could take effect */
    }
    prctl(PR_SET_NAME, which == HALF_HOST ? "ztmmd-host" : "ztmmd-net");
    alarm(half_backstop_sec(cfg, h));
    if (half_drop(cfg, which, h->mask, err, sizeof(err)) < 0) {
        doc = json_object_new_object();
        json_object_object_add(doc, "error", json_object_new_string(err));
    } else if (zt_scan_run_subset(cfg, h->mask, &scan) == 0) {
        doc = half_document(scan);
    } else {
        _exit(2);
    }
    alarm(0); /* the scan is done; writing may wait for the parent to read the other half */
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    int w = zt_write_all(3, text, len);
    close(3); /* EOF now, even if an abandoned thread keeps the process from finishing exit */
    _exit(w < 0 ? 3 : 0);
}

static void half_start(const struct zt_config *cfg, enum half_kind which, struct half *h)
{
    int p[2];

    if (pipe2(p, O_CLOEXEC) < 0) {
        h->error = zt_xasprintf("cannot start the %s half of the scan: %s", half_names[which],
                                strerror(errno));
        return;
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid_t parent = getpid();
    h->pid = fork();
    if (h->pid == 0) {
        close(p[0]);
        half_main(cfg, which, h, parent, p[1]);
    }
    close(p[1]);
    if (h->pid < 0) {
        h->error = zt_xasprintf("cannot start the %s half of the scan: %s", half_names[which],
                                strerror(errno));
        close(p[0]);
        return;
    }
    h->fd = p[0];
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
