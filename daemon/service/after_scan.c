/* after_scan.c - the one sequence after a scan (drift, publish, save, show, deliver, metrics),
 * shared by the service and ztmmd --once. */
#include "after_scan.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "drift.h"
#include "log.h"
#include "util.h"

/* Log a failure once and keep the first one for the caller. */
static void failed(struct zt_after_scan_outcome *out, const char *fmt, ...) _printf_(2, 3);
static void failed(struct zt_after_scan_outcome *out, const char *fmt, ...)
{
    char msg[sizeof(out->error)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_error("%s", msg);
    if (!out->error[0]) {
        snprintf(out->error, sizeof(out->error), "%s", msg);
    }
}

static void publish(const struct zt_after_scan *as, const struct zt_model *m,
                    struct zt_after_scan_outcome *out)
{
    char err[1024];

    if (!as->export) {
        return;
    }
    out->published = zt_export_publish(as->export, m, err, sizeof(err));
    if (out->published < 0) {
        failed(out, "export: the events of scan %s were not kept: %s", m->scan_id, err);
        return;
    }
    log_info("export: %d event(s) of scan %s published", out->published, m->scan_id);
}

/* Wait for delivery; say per sink what is left and why. */
static void deliver(const struct zt_after_scan *as, struct zt_after_scan_outcome *out)
{
    if (!as->export || as->flush_timeout_ms == 0 || out->published < 0) {
        return;
    }
    out->pending = zt_export_flush(as->export, as->flush_timeout_ms);
    _cleanup_json_ struct json_object *st = zt_export_status(as->export);
    for (size_t i = 0; i < json_object_array_length(st); i++) {
        struct json_object *e = json_object_array_get_idx(st, i), *v;
        int64_t pending =
            json_object_object_get_ex(e, "pending", &v) ? json_object_get_int64(v) : 0;
        int64_t dropped =
            json_object_object_get_ex(e, "dropped", &v) ? json_object_get_int64(v) : 0;
        const char *last = zt_json_str(e, "last_error");
        if (pending > 0 || dropped > 0) {
            log_warning("export: sink %s: %lld event(s) pending, %lld dropped%s%s",
                        zt_json_str(e, "name"), (long long)pending, (long long)dropped,
                        last ? "; last error: " : "", last ? last : "");
        }
    }
    if (out->pending > 0) {
        log_warning("export: %llu event(s) not delivered within %llu ms are kept in %s/outbox "
                    "for the next run or the service",
                    (unsigned long long)out->pending, (unsigned long long)as->flush_timeout_ms,
                    as->state ? as->state->dir : "the state directory");
    }
}

struct zt_model *zt_after_scan(const struct zt_after_scan *as, const struct zt_model *prev,
                               struct json_object *doc, struct zt_after_scan_outcome *out)
{
    struct zt_model *m = NULL;
    char err[512];

    *out = (struct zt_after_scan_outcome){0};
    if (doc && zt_model_from_result(doc, &m, err, sizeof(err)) < 0) {
        failed(out, "internal error: the new result cannot be read: %s", err);
    }
    if (m) {
        zt_drift_compare(m, prev);
        json_object_object_add(doc, "changes", zt_drift_to_json(m));
        publish(as, m, out);
    }
    if (doc && as->state && (out->saved = zt_state_save(as->state, doc)) < 0) {
        failed(out, "cannot save the result in %s: %s", as->state->dir, strerror(-out->saved));
    }
    if (doc && as->show) {
        as->show(doc, m, as->userdata);
    }
    if (m) {
        deliver(as, out);
    }
    const struct zt_model *latest = doc ? m : prev;
    if (as->metrics_file && (!doc || m) &&
        (out->metrics = zt_metrics_update(as->metrics_file, latest, as->export, as->counters, err,
                                          sizeof(err))) < 0) {
        failed(out, "%s", err);
    }
    return m;
}
