/* drift.c - change events between two result documents: stage and finding status changes. */
#include "drift.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* Fields of one comparison: which array, which key names the entry, which key is compared. */
struct drift_kind {
    const char *array, *id_key, *value_key, *kind, *scope;
};

static const struct drift_kind kinds[] = {
    {"functions", "id", "stage", "stage_changed", "function"},
    {"pillars", "id", "stage", "stage_changed", "pillar"},
    {"findings", "rule", "status", "finding_changed", "finding"},
};

void zt_drift_event_id(const char *prev_scan_id, const char *scan_id, const char *kind,
                       const char *subject, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    _cleanup_free_ char *in =
        zt_xasprintf("ztmmd.change/1\n%s\n%s\n%s\n%s", prev_scan_id, scan_id, kind, subject);

    EVP_Digest(in, strlen(in), md, &md_len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < md_len && i * 2 < ZT_DRIFT_ID_LEN; i++) {
        snprintf(out + i * 2, 3, "%02x", md[i]);
    }
    out[ZT_DRIFT_ID_LEN] = '\0';
}

static int stage_rank(const char *s)
{
    static const char *const order[] = {"traditional", "initial", "advanced", "optimal"};
    for (int i = 0; i < (int)ZT_ELEMENTSOF(order); i++) {
        if (zt_streq(s, order[i])) {
            return i;
        }
    }
    return -1; /* unknown: not comparable */
}

static const char *direction(const struct drift_kind *k, const char *from, const char *to)
{
    if (zt_streq(k->value_key, "status")) {
        if (zt_streq(from, "pass")) {
            return "regressed";
        }
        return zt_streq(to, "pass") ? "improved" : "changed";
    }
    int a = stage_rank(from), b = stage_rank(to);
    if (a < 0 || b < 0) {
        return "changed";
    }
    return b < a ? "regressed" : "improved";
}

static void add_event(struct json_object *out, struct json_object *prev, struct json_object *cur,
                      const struct drift_kind *k, struct json_object *entry, const char *from)
{
    const char *pid = zt_json_str(prev, "scan_id"), *cid = zt_json_str(cur, "scan_id");
    const char *subject = zt_json_str(entry, k->id_key), *to = zt_json_str(entry, k->value_key);
    const char *at = zt_json_str(cur, "finished_at");
    char id[ZT_DRIFT_ID_LEN + 1];
    _cleanup_free_ char *what = zt_xasprintf("%s:%s", k->scope, subject);

    zt_drift_event_id(pid ? pid : "", cid ? cid : "", k->kind, what, id);
    struct json_object *ev = json_object_new_object();
    json_object_object_add(ev, "id", json_object_new_string(id));
    json_object_object_add(ev, "kind", json_object_new_string(k->kind));
    json_object_object_add(ev, "scope", json_object_new_string(k->scope));
    json_object_object_add(ev, "subject", json_object_new_string(subject));
    if (zt_json_str(entry, "function") && !zt_streq(k->scope, "function")) {
        json_object_object_add(ev, "function",
                               json_object_new_string(zt_json_str(entry, "function")));
    }
    json_object_object_add(ev, "from", json_object_new_string(from));
    json_object_object_add(ev, "to", json_object_new_string(to));
    json_object_object_add(ev, "direction", json_object_new_string(direction(k, from, to)));
    json_object_object_add(ev, "previous_scan_id", pid ? json_object_new_string(pid) : NULL);
    json_object_object_add(ev, "scan_id", cid ? json_object_new_string(cid) : NULL);
    json_object_object_add(ev, "at", at ? json_object_new_string(at) : NULL);
    json_object_array_add(out, ev);
}

/* Index prev's entries of one kind by id (borrowed values in a new object). */
static struct json_object *index_prev(struct json_object *prev, const struct drift_kind *k)
{
    struct json_object *idx = json_object_new_object(), *arr = zt_json_array(prev, k->array);

    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        struct json_object *e = json_object_array_get_idx(arr, i);
        const char *id = zt_json_str(e, k->id_key), *v = zt_json_str(e, k->value_key);
        if (id && v) {
            json_object_object_add(idx, id, json_object_new_string(v));
        }
    }
    return idx;
}

static void compare_kind(struct json_object *out, struct json_object *prev, struct json_object *cur,
                         const struct drift_kind *k)
{
    _cleanup_json_ struct json_object *idx = index_prev(prev, k);
    struct json_object *arr = zt_json_array(cur, k->array), *was;

    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        struct json_object *e = json_object_array_get_idx(arr, i);
        const char *id = zt_json_str(e, k->id_key), *v = zt_json_str(e, k->value_key);
        /* An entry new to the catalog has no history: it is not a change. */
        if (id && v && json_object_object_get_ex(idx, id, &was) &&
            !zt_streq(json_object_get_string(was), v)) {
            add_event(out, prev, cur, k, e, json_object_get_string(was));
        }
    }
}

struct json_object *zt_drift_compute(struct json_object *prev, struct json_object *cur)
{
    struct json_object *out = json_object_new_array();
    struct json_object *po, *co;

    if (!prev || !cur) {
        return out;
    }
    compare_kind(out, prev, cur, &kinds[0]);
    compare_kind(out, prev, cur, &kinds[1]);
    if (json_object_object_get_ex(prev, "overall", &po) &&
        json_object_object_get_ex(cur, "overall", &co) && zt_json_str(po, "stage") &&
        zt_json_str(co, "stage") && !zt_streq(zt_json_str(po, "stage"), zt_json_str(co, "stage"))) {
        static const struct drift_kind overall = {NULL, "id", "stage", "stage_changed", "overall"};
        _cleanup_json_ struct json_object *e = json_object_new_object();
        json_object_object_add(e, "id", json_object_new_string("overall"));
        json_object_object_add(e, "stage", json_object_new_string(zt_json_str(co, "stage")));
        add_event(out, prev, cur, &overall, e, zt_json_str(po, "stage"));
    }
    compare_kind(out, prev, cur, &kinds[2]);
    return out;
}

bool zt_drift_is_regression(struct json_object *event)
{
    return zt_streq(zt_json_str(event, "direction"), "regressed");
}
