/* event.c - ztmmd.event/1: building a scan's events from the model, reading them back. */
#include "event.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "drift.h"
#include "util.h"

const char *zt_event_kind_to_string(enum zt_event_kind k)
{
    static const char *const names[_ZT_EVENT_KIND_MAX] = {
        [ZT_EVENT_SCAN] = "scan",
        [ZT_EVENT_FUNCTION] = "function",
        [ZT_EVENT_FINDING] = "finding",
        [ZT_EVENT_DRIFT] = "drift",
    };
    return k >= 0 && k < _ZT_EVENT_KIND_MAX ? names[k] : NULL;
}

void zt_event_id(const char *scan_id, enum zt_event_kind kind, const char *subject, char *out)
{
    _cleanup_free_ char *in = zt_xasprintf(ZT_EVENT_SCHEMA "\n%s\n%s\n%s", scan_id,
                                           zt_event_kind_to_string(kind), subject ? subject : "");
    zt_drift_digest(in, out);
}

static struct json_object *jstr(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* Coverage rounded to 4 places, as in the result document. */
static struct json_object *jcov(double c)
{
    return json_object_new_double(round(c * 10000.0) / 10000.0);
}

/* id: the event's id, or NULL to derive it from kind and subject with zt_event_id(). */
static struct json_object *header(const struct zt_model *m, enum zt_event_kind kind,
                                  const char *subject, const char *id)
{
    char own[ZT_EVENT_ID_LEN + 1];
    struct json_object *o = json_object_new_object();

    if (!id) {
        zt_event_id(m->scan_id, kind, subject, own);
        id = own;
    }
    json_object_object_add(o, "schema", json_object_new_string(ZT_EVENT_SCHEMA));
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "kind", json_object_new_string(zt_event_kind_to_string(kind)));
    json_object_object_add(o, "time", json_object_new_string(m->finished_at));
    json_object_object_add(o, "scan_id", json_object_new_string(m->scan_id));
    json_object_object_add(o, "host", json_object_new_string(m->host));
    return o;
}

static struct json_object *scan_event(const struct zt_model *m)
{
    struct json_object *o = header(m, ZT_EVENT_SCAN, NULL, NULL);
    struct json_object *overall = json_object_new_object(), *pillars = json_object_new_array();
    struct json_object *cols = json_object_new_array(), *counts = json_object_new_object();

    json_object_object_add(o, "started_at", jstr(m->started_at));
    json_object_object_add(overall, "stage",
                           json_object_new_string(zt_stage_to_string(m->overall)));
    json_object_object_add(overall, "coverage", jcov(m->overall_coverage));
    json_object_object_add(o, "overall", overall);
    for (size_t i = 0; i < m->n_pillars; i++) {
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "id", json_object_new_string(m->pillars[i].id));
        json_object_object_add(p, "stage",
                               json_object_new_string(zt_stage_to_string(m->pillars[i].stage)));
        json_object_object_add(p, "coverage", jcov(m->pillars[i].coverage));
        json_object_array_add(pillars, p);
    }
    json_object_object_add(o, "pillars", pillars);
    for (size_t i = 0; i < m->n_collectors; i++) {
        const struct zt_model_collector *c = &m->collectors[i];
        struct json_object *e = json_object_new_object();
        json_object_object_add(e, "name", json_object_new_string(c->name));
        json_object_object_add(e, "type", jstr(c->type));
        json_object_object_add(e, "status", json_object_new_string(c->status));
        json_object_object_add(e, "error", jstr(c->error));
        json_object_array_add(cols, e);
    }
    json_object_object_add(o, "collectors", cols);
    for (int s = 0; s < _ZT_OUTCOME_MAX; s++) {
        json_object_object_add(counts, zt_outcome_to_string((enum zt_outcome)s),
                               json_object_new_int64((int64_t)m->findings_by_status[s]));
    }
    json_object_object_add(o, "findings", counts);
    return o;
}

static struct json_object *function_event(const struct zt_model *m,
                                          const struct zt_model_function *f)
{
    struct json_object *o = header(m, ZT_EVENT_FUNCTION, f->id, NULL);

    json_object_object_add(o, "function", json_object_new_string(f->id));
    json_object_object_add(o, "name", jstr(f->name));
    json_object_object_add(o, "pillar", jstr(f->pillar));
    json_object_object_add(o, "stage", json_object_new_string(zt_stage_to_string(f->stage)));
    json_object_object_add(o, "bound", json_object_new_string(f->at_least ? "at_least" : "exact"));
    json_object_object_add(o, "coverage", jcov(f->coverage));
    json_object_object_add(o, "attested", json_object_new_boolean(f->attested));
    return o;
}

static const char *pillar_of(const struct zt_model *m, const char *function)
{
    for (size_t i = 0; function && i < m->n_functions; i++) {
        if (zt_streq(m->functions[i].id, function)) {
            return m->functions[i].pillar;
        }
    }
    return NULL;
}

static struct json_object *finding_event(const struct zt_model *m, const struct zt_model_finding *f)
{
    struct json_object *o = header(m, ZT_EVENT_FINDING, f->rule, NULL),
                       *ev = json_object_new_array();

    json_object_object_add(o, "rule", json_object_new_string(f->rule));
    json_object_object_add(o, "function", jstr(f->function));
    json_object_object_add(o, "pillar", jstr(pillar_of(m, f->function)));
    json_object_object_add(o, "stage", json_object_new_string(zt_stage_to_string(f->stage)));
    json_object_object_add(o, "status", json_object_new_string(zt_outcome_to_string(f->status)));
    json_object_object_add(o, "title", jstr(f->title));
    json_object_object_add(o, "remediation", jstr(f->remediation));
    for (size_t i = 0; i < f->n_evidence; i++) {
        struct json_object *e = json_object_new_object();
        json_object_object_add(e, "key", json_object_new_string(f->evidence[i]));
        json_object_object_add(e, "value",
                               json_object_get(zt_model_evidence_value(m, f->evidence[i])));
        json_object_array_add(ev, e);
    }
    json_object_object_add(o, "evidence", ev);
    return o;
}

/* A change's event carries the change's own id (zt_change_id()), as the result and the journal do.
 */
static struct json_object *drift_event(const struct zt_model *m, const struct zt_change *c)
{
    const char *scope = zt_change_scope_to_string(c->scope);
    struct json_object *o = header(m, ZT_EVENT_DRIFT, NULL, c->id);

    json_object_object_add(o, "scope", json_object_new_string(scope));
    json_object_object_add(o, "subject", json_object_new_string(c->subject));
    json_object_object_add(o, "function", jstr(c->function));
    json_object_object_add(o, "from", json_object_new_string(c->from));
    json_object_object_add(o, "to", json_object_new_string(c->to));
    json_object_object_add(o, "direction",
                           json_object_new_string(zt_direction_to_string(c->direction)));
    json_object_object_add(o, "previous_scan_id", json_object_new_string(m->previous_scan_id));
    return o;
}

struct lines {
    char **v;
    size_t n, cap;
};

static void add(struct lines *l, struct json_object *o)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = zt_xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = zt_xstrdup(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

size_t zt_events_build(const struct zt_model *cur, char ***ret)
{
    struct lines l = {0};

    add(&l, scan_event(cur));
    for (size_t i = 0; i < cur->n_functions; i++) {
        add(&l, function_event(cur, &cur->functions[i]));
    }
    for (size_t i = 0; i < cur->n_findings; i++) {
        add(&l, finding_event(cur, &cur->findings[i]));
    }
    for (size_t i = 0; i < cur->n_changes; i++) {
        add(&l, drift_event(cur, &cur->changes[i]));
    }
    *ret = l.v;
    return l.n;
}

/* ---- reading back --------------------------------------------------------------------------- */

static int enum_of(const char *s, const char *(*name)(int), int max)
{
    for (int i = 0; s && i < max; i++) {
        if (zt_streq(s, name(i))) {
            return i;
        }
    }
    return -1;
}

static const char *kind_name(int i)
{
    return zt_event_kind_to_string((enum zt_event_kind)i);
}
static const char *outcome_name(int i)
{
    return zt_outcome_to_string((enum zt_outcome)i);
}
static const char *scope_name(int i)
{
    return zt_change_scope_to_string((enum zt_change_scope)i);
}
static const char *direction_name(int i)
{
    return zt_direction_to_string((enum zt_direction)(i - 1));
}
static const char *stage_name(int i)
{
    return zt_stage_to_string((enum zt_stage)i);
}

static bool is_hex_id(const char *s)
{
    if (!s || strlen(s) != ZT_EVENT_ID_LEN) {
        return false;
    }
    for (const char *p = s; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
            return false;
        }
    }
    return true;
}

static int bad(struct zt_event *ev, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "not a " ZT_EVENT_SCHEMA " event: %s", what);
    zt_event_done(ev);
    return -EBADMSG;
}

int zt_event_parse(const char *text, size_t len, struct zt_event *ev, char *err, size_t errlen)
{
    struct json_object *o = NULL, *v;
    char jerr[128];

    *ev = (struct zt_event){0};
    if (len > ZT_EVENT_MAX) {
        return bad(ev, err, errlen, "too large");
    }
    if (zt_json_parse(text, len, 16, &o, jerr, sizeof(jerr)) < 0) {
        snprintf(err, errlen, "not valid JSON: %s", jerr);
        return -EBADMSG;
    }
    ev->json = o;
    if (!zt_streq(zt_json_str(o, "schema"), ZT_EVENT_SCHEMA)) {
        return bad(ev, err, errlen, "no schema member");
    }
    int kind = enum_of(zt_json_str(o, "kind"), kind_name, _ZT_EVENT_KIND_MAX);
    ev->id = zt_json_str(o, "id");
    ev->scan_id = zt_json_str(o, "scan_id");
    ev->host = zt_json_str(o, "host");
    ev->time = zt_json_str(o, "time");
    if (kind < 0 || !is_hex_id(ev->id) || !ev->scan_id || !ev->host ||
        zt_parse_rfc3339(ev->time, &ev->time_usec) < 0) {
        return bad(ev, err, errlen, "id, kind, time, scan_id or host missing or invalid");
    }
    ev->kind = (enum zt_event_kind)kind;
    ev->function = zt_json_str(o, "function");
    ev->pillar = zt_json_str(o, "pillar");
    switch (ev->kind) {
    case ZT_EVENT_SCAN: {
        struct json_object *overall = NULL;
        json_object_object_get_ex(o, "overall", &overall);
        ev->stage = zt_json_str(overall, "stage");
        if (json_object_object_get_ex(overall, "coverage", &v)) {
            ev->coverage = json_object_get_double(v);
        }
        if (enum_of(ev->stage, stage_name, _ZT_STAGE_MAX) < 0) {
            return bad(ev, err, errlen, "scan event without an overall stage");
        }
        break;
    }
    case ZT_EVENT_FUNCTION:
        ev->stage = zt_json_str(o, "stage");
        ev->name = zt_json_str(o, "name");
        ev->bound = zt_json_str(o, "bound");
        if (json_object_object_get_ex(o, "coverage", &v)) {
            ev->coverage = json_object_get_double(v);
        }
        ev->attested = json_object_object_get_ex(o, "attested", &v) && json_object_get_boolean(v);
        if (!ev->function || enum_of(ev->stage, stage_name, _ZT_STAGE_MAX) < 0) {
            return bad(ev, err, errlen, "function event without a function id or stage");
        }
        break;
    case ZT_EVENT_FINDING: {
        int st = enum_of(zt_json_str(o, "status"), outcome_name, _ZT_OUTCOME_MAX);
        ev->stage = zt_json_str(o, "stage");
        ev->rule = zt_json_str(o, "rule");
        ev->title = zt_json_str(o, "title");
        ev->remediation = zt_json_str(o, "remediation");
        if (!ev->rule || st < 0) {
            return bad(ev, err, errlen, "finding event without a rule or status");
        }
        ev->status = (enum zt_outcome)st;
        break;
    }
    case ZT_EVENT_DRIFT: {
        int sc = enum_of(zt_json_str(o, "scope"), scope_name, _ZT_CHANGE_SCOPE_MAX);
        int dir = enum_of(zt_json_str(o, "direction"), direction_name, 3);
        ev->subject = zt_json_str(o, "subject");
        ev->from = zt_json_str(o, "from");
        ev->to = zt_json_str(o, "to");
        ev->previous_scan_id = zt_json_str(o, "previous_scan_id");
        if (sc < 0 || dir < 0 || !ev->subject || !ev->from || !ev->to) {
            return bad(ev, err, errlen,
                       "drift event without scope, subject, from, to or direction");
        }
        ev->scope = (enum zt_change_scope)sc;
        ev->direction = (enum zt_direction)(dir - 1);
        ev->stage = ev->scope != ZT_CHANGE_FINDING ? ev->to : NULL;
        break;
    }
    default:
        break;
    }
    return 0;
}

void zt_event_done(struct zt_event *ev)
{
    json_object_put(ev->json);
    *ev = (struct zt_event){0};
}

bool zt_event_is_failing_or_other(const struct zt_event *ev)
{
    return ev->kind != ZT_EVENT_FINDING ||
           (ev->status != ZT_OUTCOME_PASS && ev->status != ZT_OUTCOME_NOT_APPLICABLE);
}
