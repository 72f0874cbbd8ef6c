/* drift.c - change events between two result documents: stage and finding status changes. */
#include "drift.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "util.h"

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

static struct json_object *change_json(const struct zt_model *prev, const struct zt_model *cur,
                                       const struct zt_change *c)
{
    bool stage = c->scope != ZT_CHANGE_FINDING;
    const char *kind = stage ? "stage_changed" : "finding_changed";
    const char *scope = zt_change_scope_to_string(c->scope);
    char id[ZT_DRIFT_ID_LEN + 1];
    _cleanup_free_ char *what = zt_xasprintf("%s:%s", scope, c->subject);

    zt_drift_event_id(prev->scan_id, cur->scan_id, kind, what, id);
    struct json_object *ev = json_object_new_object();
    json_object_object_add(ev, "id", json_object_new_string(id));
    json_object_object_add(ev, "kind", json_object_new_string(kind));
    json_object_object_add(ev, "scope", json_object_new_string(scope));
    json_object_object_add(ev, "subject", json_object_new_string(c->subject));
    if (c->function && c->scope != ZT_CHANGE_FUNCTION) {
        json_object_object_add(ev, "function", json_object_new_string(c->function));
    }
    json_object_object_add(ev, "from", json_object_new_string(c->from));
    json_object_object_add(ev, "to", json_object_new_string(c->to));
    json_object_object_add(ev, "direction",
                           json_object_new_string(zt_direction_to_string(c->direction)));
    json_object_object_add(ev, "previous_scan_id", json_object_new_string(prev->scan_id));
    json_object_object_add(ev, "scan_id", json_object_new_string(cur->scan_id));
    json_object_object_add(ev, "at", json_object_new_string(cur->finished_at));
    return ev;
}

struct json_object *zt_drift_compute(struct json_object *prev, struct json_object *cur)
{
    struct json_object *out = json_object_new_array();
    _cleanup_(zt_model_freep) struct zt_model *p = NULL, *c = NULL;
    _cleanup_free_ struct zt_change *changes = NULL;
    char err[256];

    /* A previous document that cannot be read is no baseline: nothing to compare with. */
    if (!prev || !cur || zt_model_from_result(prev, &p, err, sizeof(err)) < 0 ||
        zt_model_from_result(cur, &c, err, sizeof(err)) < 0) {
        return out;
    }
    size_t n = zt_model_diff(p, c, &changes);
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(out, change_json(p, c, &changes[i]));
    }
    return out;
}

bool zt_drift_is_regression(struct json_object *event)
{
    return zt_streq(zt_json_str(event, "direction"), "regressed");
}
