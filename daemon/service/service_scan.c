/* service_scan.c - the service's scans: schedule timer, worker start, and what happens with a
 * result (the after-scan sequence, journal events, waiting clients, next schedule). */
#include <json-c/json.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "after_scan.h"
#include "drift.h"
#include "log.h"
#include "messages.h"
#include "metrics.h"
#include "service_internal.h"
#include "util.h"

#define SCAN_GRACE_MS       (30ull * ZT_MS_PER_SEC)
#define TIMER_ACCURACY_USEC ZT_USEC_PER_SEC

static int instance_index(const struct zt_config *cfg, const char *name)
{
    for (size_t i = 0; cfg && i < cfg->n_instances; i++) {
        if (zt_streq(cfg->instances[i]->name, name)) {
            return (int)i;
        }
    }
    return -1;
}

void zt_service_sched_init(struct zt_service *s, const struct zt_sched_entry *old_sched,
                           const struct zt_config *old_cfg)
{
    const struct zt_daemon_conf *d = &s->cfg->daemon;
    uint64_t now = zt_now_mono_usec();

    s->params = (struct zt_sched_params){.jitter_ms = d->jitter_ms,
                                         .backoff_start_ms = d->backoff_start_ms,
                                         .backoff_max_ms = d->backoff_max_ms};
    s->sched = zt_xcalloc(s->cfg->n_instances, sizeof(*s->sched));
    for (size_t i = 0; i < s->cfg->n_instances; i++) {
        const struct zt_instance *inst = s->cfg->instances[i];
        struct zt_sched_entry *e = &s->sched[i];
        uint64_t ms = inst->interval_ms ? inst->interval_ms : d->interval_ms;
        int old = instance_index(old_cfg, inst->name);
        e->interval_ms = ms;
        if (!inst->enabled || ms == 0) {
            e->next_usec = UINT64_MAX; /* disabled, or interval 0: only on request */
        } else if (old >= 0 && old_sched[old].next_usec != UINT64_MAX) {
            /* Kept across a reload; a changed interval applies from the next run. */
            e->next_usec = old_sched[old].next_usec;
            e->failures = old_sched[old].failures;
        } else {
            e->next_usec = (d->scan_on_start || old_cfg) ? now : now + zt_ms_to_usec(ms);
        }
    }
}

static int on_timer(sd_event_source *es, uint64_t usec, void *userdata)
{
    struct zt_service *s = userdata;
    uint64_t now = zt_now_mono_usec();
    _cleanup_free_ bool *due = zt_xcalloc(s->cfg->n_instances, sizeof(bool));
    size_t n = 0;

    for (size_t i = 0; i < s->cfg->n_instances; i++) {
        due[i] = zt_sched_due(&s->sched[i], now);
        n += due[i];
    }
    if (n > 0 && zt_service_start_scan(s, due, "scheduled") < 0) {
        /* Could not fork: treat as a failure of every due instance so the retry backs off. */
        for (size_t i = 0; i < s->cfg->n_instances; i++) {
            if (due[i]) {
                zt_sched_record(&s->params, &s->sched[i], true, now);
            }
        }
    }
    zt_service_arm_timer(s);
    return 0;
}

/* Jitter needs no cryptographic quality; only used if getrandom() is not ready at early boot. */
static uint64_t now_for_seed(void)
{
    return zt_now_real_usec() * 6364136223846793005ull + (uint64_t)getpid();
}

void zt_service_arm_timer(struct zt_service *s)
{
    uint64_t earliest = zt_sched_earliest(s->sched, s->cfg->n_instances), rnd = 0;

    s->timer = sd_event_source_disable_unref(s->timer);
    s->next_scan_usec = UINT64_MAX;
    if (earliest == UINT64_MAX || s->worker) {
        return; /* nothing scheduled, or re-armed when the running scan ends */
    }
    if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
        rnd = now_for_seed();
    }
    uint64_t interval_ms = s->cfg->daemon.interval_ms;
    for (size_t i = 0; i < s->cfg->n_instances; i++) {
        if (s->sched[i].next_usec == earliest) {
            interval_ms = s->sched[i].interval_ms;
        }
    }
    uint64_t now = zt_now_mono_usec();
    s->next_scan_usec = (earliest > now ? earliest : now) +
                        zt_ms_to_usec(zt_sched_jitter(s->params.jitter_ms, interval_ms, rnd));
    int r = sd_event_add_time(s->event, &s->timer, CLOCK_MONOTONIC, s->next_scan_usec,
                              TIMER_ACCURACY_USEC, on_timer, s);
    if (r < 0) {
        zt_log_errno(LOG_ERR, r, "cannot arm the scan timer");
        s->next_scan_usec = UINT64_MAX;
    }
}

static void log_changes(struct json_object *changes)
{
    for (size_t i = 0; i < json_object_array_length(changes); i++) {
        struct json_object *ev = json_object_array_get_idx(changes, i);
        bool stage = zt_streq(zt_json_str(ev, "kind"), "stage_changed");
        _cleanup_free_ char *f1 = zt_xasprintf("CHANGE_ID=%s", zt_json_str(ev, "id"));
        _cleanup_free_ char *f2 = zt_xasprintf("SCOPE=%s", zt_json_str(ev, "scope"));
        _cleanup_free_ char *f3 = zt_xasprintf("SUBJECT=%s", zt_json_str(ev, "subject"));
        _cleanup_free_ char *f4 = zt_xasprintf("FROM=%s", zt_json_str(ev, "from"));
        _cleanup_free_ char *f5 = zt_xasprintf("TO=%s", zt_json_str(ev, "to"));
        _cleanup_free_ char *f6 = zt_xasprintf("DIRECTION=%s", zt_json_str(ev, "direction"));
        const char *const fields[] = {f1, f2, f3, f4, f5, f6, NULL};
        zt_log_event(zt_drift_is_regression(ev) ? LOG_WARNING : LOG_NOTICE,
                     stage ? ZT_MSG_STAGE_CHANGED : ZT_MSG_FINDING_CHANGED, fields,
                     "%s %s %s: %s -> %s", stage ? "stage of" : "finding", zt_json_str(ev, "scope"),
                     zt_json_str(ev, "subject"), zt_json_str(ev, "from"), zt_json_str(ev, "to"));
    }
}

/* Journal events for failed collectors; the schedule learns who failed. */
static void record_collectors(struct zt_service *s, struct json_object *doc, uint64_t now)
{
    struct json_object *arr = zt_json_array(doc, "collectors"), *v;

    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        struct json_object *c = json_object_array_get_idx(arr, i);
        const char *name = zt_json_str(c, "name"), *status = zt_json_str(c, "status");
        int idx = instance_index(s->cfg, name);
        if ((json_object_object_get_ex(c, "carried_over", &v) && json_object_get_boolean(v)) ||
            !zt_strv_contains(&s->running, name ? name : "") || zt_streq(status, "skipped")) {
            continue;
        }
        bool failed = zt_streq(status, "error");
        if (idx >= 0) {
            zt_sched_record(&s->params, &s->sched[idx], failed, now);
        }
        if (failed || zt_streq(status, "partial")) {
            _cleanup_free_ char *f1 = zt_xasprintf("COLLECTOR=%s", name);
            _cleanup_free_ char *f2 = zt_xasprintf("COLLECTOR_TYPE=%s", zt_json_str(c, "type"));
            _cleanup_free_ char *f3 = zt_xasprintf("COLLECTOR_STATUS=%s", status);
            const char *const fields[] = {f1, f2, f3, NULL};
            zt_log_event(LOG_WARNING, ZT_MSG_COLLECTOR_FAILED, fields, "collector %s (%s) %s: %s",
                         name, zt_json_str(c, "type"), status,
                         zt_json_str(c, "error") ? zt_json_str(c, "error") : "");
        }
    }
}

/* The service's view of a saved result: the journal's change and collector events, the
 * schedule's record of who failed, the scan's summary. */
static void show_result(struct json_object *doc, const struct zt_model *m, void *userdata)
{
    struct zt_service *s = userdata;
    struct json_object *changes = zt_json_array(doc, "changes"), *o = NULL, *v;
    size_t n_changes = changes ? json_object_array_length(changes) : 0;
    uint64_t start = s->scan_started_usec;

    (void)m;
    log_changes(changes);
    record_collectors(s, doc, start);
    json_object_object_get_ex(doc, "overall", &o);
    int64_t assessed =
        json_object_object_get_ex(o, "functions_assessed", &v) ? json_object_get_int64(v) : 0;
    _cleanup_free_ char *f1 = zt_xasprintf("SCAN_ID=%s", zt_json_str(doc, "scan_id"));
    _cleanup_free_ char *f2 = zt_xasprintf("OVERALL_STAGE=%s", zt_json_str(o, "stage"));
    _cleanup_free_ char *f3 = zt_xasprintf("FUNCTIONS_ASSESSED=%lld", (long long)assessed);
    _cleanup_free_ char *f4 = zt_xasprintf("CHANGES=%zu", n_changes);
    const char *const fields[] = {f1, f2, f3, f4, NULL};
    zt_log_event(LOG_NOTICE, ZT_MSG_SCAN_DONE, fields,
                 "scan %s done in %llu ms: overall %s, %lld functions assessed, %zu change(s)",
                 zt_json_str(doc, "scan_id"),
                 (unsigned long long)zt_usec_to_ms(zt_now_mono_usec() - start),
                 zt_json_str(o, "stage"), (long long)assessed, n_changes);
}

/* A scan's result (doc; NULL when the scan failed) through the one after-scan sequence: drift,
 * events into the outbox (synced) before the result becomes the latest, so a crash after this
 * point resends, never loses; the state; the journal; the metrics, failed scans' too (their
 * counter moves). A failure is kept as last error. */
static void after_scan(struct zt_service *s, struct json_object *doc)
{
    const struct zt_metrics_service counters = {.scans = s->scans,
                                                .scan_failures = s->scan_failures};
    const struct zt_after_scan as = {.state = s->state,
                                     .export = s->export,
                                     .metrics_file = s->cfg->daemon.metrics_file,
                                     .counters = &counters,
                                     .show = show_result,
                                     .userdata = s};
    struct zt_after_scan_outcome out;
    struct zt_model *m = zt_after_scan(&as, s->latest_model, doc, &out);

    if (out.error[0]) {
        zt_service_set_error(s, "%s", out.error);
    }
    if (doc) { /* the worker hands doc over */
        json_object_put(s->latest);
        s->latest = doc;
        zt_model_free(s->latest_model);
        s->latest_model = m;
    }
}

static void scan_failed(struct zt_service *s, const char *error, uint64_t start)
{
    _cleanup_free_ char *f1 = zt_xasprintf("WORKER_ERROR=%s", error);
    const char *const fields[] = {f1, NULL};

    s->scan_failures++;
    zt_log_event(LOG_ERR, ZT_MSG_WORKER_FAILED, fields, "scan failed: %s", error);
    zt_service_set_error(s, "%s", error);
    /* Which collector crashed it is unknown: back them all off, so a crash does not loop. */
    for (size_t i = 0; i < s->running.n; i++) {
        int idx = instance_index(s->cfg, s->running.v[i]);
        if (idx >= 0) {
            zt_sched_record(&s->params, &s->sched[idx], true, start);
        }
    }
}

static void on_worker_done(struct zt_worker *w, struct zt_scan *scan, const char *error,
                           void *userdata)
{
    struct zt_service *s = userdata;
    uint64_t start = s->scan_started_usec;
    _cleanup_json_ struct json_object *resp = json_object_new_object();
    /* Judged with the catalog of now: a reload during the scan brought a consistent pair. */
    struct json_object *doc = scan ? zt_worker_result(scan, zt_worker_carried(w), s->latest, s->cat,
                                                      s->attest, s->n_attest)
                                   : NULL;

    zt_scan_free(scan);
    s->scans++;
    if (doc) {
        json_object_object_add(resp, "ok", json_object_new_boolean(true));
        json_object_object_add(resp, "result", json_object_get(doc));
    } else {
        scan_failed(s, error, start);
        json_object_object_add(resp, "ok", json_object_new_boolean(false));
        json_object_object_add(resp, "error", json_object_new_string(error));
    }
    after_scan(s, doc);
    zt_control_answer_waiters(s->control, resp);
    zt_worker_free(s->worker);
    s->worker = NULL;
    zt_strv_clear(&s->running);
    zt_service_arm_timer(s);
    zt_service_update_status(s);
    malloc_trim(0); /* parsing a result document leaves free heap: give it back while idle */
}

static uint64_t scan_timeout(const struct zt_service *s, const bool *selected)
{
    const struct zt_daemon_conf *d = &s->cfg->daemon;
    uint64_t max = 0;
    size_t n = 0;

    for (size_t i = 0; i < s->cfg->n_instances; i++) {
        const struct zt_instance *inst = s->cfg->instances[i];
        if (!inst->enabled || (selected && !selected[i])) {
            continue;
        }
        uint64_t t = inst->timeout_ms                      ? inst->timeout_ms
                     : inst->collector->default_timeout_ms ? inst->collector->default_timeout_ms
                                                           : d->collector_timeout_ms;
        max = t > max ? t : max;
        n++;
    }
    return zt_sched_scan_timeout(d->scan_timeout_ms, max, n, d->max_parallel_collectors,
                                 SCAN_GRACE_MS);
}

int zt_service_start_scan(struct zt_service *s, const bool *selected, const char *reason)
{
    struct zt_worker_job job = {
        .cfg = s->cfg, .selected = selected, .memory_max = s->cfg->daemon.worker_memory_max};

    if (s->worker) {
        log_info("%s scan request joins the running scan", reason);
        return 0;
    }
    uint64_t timeout_ms = scan_timeout(s, selected);
    int r = zt_worker_start(s->event, &job, timeout_ms, on_worker_done, s, &s->worker);
    if (r < 0) {
        zt_service_set_error(s, "cannot start a scan worker: %s", strerror(-r));
        log_error("%s", s->last_error);
        return r;
    }
    s->scan_started_usec = zt_now_mono_usec();
    for (size_t i = 0; i < s->cfg->n_instances; i++) {
        if (s->cfg->instances[i]->enabled && (!selected || selected[i])) {
            zt_strv_push(&s->running, s->cfg->instances[i]->name);
        }
    }
    log_info("%s scan started: %zu collector instance(s), worker pid %d, limit %llu s", reason,
             s->running.n, (int)zt_worker_pid(s->worker),
             (unsigned long long)(timeout_ms / ZT_MS_PER_SEC));
    s->timer = sd_event_source_disable_unref(s->timer);
    s->next_scan_usec = UINT64_MAX;
    zt_service_update_status(s);
    return 1;
}
