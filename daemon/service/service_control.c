/* service_control.c - the service's answers to control requests: scan, status, show, history. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "result.h"
#include "service_internal.h"
#include "util.h"

static struct json_object *time_or_null(uint64_t mono_usec)
{
    char ts[40];

    if (mono_usec == UINT64_MAX || mono_usec == 0) {
        return NULL;
    }
    uint64_t now = zt_now_mono_usec(), real = zt_now_real_usec();
    uint64_t t = mono_usec >= now ? real + (mono_usec - now) : real - (now - mono_usec);
    return json_object_new_string(zt_format_rfc3339(t, ts, sizeof(ts)));
}

static struct json_object *collectors_json(struct zt_service *s)
{
    struct json_object *arr = json_object_new_array(), *v;

    for (size_t i = 0; i < s->cfg->n_instances; i++) {
        const struct zt_instance *inst = s->cfg->instances[i];
        struct json_object *o = json_object_new_object(),
                           *last = zt_result_collector(s->latest, inst->name);
        json_object_object_add(o, "name", json_object_new_string(inst->name));
        json_object_object_add(o, "type", json_object_new_string(inst->collector->name));
        json_object_object_add(o, "enabled", json_object_new_boolean(inst->enabled));
        json_object_object_add(
            o, "interval_sec",
            json_object_new_int64((int64_t)(s->sched[i].interval_ms / ZT_MS_PER_SEC)));
        json_object_object_add(
            o, "status",
            last && json_object_object_get_ex(last, "status", &v) ? json_object_get(v) : NULL);
        json_object_object_add(
            o, "error",
            last && json_object_object_get_ex(last, "error", &v) ? json_object_get(v) : NULL);
        json_object_object_add(
            o, "credentials",
            last && json_object_object_get_ex(last, "credentials", &v) ? json_object_get(v) : NULL);
        json_object_object_add(o, "consecutive_failures",
                               json_object_new_int64(s->sched[i].failures));
        json_object_object_add(o, "running",
                               json_object_new_boolean(zt_strv_contains(&s->running, inst->name)));
        json_object_object_add(o, "next_run", time_or_null(s->sched[i].next_usec));
        json_object_array_add(arr, o);
    }
    return arr;
}

static struct json_object *last_scan_json(struct zt_service *s)
{
    struct json_object *o = json_object_new_object(), *v, *overall;

    if (!s->latest) {
        json_object_put(o);
        return NULL;
    }
    static const char *const keys[] = {"scan_id", "started_at", "finished_at"};
    for (size_t i = 0; i < ZT_ELEMENTSOF(keys); i++) {
        if (json_object_object_get_ex(s->latest, keys[i], &v)) {
            json_object_object_add(o, keys[i], json_object_get(v));
        }
    }
    if (json_object_object_get_ex(s->latest, "overall", &overall)) {
        json_object_object_add(o, "overall", json_object_get(overall));
    }
    if ((v = zt_json_array(s->latest, "changes"))) { /* latest may come from disk */
        json_object_object_add(o, "changes", json_object_new_int64(json_object_array_length(v)));
    }
    return o;
}

struct json_object *zt_service_status_json(struct zt_service *s)
{
    struct json_object *o = json_object_new_object(), *d = json_object_new_object();
    char ts[40];

    json_object_object_add(d, "version", json_object_new_string(ZT_VERSION));
    json_object_object_add(d, "pid", json_object_new_int(getpid()));
    json_object_object_add(d, "state", json_object_new_string(s->worker ? "scanning" : "idle"));
    json_object_object_add(d, "config", json_object_new_string(s->cfg->path));
    json_object_object_add(d, "catalog", json_object_new_string(s->cat->path));
    json_object_object_add(d, "state_dir", json_object_new_string(s->cfg->daemon.state_dir));
    json_object_object_add(
        d, "uptime_sec",
        json_object_new_int64((int64_t)((zt_now_mono_usec() - s->started_usec) / ZT_USEC_PER_SEC)));
    json_object_object_add(d, "scans", json_object_new_int64((int64_t)s->scans));
    json_object_object_add(d, "scan_failures", json_object_new_int64((int64_t)s->scan_failures));
    json_object_object_add(d, "worker_pid",
                           s->worker ? json_object_new_int(zt_worker_pid(s->worker)) : NULL);
    json_object_object_add(d, "next_scan", time_or_null(s->next_scan_usec));
    json_object_object_add(d, "last_error",
                           s->last_error ? json_object_new_string(s->last_error) : NULL);
    json_object_object_add(d, "last_error_at",
                           s->last_error ? json_object_new_string(zt_format_rfc3339(
                                               s->last_error_usec, ts, sizeof(ts)))
                                         : NULL);
    json_object_object_add(o, "ok", json_object_new_boolean(true));
    json_object_object_add(o, "daemon", d);
    json_object_object_add(o, "last_scan", last_scan_json(s));
    json_object_object_add(o, "collectors", collectors_json(s));
    json_object_object_add(o, "sinks", zt_export_status(s->export));
    return o;
}

static struct json_object *handle_scan(struct zt_service *s, bool wait)
{
    bool joined = s->worker != NULL;
    int r = zt_service_start_scan(s, NULL, "requested");

    if (r < 0) {
        return zt_control_error("cannot start a scan: %s", strerror(-r));
    }
    if (wait) {
        return NULL; /* parked until the worker is done */
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(true));
    json_object_object_add(o, "scan",
                           json_object_new_string(joined ? "already running" : "started"));
    json_object_object_add(o, "worker_pid", json_object_new_int(zt_worker_pid(s->worker)));
    return o;
}

/* The trend summary of the kept results. Only documents not summarized before are read. */
static struct json_object *handle_history(struct zt_service *s)
{
    _cleanup_free_ char *dir = zt_xasprintf("%s/%s", s->cfg->daemon.state_dir, ZT_STATE_HISTORY);
    char err[512];

    if (zt_history_refresh(&s->history, dir, err, sizeof(err)) < 0) {
        return zt_control_error("%s", err);
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(true));
    json_object_object_add(o, "history", zt_history_to_json(&s->history));
    json_object_object_add(o, "skipped", json_object_new_int64((int64_t)s->history.skipped));
    return o;
}

struct json_object *zt_service_handle(const struct zt_control_request *req, void *userdata)
{
    struct zt_service *s = userdata;

    log_debug("control: %s request", zt_control_cmd_to_string(req->cmd));
    switch (req->cmd) {
    case ZT_CONTROL_SCAN:
        return handle_scan(s, req->wait);
    case ZT_CONTROL_STATUS:
        return zt_service_status_json(s);
    case ZT_CONTROL_SHOW:
        if (!s->latest) {
            return zt_control_error("no result yet: run 'ztmmctl scan --wait'");
        }
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "ok", json_object_new_boolean(true));
        json_object_object_add(o, "result", json_object_get(s->latest));
        return o;
    case ZT_CONTROL_HISTORY:
        return handle_history(s);
    default:
        return zt_control_error("unknown command");
    }
}
