/* worker.c - the forked scan worker (the privilege-separation idea of OpenBSD daemons applied to
 * robustness): a crash, hang or runaway allocation in a collector ends the worker, never the
 * daemon, and every scan's memory goes back to the system when the worker exits. */
#include "worker.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "log.h"
#include "result.h"
#include "scan.h"
#include "util.h"

#define RESULT_JSON_DEPTH 64
#define READ_CHUNK        65536

struct zt_worker {
    pid_t pid;
    int fd;
    sd_event_source *io, *child, *timer;
    char *buf;
    size_t len, cap;
    bool eof, killed_timeout, killed_size;
    uint64_t timeout_usec;
    zt_worker_done_t done;
    void *userdata;
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

struct json_object *zt_worker_produce(const struct zt_worker_job *job, bool *abandoned)
{
    _cleanup_(zt_scan_freep) struct zt_scan *scan = NULL;
    const struct zt_config *cfg = job->cfg;
    _cleanup_free_ bool *carried = zt_xcalloc(cfg->n_instances, sizeof(bool));

    if (zt_scan_run_split(cfg, job->selected, &scan) < 0) {
        return NULL;
    }
    for (size_t i = 0; job->selected && i < scan->n_runs && i < cfg->n_instances; i++) {
        if (cfg->instances[i]->enabled && !job->selected[i]) {
            carried[i] = carry_over(scan, &scan->runs[i], job->previous);
        }
    }
    struct json_object *doc = zt_result_build(scan, job->cat, job->attest, job->n_attest);
    struct json_object *arr;
    if (json_object_object_get_ex(doc, "collectors", &arr)) {
        for (size_t i = 0; i < cfg->n_instances && i < json_object_array_length(arr); i++) {
            json_object_object_add(json_object_array_get_idx(arr, i), "carried_over",
                                   json_object_new_boolean(carried[i]));
        }
    }
    *abandoned = scan->abandoned > 0;
    if (*abandoned) {
        (void)TAKE_PTR(scan); /* detached threads still use it; the process exits right after */
    }
    return doc;
}

/* The child: limits, scan, write the document, exit without returning to the daemon. */
_Noreturn static void child_main(const struct zt_worker_job *job, int fd)
{
    sigset_t all;
    bool abandoned = false;

    static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGPIPE};
    for (size_t i = 0; i < ZT_ELEMENTSOF(crash_signals); i++) {
        signal(crash_signals[i], SIG_DFL); /* a crash must end the worker visibly */
    }
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    /* Start from a clean descriptor table: an inherited client connection would keep that
     * client waiting for EOF until the scan ends. The journal's cached socket goes too, so
     * the worker logs through stderr (under systemd that is the journal stream as well). */
    zt_log_set_target(ZT_LOG_STDERR);
    if (fd != 3) {
        dup3(fd, 3, O_CLOEXEC); /* programs the exec collector runs must not inherit it */
    }
    close_range(4, ~0u, 0);
    fd = 3;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NAME, "ztmmd-worker");
#ifndef __SANITIZE_ADDRESS__ /* ASan reserves terabytes of shadow memory: no limit under it */
    if (job->memory_max) {
        struct rlimit rl = {job->memory_max, job->memory_max};
        prlimit(0, RLIMIT_DATA, &rl, NULL); /* prlimit64: allowed where @resources is not */
    }
#endif
    const char *delay = getenv(ZT_WORKER_DELAY_ENV);
    if (delay) {
        sleep((unsigned)atoi(delay));
    }
    struct json_object *doc = zt_worker_produce(job, &abandoned);
    if (!doc) {
        _exit(2);
    }
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    int r = zt_write_all(fd, text, len);
    _exit(r < 0 ? 3 : 0);
}

static void worker_finish(struct zt_worker *w, const siginfo_t *si)
{
    char why[256] = "";
    struct json_object *doc = NULL;

    if (w->killed_timeout) {
        snprintf(why, sizeof(why), "scan worker timed out after %llu s and was killed",
                 (unsigned long long)(w->timeout_usec / 1000000u));
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
        char bad[128];
        if (zt_json_parse(w->buf, w->len, RESULT_JSON_DEPTH, &doc, bad, sizeof(bad)) < 0 ||
            !json_object_is_type(doc, json_type_object)) {
            json_object_put(TAKE_PTR(doc));
            snprintf(why, sizeof(why), "scan worker sent an invalid result");
        }
    }
    w->pid = 0;
    w->done(w, doc, doc ? NULL : why, w->userdata);
}

/* Read what is available; at EOF stop watching. Returns -EFBIG when over the limit. */
static int drain(struct zt_worker *w)
{
    for (;;) {
        if (w->len + READ_CHUNK + 1 > w->cap) {
            w->cap = w->len + READ_CHUNK + 1 > w->cap * 2 ? w->len + READ_CHUNK + 1 : w->cap * 2;
            w->buf = zt_xrealloc(w->buf, w->cap);
        }
        ssize_t n = read(w->fd, w->buf + w->len, READ_CHUNK);
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
        w->len += (size_t)n;
        w->buf[w->len] = '\0';
        if (w->len > ZT_WORKER_RESULT_MAX) {
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
        r = sd_event_add_time_relative(e, &w->timer, CLOCK_MONOTONIC, w->timeout_usec, 0,
                                       on_timeout, w);
    }
    return r;
}

int zt_worker_start(sd_event *e, const struct zt_worker_job *job, uint64_t timeout_usec,
                    zt_worker_done_t done, void *userdata, struct zt_worker **ret)
{
    int p[2];

    if (pipe2(p, O_CLOEXEC) < 0) {
        return -errno;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int r = -errno;
        close(p[0]);
        close(p[1]);
        return r;
    }
    if (pid == 0) {
        close(p[0]);
        child_main(job, p[1]);
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    struct zt_worker *w = zt_xcalloc(1, sizeof(*w));
    *w = (struct zt_worker){
        .pid = pid, .fd = p[0], .timeout_usec = timeout_usec, .done = done, .userdata = userdata};
    int r = worker_watch(w, e);
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
    free(w->buf);
    free(w);
}
