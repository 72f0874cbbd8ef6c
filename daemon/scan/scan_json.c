/* scan_json.c - a scan record as JSON and back: a scan program's document (scan_exec.c), a saved
 * result document (ztmmctl evaluate). */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "scan.h"
#include "util.h"

static uint64_t get_u64(struct json_object *o, const char *key)
{
    struct json_object *v;
    int64_t n = json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
    return n > 0 ? (uint64_t)n : 0;
}

static void load_runs(struct zt_scan *scan, struct json_object *doc)
{
    struct json_object *arr;

    if (!json_object_object_get_ex(doc, "collectors", &arr) ||
        !json_object_is_type(arr, json_type_array)) {
        return;
    }
    size_t n = json_object_array_length(arr);
    scan->runs = zt_xcalloc(n ? n : 1, sizeof(*scan->runs));
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(arr, i);
        const char *name = zt_json_str(c, "name"), *type = zt_json_str(c, "type"),
                   *err = zt_json_str(c, "error");
        int st = zt_run_status_from_string(zt_json_str(c, "status"));
        struct zt_run *r = &scan->runs[scan->n_runs++];
        r->name = zt_xstrdup(name ? name : "");
        r->type = zt_xstrdup(type ? type : "");
        r->status = st >= 0 ? (enum zt_run_status)st : ZT_RUN_ERROR;
        r->error = err ? zt_xstrdup(err) : NULL;
        r->credentials =
            zt_json_str(c, "credentials") ? zt_xstrdup(zt_json_str(c, "credentials")) : NULL;
        r->duration_ms = get_u64(c, "duration_ms");
        r->requests = get_u64(c, "requests");
        r->evidence = (size_t)get_u64(c, "evidence");
    }
}

int zt_scan_from_json(struct json_object *doc, struct zt_scan **ret, char *err, size_t errlen)
{
    _cleanup_(zt_scan_freep) struct zt_scan *scan = zt_xcalloc(1, sizeof(*scan));
    const char *id =
        json_object_is_type(doc, json_type_object) ? zt_json_str(doc, "scan_id") : NULL;
    const char *host = json_object_is_type(doc, json_type_object) ? zt_json_str(doc, "host") : NULL;

    zt_evidence_set_init(&scan->evidence);
    int r = zt_evidence_set_from_json(&scan->evidence, doc, err, errlen);
    if (r < 0) {
        return r;
    }
    if (id && strlen(id) < sizeof(scan->scan_id)) {
        snprintf(scan->scan_id, sizeof(scan->scan_id), "%s", id);
    } else {
        zt_uuid4(scan->scan_id);
    }
    scan->host = zt_xstrdup(host ? host : "");
    if (json_object_is_type(doc, json_type_object)) {
        load_runs(scan, doc);
        scan->started_usec = get_u64(doc, "started_usec");
        scan->finished_usec = get_u64(doc, "finished_usec");
    }
    /* The evidence's own times bound the scan when the document does not say. */
    for (size_t i = 0; !scan->finished_usec && i < scan->evidence.n; i++) {
        uint64_t t = scan->evidence.v[i].observed_usec;
        if (!scan->started_usec || t < scan->started_usec) {
            scan->started_usec = t;
        }
        if (t > scan->finished_usec) {
            scan->finished_usec = t;
        }
    }
    if (!scan->finished_usec) {
        scan->started_usec = scan->finished_usec = zt_now_real_usec();
    }
    if (!scan->started_usec || scan->started_usec > scan->finished_usec) {
        scan->started_usec = scan->finished_usec;
    }
    *ret = TAKE_PTR(scan);
    return 0;
}

struct json_object *zt_scan_to_json(const struct zt_scan *scan)
{
    struct json_object *doc = json_object_new_object(), *runs = json_object_new_array();

    json_object_object_add(doc, "scan_id", json_object_new_string(scan->scan_id));
    json_object_object_add(doc, "host", json_object_new_string(scan->host ? scan->host : ""));
    json_object_object_add(doc, "started_usec", json_object_new_int64((int64_t)scan->started_usec));
    json_object_object_add(doc, "finished_usec",
                           json_object_new_int64((int64_t)scan->finished_usec));
    for (size_t i = 0; i < scan->n_runs; i++) {
        const struct zt_run *run = &scan->runs[i];
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(run->name));
        json_object_object_add(o, "type", json_object_new_string(run->type));
        json_object_object_add(o, "status",
                               json_object_new_string(zt_run_status_to_string(run->status)));
        json_object_object_add(o, "error", run->error ? json_object_new_string(run->error) : NULL);
        json_object_object_add(o, "duration_ms", json_object_new_int64((int64_t)run->duration_ms));
        json_object_object_add(o, "requests", json_object_new_int64((int64_t)run->requests));
        json_object_object_add(o, "evidence", json_object_new_int64((int64_t)run->evidence));
        if (run->credentials) {
            json_object_object_add(o, "credentials", json_object_new_string(run->credentials));
        }
        json_object_array_add(runs, o);
    }
    json_object_object_add(doc, "collectors", runs);
    json_object_object_add(doc, "evidence",
                           zt_evidence_set_to_json((struct zt_evidence_set *)&scan->evidence));
    return doc;
}
