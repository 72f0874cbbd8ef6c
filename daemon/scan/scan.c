/* scan.c - one scan: every enabled collector instance on its own thread, bounded in number and
 * time. A collector that fails or overruns its time limit is recorded and the others carry on.
 *
 * Threads that return are joined; one that ignores its cancellation is detached and abandoned.
 * The runner (jobs, contexts) is reference counted by the scan and by every thread still
 * running, so that is memory safe: the last one out frees the runner. */
#include "scan.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctx.h"
#include "http.h"
#include "log.h"
#include "util.h"

#define ABANDON_GRACE_USEC (2 * ZT_USEC_PER_SEC)

enum job_state { JOB_PENDING, JOB_RUNNING, JOB_DONE, JOB_TIMED_OUT };

struct runner;

struct job {
    const struct zt_instance *inst;
    struct zt_ctx *ctx;
    struct runner *rn;
    enum job_state state;
    bool finished; /* the thread has returned from collect() */
    bool started;  /* a thread was created: it must be joined, or detached if abandoned */
    pthread_t thread;
    int ret;
    uint64_t start_mono, deadline_mono, end_mono, timeout_ms;
};

struct runner {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* signalled when a thread finishes */
    struct job *jobs;
    size_t n_jobs, running;
    unsigned refs;
    struct zt_http_engine *http; /* shared by every instance of the scan; NULL if none needs it */
};

static void runner_unref(struct runner *rn)
{
    pthread_mutex_lock(&rn->lock);
    bool last = --rn->refs == 0;
    pthread_mutex_unlock(&rn->lock);
    if (!last) {
        return;
    }
    for (size_t i = 0; i < rn->n_jobs; i++) {
        zt_ctx_free(rn->jobs[i].ctx);
    }
    free(rn->jobs);
    zt_http_engine_free(rn->http); /* last reference: no collector thread can still use it */
    pthread_cond_destroy(&rn->cond);
    pthread_mutex_destroy(&rn->lock);
    free(rn);
}

static void *job_thread(void *arg)
{
    struct job *job = arg;
    struct runner *rn = job->rn;
    int r = job->inst->collector->collect(job->inst->state, job->ctx);

    pthread_mutex_lock(&rn->lock);
    job->ret = r;
    job->finished = true;
    job->end_mono = zt_now_mono_usec();
    if (job->state == JOB_RUNNING) {
        /* A collector that only returned because its deadline passed has timed out, whether or
         * not the runner noticed first: the outcome must not depend on that race. */
        job->state = job->end_mono >= job->deadline_mono ? JOB_TIMED_OUT : JOB_DONE;
        rn->running--;
    }
    pthread_cond_broadcast(&rn->cond);
    pthread_mutex_unlock(&rn->lock);
    runner_unref(rn);
    return NULL;
}

/* Called with the lock held. */
static void job_start(struct runner *rn, struct job *job, uint64_t default_timeout_ms)
{
    const struct zt_instance *inst = job->inst;
    job->timeout_ms = inst->timeout_ms                      ? inst->timeout_ms
                      : inst->collector->default_timeout_ms ? inst->collector->default_timeout_ms
                                                            : default_timeout_ms;
    job->start_mono = zt_now_mono_usec();
    job->deadline_mono = job->start_mono + zt_ms_to_usec(job->timeout_ms);
    job->ctx = zt_ctx_new(inst->name, job->deadline_mono);
    zt_ctx_set_http(job->ctx, rn->http);
    job->state = JOB_RUNNING;
    rn->running++;
    rn->refs++;
    int r = pthread_create(&job->thread, NULL, job_thread, job);
    job->started = r == 0;
    if (r != 0) {
        job->ret = zt_ctx_error(job->ctx, -r, "cannot start a thread: %s", strerror(r));
        job->finished = true;
        job->end_mono = job->start_mono;
        job->state = JOB_DONE;
        rn->running--;
        rn->refs--;
    }
}

/* Called with the lock held: wait until a thread finishes or the earliest deadline passes, then
 * time out every running job past its deadline. */
static void wait_and_expire(struct runner *rn)
{
    uint64_t earliest = UINT64_MAX;

    for (size_t i = 0; i < rn->n_jobs; i++) {
        if (rn->jobs[i].state == JOB_RUNNING && rn->jobs[i].deadline_mono < earliest) {
            earliest = rn->jobs[i].deadline_mono;
        }
    }
    if (earliest != UINT64_MAX) {
        struct timespec ts = zt_usec_to_timespec(earliest);
        pthread_cond_timedwait(&rn->cond, &rn->lock, &ts);
    }
    uint64_t now = zt_now_mono_usec();
    for (size_t i = 0; i < rn->n_jobs; i++) {
        struct job *job = &rn->jobs[i];
        if (job->state == JOB_RUNNING && now >= job->deadline_mono) {
            job->state = JOB_TIMED_OUT;
            job->end_mono = now;
            zt_ctx_cancel(job->ctx);
            rn->running--;
        }
    }
}

static void run_jobs(struct runner *rn, size_t max_parallel, uint64_t default_timeout_ms)
{
    size_t next = 0;

    pthread_mutex_lock(&rn->lock);
    for (;;) {
        while (rn->running < max_parallel && next < rn->n_jobs) {
            job_start(rn, &rn->jobs[next++], default_timeout_ms);
        }
        if (rn->running == 0 && next == rn->n_jobs) {
            break;
        }
        wait_and_expire(rn);
    }
    /* Give cancelled collectors a moment to notice before abandoning them. */
    uint64_t until = zt_now_mono_usec() + ABANDON_GRACE_USEC;
    for (;;) {
        bool waiting = false;
        for (size_t i = 0; i < rn->n_jobs; i++) {
            waiting = waiting || (rn->jobs[i].state == JOB_TIMED_OUT && !rn->jobs[i].finished);
        }
        if (!waiting || zt_now_mono_usec() >= until) {
            break;
        }
        struct timespec ts = zt_usec_to_timespec(until);
        pthread_cond_timedwait(&rn->cond, &rn->lock, &ts);
    }
    pthread_mutex_unlock(&rn->lock);
}

static struct runner *runner_new(const struct zt_config *cfg, const bool *selected)
{
    struct runner *rn = zt_xcalloc(1, sizeof(*rn));
    pthread_condattr_t ca;

    pthread_mutex_init(&rn->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&rn->cond, &ca);
    pthread_condattr_destroy(&ca);
    rn->refs = 1;
    rn->jobs = zt_xcalloc(cfg->n_instances ? cfg->n_instances : 1, sizeof(*rn->jobs));
    bool http = false;
    for (size_t i = 0; i < cfg->n_instances; i++) {
        if (zt_scan_selected(cfg, selected, i)) {
            rn->jobs[rn->n_jobs++] = (struct job){.inst = cfg->instances[i], .rn = rn};
            http = http || (cfg->instances[i]->collector->flags & ZT_COLLECTOR_USES_HTTP);
        }
    }
    if (http) {
        /* One engine per scan: one connection pool and one concurrency bound for all API
         * collectors. Should it fail to start, each context starts a private one. */
        struct zt_http_limits limits;
        zt_http_limits_default(&limits);
        limits.max_concurrency = (unsigned)cfg->daemon.http_max_concurrency;
        limits.connect_timeout_ms = cfg->daemon.http_connect_timeout_ms;
        limits.total_timeout_ms = cfg->daemon.http_timeout_ms;
        limits.max_body = cfg->daemon.http_max_body;
        limits.max_attempts = (unsigned)cfg->daemon.http_max_attempts;
        char why[256] = "";
        int r = zt_http_engine_new(&limits, &rn->http, why, sizeof(why));
        if (r < 0) {
            zt_log_errno(LOG_WARNING, r, "cannot start the shared HTTP engine: %s", why);
        }
    }
    return rn;
}

/* Record one finished (or timed out) job. Called with the runner's lock held, after the grace
 * given to cancelled collectors. A collector that overran its deadline keeps what it emitted
 * before it (each emitted fact is final, collector.h); its context is still in use if its thread
 * was abandoned, which zt_ctx_take_evidence() allows. */
static void record_job(struct zt_scan *scan, struct zt_run *run, struct job *job)
{
    _cleanup_free_ char *problems = NULL;
    size_t late = 0;

    run->duration_ms = zt_usec_to_ms(job->end_mono - job->start_mono);
    run->requests = zt_ctx_requests(job->ctx);
    run->credentials = zt_ctx_credentials(job->ctx);
    run->evidence = zt_ctx_take_evidence(job->ctx, &scan->evidence, &problems, &late);
    if (job->state == JOB_TIMED_OUT) {
        /* What the collector was doing when time ran out (the URL and the wait, say) is the
         * useful part of the message. */
        _cleanup_free_ char *dropped =
            late ? zt_xasprintf(", dropping %zu emitted after it", late) : zt_xstrdup("");
        _cleanup_free_ char *kept =
            run->evidence
                ? zt_xasprintf("kept the %zu evidence emitted before the deadline", run->evidence)
                : zt_xstrdup("no evidence was emitted before the deadline");
        run->status = run->evidence > 0 ? ZT_RUN_PARTIAL : ZT_RUN_ERROR;
        run->error =
            zt_xasprintf("timed out after %llu ms; %s%s%s%s", (unsigned long long)job->timeout_ms,
                         kept, dropped, problems ? ": " : "", problems ? problems : "");
        scan->abandoned += !job->finished;
        return;
    }
    if (job->ret < 0) {
        run->status = run->evidence > 0 ? ZT_RUN_PARTIAL : ZT_RUN_ERROR;
    } else {
        run->status = problems ? ZT_RUN_PARTIAL : ZT_RUN_OK;
    }
    if (problems) {
        run->error = TAKE_PTR(problems);
    } else if (job->ret < 0) {
        run->error = zt_xasprintf("failed: %s", strerror(-job->ret));
    }
}

int zt_scan_run(const struct zt_config *cfg, struct zt_scan **ret)
{
    return zt_scan_run_subset(cfg, NULL, ret);
}

/* Join every collector thread that returned, so that its exit (thread-local destructors of
 * OpenSSL, curl...) completes before the scan does; detach the ones abandoned after their
 * deadline: they hold a reference to the runner and free it if they are the last. */
static void reap_threads(struct runner *rn)
{
    for (size_t i = 0; i < rn->n_jobs; i++) {
        struct job *job = &rn->jobs[i];
        pthread_mutex_lock(&rn->lock);
        bool join = job->finished;
        pthread_mutex_unlock(&rn->lock);
        if (!job->started) {
            continue;
        }
        if (join) {
            pthread_join(job->thread, NULL);
        } else {
            pthread_detach(job->thread);
        }
    }
}

bool zt_scan_selected(const struct zt_config *cfg, const bool *selected, size_t i)
{
    return cfg->instances[i]->enabled && (!selected || selected[i]);
}

struct zt_scan *zt_scan_begin(const struct zt_config *cfg, const bool *selected)
{
    struct zt_scan *scan = zt_xcalloc(1, sizeof(*scan));
    char host[256] = "";

    zt_uuid4(scan->scan_id);
    gethostname(host, sizeof(host) - 1);
    scan->host = zt_xstrdup(host);
    zt_evidence_set_init(&scan->evidence);
    scan->started_usec = zt_now_real_usec();
    scan->runs = zt_xcalloc(cfg->n_instances ? cfg->n_instances : 1, sizeof(*scan->runs));
    for (size_t i = 0; i < cfg->n_instances; i++) {
        struct zt_run *run = &scan->runs[scan->n_runs++];
        run->name = zt_xstrdup(cfg->instances[i]->name);
        run->type = zt_xstrdup(cfg->instances[i]->collector->name);
        run->status = zt_scan_selected(cfg, selected, i) ? ZT_RUN_ERROR : ZT_RUN_SKIPPED;
    }
    return scan;
}

int zt_scan_run_subset(const struct zt_config *cfg, const bool *selected, struct zt_scan **ret)
{
    struct zt_scan *scan = zt_scan_begin(cfg, selected);
    struct runner *rn = runner_new(cfg, selected);

    run_jobs(rn, cfg->daemon.max_parallel_collectors, cfg->daemon.collector_timeout_ms);
    size_t j = 0;
    pthread_mutex_lock(&rn->lock);
    for (size_t i = 0; i < cfg->n_instances; i++) {
        if (zt_scan_selected(cfg, selected, i)) {
            record_job(scan, &scan->runs[i], &rn->jobs[j++]);
        }
    }
    pthread_mutex_unlock(&rn->lock);
    reap_threads(rn);
    runner_unref(rn);
    scan->finished_usec = zt_now_real_usec();
    *ret = scan;
    return 0;
}
