/* format.c - an event in a sink's format: the native JSON, an OCSF 1.8.0 Compliance Finding,
 * or a CEF:0 line. The mappings are documented in docs/events.md. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "util.h"

#define OCSF_VERSION "1.8.0"
#define STANDARD     "CISA ZTMM 2.0"

/* OCSF severity_id: 0 Unknown, 1 Informational, 2 Low, 3 Medium, 4 High. A failing rule weighs
 * more the lower its stage (an Initial-stage gap is basic hygiene); a regression is High. */
int zt_event_severity(const struct zt_event *ev)
{
    switch (ev->kind) {
    case ZT_EVENT_FINDING:
        if (ev->status != ZT_OUTCOME_FAIL) {
            return 1;
        }
        return zt_streq(ev->stage, "initial") ? 4 : zt_streq(ev->stage, "advanced") ? 3 : 2;
    case ZT_EVENT_DRIFT:
        return ev->direction == ZT_DIRECTION_REGRESSED ? 4 : 1;
    case ZT_EVENT_FUNCTION:
    case ZT_EVENT_SCAN:
        return zt_streq(ev->stage, "traditional") ? 3 : 1;
    default:
        return 0;
    }
}

static const char *severity_name(int id)
{
    static const char *const names[] = {"Unknown", "Informational", "Low", "Medium", "High"};
    return id >= 0 && id < (int)ZT_ELEMENTSOF(names) ? names[id] : "Other";
}

/* compliance.status_id: 0 Unknown, 1 Pass, 2 Warning, 3 Fail, 99 Other. A stage reads as Fail
 * at traditional, Warning at initial, Pass at advanced or optimal, Unknown when unassessed. */
static int stage_status(const char *stage)
{
    return zt_streq(stage, "traditional")                              ? 3
           : zt_streq(stage, "initial")                                ? 2
           : zt_streq(stage, "advanced") || zt_streq(stage, "optimal") ? 1
                                                                       : 0;
}

static int outcome_status(const char *outcome)
{
    return zt_streq(outcome, "pass")             ? 1
           : zt_streq(outcome, "fail")           ? 3
           : zt_streq(outcome, "not_applicable") ? 99
                                                 : 0;
}

static int compliance_status_id(const struct zt_event *ev)
{
    switch (ev->kind) {
    case ZT_EVENT_FINDING:
        return outcome_status(zt_outcome_to_string(ev->status));
    case ZT_EVENT_DRIFT:
        return ev->scope == ZT_CHANGE_FINDING ? outcome_status(ev->to) : stage_status(ev->to);
    default:
        return stage_status(ev->stage);
    }
}

static const char *compliance_status_name(int id)
{
    return id == 1    ? "Pass"
           : id == 2  ? "Warning"
           : id == 3  ? "Fail"
           : id == 99 ? "Other"
                      : "Unknown";
}

/* The control an event is about: a function id, else its pillar or "overall". */
static const char *control_of(const struct zt_event *ev)
{
    if (ev->function) {
        return ev->function;
    }
    if (ev->kind == ZT_EVENT_DRIFT) {
        return ev->subject;
    }
    return "overall";
}

/* A human title for an event. */
static char *title_of(const struct zt_event *ev)
{
    switch (ev->kind) {
    case ZT_EVENT_SCAN:
        return zt_xasprintf("CISA ZTMM 2.0 estimate for %s: overall %s", ev->host, ev->stage);
    case ZT_EVENT_FUNCTION:
        return zt_xasprintf("%s: %s%s", ev->name ? ev->name : ev->function,
                            zt_streq(ev->bound, "at_least") ? ">= " : "", ev->stage);
    case ZT_EVENT_FINDING:
        return zt_xstrdup(ev->title ? ev->title : ev->rule);
    case ZT_EVENT_DRIFT:
        return zt_xasprintf("%s %s %s: %s -> %s", zt_change_scope_to_string(ev->scope), ev->subject,
                            zt_direction_to_string(ev->direction), ev->from, ev->to);
    default:
        return zt_xstrdup("");
    }
}

/* A uid of the thing an event is about that stays the same from scan to scan (the event id
 * changes with every scan): receivers correlate one finding's history with it. */
static void subject_uid(const struct zt_event *ev, char *out)
{
    const char *what = ev->kind == ZT_EVENT_FINDING    ? ev->rule
                       : ev->kind == ZT_EVENT_FUNCTION ? ev->function
                       : ev->kind == ZT_EVENT_DRIFT    ? ev->subject
                                                       : "";
    _cleanup_free_ char *key = zt_xasprintf("%s\n%s", ev->host, what);
    zt_event_id("", ev->kind, key, out);
}

static char *render_ocsf(const struct zt_event *ev)
{
    _cleanup_json_ struct json_object *o = json_object_new_object();
    struct json_object *meta = json_object_new_object(), *product = json_object_new_object();
    struct json_object *info = json_object_new_object(), *comp = json_object_new_object();
    struct json_object *standards = json_object_new_array(), *unmapped = NULL;
    _cleanup_free_ char *title = title_of(ev);
    char uid[ZT_EVENT_ID_LEN + 1];
    /* A finding or function is reported (Create); a drift is a change to one (Update). */
    int activity = ev->kind == ZT_EVENT_DRIFT ? 2 : 1;
    int sev = zt_event_severity(ev), cs = compliance_status_id(ev);

    json_object_object_add(o, "class_uid", json_object_new_int(2003));
    json_object_object_add(o, "class_name", json_object_new_string("Compliance Finding"));
    json_object_object_add(o, "category_uid", json_object_new_int(2));
    json_object_object_add(o, "category_name", json_object_new_string("Findings"));
    json_object_object_add(o, "activity_id", json_object_new_int(activity));
    json_object_object_add(o, "activity_name",
                           json_object_new_string(activity == 2 ? "Update" : "Create"));
    json_object_object_add(o, "type_uid", json_object_new_int(200300 + activity));
    json_object_object_add(o, "type_name",
                           json_object_new_string(activity == 2 ? "Compliance Finding: Update"
                                                                : "Compliance Finding: Create"));
    json_object_object_add(o, "time", json_object_new_int64((int64_t)zt_usec_to_ms(ev->time_usec)));
    json_object_object_add(o, "severity_id", json_object_new_int(sev));
    json_object_object_add(o, "severity", json_object_new_string(severity_name(sev)));
    /* The workflow state of the finding (1 New), not its compliance outcome. */
    json_object_object_add(o, "status_id", json_object_new_int(1));
    json_object_object_add(o, "status", json_object_new_string("New"));
    json_object_object_add(o, "message", json_object_new_string(title));

    json_object_object_add(product, "name", json_object_new_string("ztmmd"));
    json_object_object_add(product, "vendor_name", json_object_new_string("ztmmd"));
    json_object_object_add(product, "version", json_object_new_string(ZT_VERSION));
    json_object_object_add(meta, "version", json_object_new_string(OCSF_VERSION));
    json_object_object_add(meta, "product", product);
    json_object_object_add(meta, "uid", json_object_new_string(ev->id));
    json_object_object_add(meta, "correlation_uid", json_object_new_string(ev->scan_id));
    json_object_object_add(meta, "log_name",
                           json_object_new_string(zt_event_kind_to_string(ev->kind)));
    json_object_object_add(o, "metadata", meta);

    subject_uid(ev, uid);
    json_object_object_add(info, "uid", json_object_new_string(uid));
    json_object_object_add(info, "title", json_object_new_string(title));
    json_object_object_add(info, "types", json_object_new_array());
    json_object_array_add(json_object_object_get(info, "types"),
                          json_object_new_string(zt_event_kind_to_string(ev->kind)));
    if (ev->rule) {
        struct json_object *analytic = json_object_new_object();
        json_object_object_add(analytic, "uid", json_object_new_string(ev->rule));
        json_object_object_add(analytic, "name", json_object_new_string(ev->rule));
        json_object_object_add(analytic, "type_id", json_object_new_int(1));
        json_object_object_add(analytic, "type", json_object_new_string("Rule"));
        json_object_object_add(info, "analytic", analytic);
    }
    json_object_object_add(o, "finding_info", info);

    json_object_array_add(standards, json_object_new_string(STANDARD));
    json_object_object_add(comp, "standards", standards);
    json_object_object_add(comp, "control", json_object_new_string(control_of(ev)));
    json_object_object_add(comp, "status_id", json_object_new_int(cs));
    json_object_object_add(comp, "status", json_object_new_string(compliance_status_name(cs)));
    if (ev->rule) {
        struct json_object *req = json_object_new_array();
        json_object_array_add(req, json_object_new_string(ev->rule));
        json_object_object_add(comp, "requirements", req);
    }
    if (ev->kind == ZT_EVENT_FINDING) {
        json_object_object_add(comp, "status_detail",
                               json_object_new_string(zt_outcome_to_string(ev->status)));
    }
    json_object_object_add(o, "compliance", comp);

    if (ev->remediation) {
        struct json_object *rem = json_object_new_object();
        json_object_object_add(rem, "desc", json_object_new_string(ev->remediation));
        json_object_object_add(o, "remediation", rem);
    }
    struct json_object *res = json_object_new_array(), *host = json_object_new_object();
    json_object_object_add(host, "name", json_object_new_string(ev->host));
    json_object_object_add(host, "type", json_object_new_string("Host"));
    json_object_array_add(res, host);
    json_object_object_add(o, "resources", res);

    /* The native event, for what OCSF has no attribute for (stages, coverage, evidence). */
    unmapped = json_object_new_object();
    json_object_object_add(unmapped, "ztmmd", json_object_get(ev->json));
    json_object_object_add(o, "unmapped", unmapped);
    return zt_xstrdup(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* ---- CEF --------------------------------------------------------------------------------------
 */

/* Header fields: backslash and pipe escaped; a line break would end the record, so it becomes a
 * space (the header has no escape for it). */
static void put_header(struct zt_buf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '|') {
            zt_buf_put(b, "\\", 1);
            zt_buf_put(b, s, 1);
        } else if (*s == '\n' || *s == '\r') {
            zt_buf_put(b, " ", 1);
        } else {
            zt_buf_put(b, s, 1);
        }
    }
    zt_buf_put(b, "|", 1);
}

/* Extension values: backslash and equals escaped, line breaks as \n and \r; pipes stay. */
static void put_ext(struct zt_buf *b, const char *key, const char *v)
{
    if (!v) {
        return;
    }
    if (b->p[b->n - 1] != '|') {
        zt_buf_put(b, " ", 1);
    }
    zt_buf_puts(b, key);
    zt_buf_put(b, "=", 1);
    for (; *v; v++) {
        switch (*v) {
        case '\\':
            zt_buf_puts(b, "\\\\");
            break;
        case '=':
            zt_buf_puts(b, "\\=");
            break;
        case '\n':
            zt_buf_puts(b, "\\n");
            break;
        case '\r':
            zt_buf_puts(b, "\\r");
            break;
        default:
            zt_buf_put(b, v, 1);
        }
    }
}

/* CEF severity 0-10 from the OCSF severity. */
static const char *cef_severity(int sev)
{
    static const char *const map[] = {"0", "1", "3", "5", "8"};
    return sev >= 0 && sev < (int)ZT_ELEMENTSOF(map) ? map[sev] : "0";
}

static char *render_cef(const struct zt_event *ev)
{
    struct zt_buf b = {0};
    _cleanup_free_ char *title = title_of(ev);
    _cleanup_free_ char *class_id = NULL;
    char rt[32];

    switch (ev->kind) {
    case ZT_EVENT_FINDING:
        class_id = zt_xasprintf("finding:%s", ev->rule);
        break;
    case ZT_EVENT_FUNCTION:
        class_id = zt_xasprintf("function:%s", ev->function);
        break;
    case ZT_EVENT_DRIFT:
        class_id = zt_xasprintf("drift:%s", zt_change_scope_to_string(ev->scope));
        break;
    default:
        class_id = zt_xstrdup("scan");
    }
    zt_buf_puts(&b, "CEF:0|");
    put_header(&b, "ztmmd");
    put_header(&b, "ztmmd");
    put_header(&b, ZT_VERSION);
    put_header(&b, class_id);
    put_header(&b, title);
    put_header(&b, cef_severity(zt_event_severity(ev)));
    snprintf(rt, sizeof(rt), "%llu", (unsigned long long)zt_usec_to_ms(ev->time_usec));
    put_ext(&b, "rt", rt);
    put_ext(&b, "dvchost", ev->host);
    put_ext(&b, "externalId", ev->id);
    put_ext(&b, "cat", zt_event_kind_to_string(ev->kind));
    put_ext(&b, "outcome",
            ev->kind == ZT_EVENT_FINDING ? zt_outcome_to_string(ev->status)
            : ev->kind == ZT_EVENT_DRIFT ? zt_direction_to_string(ev->direction)
                                         : ev->stage);
    put_ext(&b, "cs1Label", ev->function || ev->kind == ZT_EVENT_DRIFT ? "function" : NULL);
    put_ext(&b, "cs1",
            ev->function                 ? ev->function
            : ev->kind == ZT_EVENT_DRIFT ? ev->subject
                                         : NULL);
    put_ext(&b, "cs2Label", ev->stage ? "stage" : NULL);
    put_ext(&b, "cs2", ev->stage);
    put_ext(&b, "cs3Label", "scanId");
    put_ext(&b, "cs3", ev->scan_id);
    put_ext(&b, "cs4Label", ev->rule ? "rule" : NULL);
    put_ext(&b, "cs4", ev->rule);
    if (ev->kind == ZT_EVENT_DRIFT) {
        put_ext(&b, "cs5Label", "from");
        put_ext(&b, "cs5", ev->from);
        put_ext(&b, "cs6Label", "to");
        put_ext(&b, "cs6", ev->to);
    }
    put_ext(&b, "msg", ev->remediation ? ev->remediation : title);
    return b.p;
}

char *zt_event_render(const struct zt_event *ev, enum zt_format f, size_t *len)
{
    char *s;

    switch (f) {
    case ZT_FORMAT_OCSF:
        s = render_ocsf(ev);
        break;
    case ZT_FORMAT_CEF:
        s = render_cef(ev);
        break;
    default:
        s = zt_xstrdup(json_object_to_json_string_ext(
            ev->json, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    }
    *len = strlen(s);
    return s;
}
