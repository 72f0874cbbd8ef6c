/* drift.c - the changes between two results (stage and finding status changes) and their ids. */
#include "drift.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "sha256.h"
#include "util.h"

void zt_drift_digest(const char *text, char *out)
{
    uint8_t md[ZT_SHA256_LEN];

    zt_sha256(text, strlen(text), md);
    for (unsigned i = 0; i < ZT_CHANGE_ID_LEN / 2 && i < ZT_SHA256_LEN; i++) {
        snprintf(out + i * 2, 3, "%02x", md[i]);
    }
    out[ZT_CHANGE_ID_LEN] = '\0';
}

void zt_change_id(const char *scan_id, enum zt_change_scope scope, const char *subject, char *out)
{
    _cleanup_free_ char *in = zt_xasprintf("ztmmd.event/1\n%s\ndrift\n%s:%s", scan_id,
                                           zt_change_scope_to_string(scope), subject);
    zt_drift_digest(in, out);
}

const char *zt_change_scope_to_string(enum zt_change_scope s)
{
    static const char *const names[_ZT_CHANGE_SCOPE_MAX] = {
        [ZT_CHANGE_FUNCTION] = "function",
        [ZT_CHANGE_PILLAR] = "pillar",
        [ZT_CHANGE_OVERALL] = "overall",
        [ZT_CHANGE_FINDING] = "finding",
    };
    return s >= 0 && s < _ZT_CHANGE_SCOPE_MAX ? names[s] : NULL;
}

const char *zt_direction_to_string(enum zt_direction d)
{
    return d == ZT_DIRECTION_REGRESSED  ? "regressed"
           : d == ZT_DIRECTION_IMPROVED ? "improved"
                                        : "changed";
}

static enum zt_direction stage_direction(enum zt_stage from, enum zt_stage to)
{
    if (from == ZT_STAGE_UNKNOWN || to == ZT_STAGE_UNKNOWN) {
        return ZT_DIRECTION_CHANGED;
    }
    return to < from ? ZT_DIRECTION_REGRESSED : ZT_DIRECTION_IMPROVED;
}

static enum zt_direction outcome_direction(enum zt_outcome from, enum zt_outcome to)
{
    if (from == ZT_OUTCOME_PASS) {
        return ZT_DIRECTION_REGRESSED;
    }
    return to == ZT_OUTCOME_PASS ? ZT_DIRECTION_IMPROVED : ZT_DIRECTION_CHANGED;
}

struct diff {
    struct zt_change *v;
    size_t n, cap;
};

static void push(struct diff *d, struct zt_change c)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->v = zt_xrealloc(d->v, d->cap * sizeof(*d->v));
    }
    d->v[d->n++] = c;
}

/* 40 functions and six pillars: a linear lookup per entry is fine. */
static void diff_stages(struct diff *d, enum zt_change_scope scope, const void *prev, size_t np,
                        const void *cur, size_t nc, size_t stride)
{
    for (size_t i = 0; i < nc; i++) {
        const char *const *cid = (const char *const *)((const char *)cur + i * stride);
        for (size_t j = 0; j < np; j++) {
            const char *const *pid = (const char *const *)((const char *)prev + j * stride);
            if (!zt_streq(*cid, *pid)) {
                continue;
            }
            enum zt_stage from, to;
            if (scope == ZT_CHANGE_FUNCTION) {
                from = ((const struct zt_model_function *)pid)->stage;
                to = ((const struct zt_model_function *)cid)->stage;
            } else {
                from = ((const struct zt_model_pillar *)pid)->stage;
                to = ((const struct zt_model_pillar *)cid)->stage;
            }
            if (from != to) {
                push(d, (struct zt_change){.scope = scope,
                                           .subject = *cid,
                                           .function = scope == ZT_CHANGE_FUNCTION ? *cid : NULL,
                                           .from = zt_stage_to_string(from),
                                           .to = zt_stage_to_string(to),
                                           .direction = stage_direction(from, to)});
            }
            break;
        }
    }
}

void zt_drift_compare(struct zt_model *cur, const struct zt_model *prev)
{
    struct diff d = {0};

    free(cur->changes);
    free(cur->previous_scan_id);
    cur->changes = NULL;
    cur->n_changes = 0;
    cur->previous_scan_id = NULL;
    if (!prev) {
        return;
    }
    diff_stages(&d, ZT_CHANGE_FUNCTION, prev->functions, prev->n_functions, cur->functions,
                cur->n_functions, sizeof(*cur->functions));
    diff_stages(&d, ZT_CHANGE_PILLAR, prev->pillars, prev->n_pillars, cur->pillars, cur->n_pillars,
                sizeof(*cur->pillars));
    if (prev->overall != cur->overall) {
        push(&d, (struct zt_change){.scope = ZT_CHANGE_OVERALL,
                                    .subject = "overall",
                                    .from = zt_stage_to_string(prev->overall),
                                    .to = zt_stage_to_string(cur->overall),
                                    .direction = stage_direction(prev->overall, cur->overall)});
    }
    /* Findings are one per rule, so there may be many (a large catalog): look them up by rule
     * in a hash table (a json-c object) rather than pairwise. */
    _cleanup_json_ struct json_object *by_rule = json_object_new_object();
    for (size_t j = 0; j < prev->n_findings; j++) {
        json_object_object_add(by_rule, prev->findings[j].rule, json_object_new_int64((int64_t)j));
    }
    for (size_t i = 0; i < cur->n_findings; i++) {
        const struct zt_model_finding *c = &cur->findings[i];
        struct json_object *at = NULL;
        if (!json_object_object_get_ex(by_rule, c->rule, &at)) {
            continue;
        }
        const struct zt_model_finding *p = &prev->findings[json_object_get_int64(at)];
        if (c->status != p->status) {
            push(&d, (struct zt_change){.scope = ZT_CHANGE_FINDING,
                                        .subject = c->rule,
                                        .function = c->function,
                                        .from = zt_outcome_to_string(p->status),
                                        .to = zt_outcome_to_string(c->status),
                                        .direction = outcome_direction(p->status, c->status)});
        }
    }
    for (size_t i = 0; i < d.n; i++) {
        zt_change_id(cur->scan_id, d.v[i].scope, d.v[i].subject, d.v[i].id);
    }
    cur->previous_scan_id = zt_xstrdup(prev->scan_id);
    cur->changes = d.v;
    cur->n_changes = d.n;
}

static struct json_object *change_json(const struct zt_model *cur, const struct zt_change *c)
{
    bool stage = c->scope != ZT_CHANGE_FINDING;
    struct json_object *ev = json_object_new_object();

    json_object_object_add(ev, "id", json_object_new_string(c->id));
    json_object_object_add(ev, "kind",
                           json_object_new_string(stage ? "stage_changed" : "finding_changed"));
    json_object_object_add(ev, "scope",
                           json_object_new_string(zt_change_scope_to_string(c->scope)));
    json_object_object_add(ev, "subject", json_object_new_string(c->subject));
    if (c->function && c->scope != ZT_CHANGE_FUNCTION) {
        json_object_object_add(ev, "function", json_object_new_string(c->function));
    }
    json_object_object_add(ev, "from", json_object_new_string(c->from));
    json_object_object_add(ev, "to", json_object_new_string(c->to));
    json_object_object_add(ev, "direction",
                           json_object_new_string(zt_direction_to_string(c->direction)));
    json_object_object_add(ev, "previous_scan_id", json_object_new_string(cur->previous_scan_id));
    json_object_object_add(ev, "scan_id", json_object_new_string(cur->scan_id));
    json_object_object_add(ev, "at", json_object_new_string(cur->finished_at));
    return ev;
}

struct json_object *zt_drift_to_json(const struct zt_model *cur)
{
    struct json_object *out = json_object_new_array();

    for (size_t i = 0; i < cur->n_changes; i++) {
        json_object_array_add(out, change_json(cur, &cur->changes[i]));
    }
    return out;
}

bool zt_drift_is_regression(struct json_object *event)
{
    return zt_streq(zt_json_str(event, "direction"), "regressed");
}
