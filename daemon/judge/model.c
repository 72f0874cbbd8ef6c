/* model.c - a result document read into typed arrays, and the difference of two of them. */
#include "model.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "result.h"
#include "utf8.h"
#include "util.h"

#define RESULT_JSON_DEPTH 64

static const char *str(struct json_object *o, const char *key)
{
    return zt_json_str(o, key);
}

static double num(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) ||
        (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))) {
        return 0;
    }
    double d = json_object_get_double(v);
    return isfinite(d) ? d : 0;
}

static bool flag(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
           json_object_get_boolean(v);
}

static int stage_of(struct json_object *o, const char *key)
{
    const char *s = str(o, key);
    return s ? zt_stage_from_string(s) : -EINVAL;
}

static int outcome_from_string(const char *s)
{
    for (int i = 0; s && i < _ZT_OUTCOME_MAX; i++) {
        if (zt_streq(s, zt_outcome_to_string((enum zt_outcome)i))) {
            return i;
        }
    }
    return -EINVAL;
}

static size_t array_len(struct json_object *doc, const char *key, struct json_object **arr)
{
    *arr = zt_json_array(doc, key);
    return *arr ? json_object_array_length(*arr) : 0;
}

/* Whether id is met for the first time in set (a json-c object: a hash table of the ids read so
 * far), adding it. A document read back from disk may repeat an entry, and only the first counts
 * (else a document differs from itself in drift; fuzz_state found it). */
static bool first_time(struct json_object *set, const char *id)
{
    if (json_object_object_get_ex(set, id, NULL)) {
        return false;
    }
    json_object_object_add(set, id, NULL);
    return true;
}

static void read_functions(struct zt_model *m)
{
    _cleanup_json_ struct json_object *ids = json_object_new_object();
    struct json_object *arr;
    size_t n = array_len(m->doc, "functions", &arr);

    m->functions = zt_xcalloc(n ? n : 1, sizeof(*m->functions));
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(arr, i);
        int st = stage_of(e, "stage");
        if (!str(e, "id") || st < 0 || !first_time(ids, str(e, "id"))) {
            continue;
        }
        m->functions[m->n_functions++] = (struct zt_model_function){
            .id = str(e, "id"),
            .pillar = str(e, "pillar"),
            .name = str(e, "name"),
            .stage = (enum zt_stage)st,
            .at_least = zt_streq(str(e, "bound"), "at_least"),
            .coverage = num(e, "coverage"),
            .attested = flag(e, "attested"),
        };
        struct zt_model_function *f = &m->functions[m->n_functions - 1];
        int at = stage_of(e, "attested_stage");
        f->attested_stage = at < 0 ? ZT_STAGE_UNKNOWN : (enum zt_stage)at;
        struct json_object *wa = NULL;
        json_object_object_get_ex(e, "with_attested", &wa);
        int ws = stage_of(wa, "stage");
        f->with_attested = ws < 0 ? f->stage : (enum zt_stage)ws;
        f->attestation_only = zt_json_array(e, "attestation_only");
    }
}

static size_t count(struct json_object *o, const char *key)
{
    double d = num(o, key);
    return d > 0 && d < 1e9 ? (size_t)d : 0;
}

static struct zt_model_rollup rollup_of(struct json_object *o)
{
    struct json_object *att = NULL;
    json_object_object_get_ex(o, "with_attested", &att);
    int st = stage_of(att, "stage");
    return (struct zt_model_rollup){
        .functions_assessed = count(o, "functions_assessed"),
        .functions = count(o, "functions"),
        .attested_stage = st < 0 ? ZT_STAGE_UNKNOWN : (enum zt_stage)st,
        .attested_functions = count(att, "attested_functions"),
    };
}

static void read_pillars(struct zt_model *m)
{
    _cleanup_json_ struct json_object *ids = json_object_new_object();
    struct json_object *arr;
    size_t n = array_len(m->doc, "pillars", &arr);

    m->pillars = zt_xcalloc(n ? n : 1, sizeof(*m->pillars));
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(arr, i);
        int st = stage_of(e, "stage");
        if (!str(e, "id") || st < 0 || !first_time(ids, str(e, "id"))) {
            continue;
        }
        m->pillars[m->n_pillars++] = (struct zt_model_pillar){
            .id = str(e, "id"),
            .name = str(e, "name"),
            .stage = (enum zt_stage)st,
            .coverage = num(e, "coverage"),
            .rollup = rollup_of(e),
        };
    }
}

/* The strings of array member name of e (borrowed from the document; the array is owned, NULL
 * terminated); entries that are not strings are skipped. */
static const char *const *strings_of(struct json_object *e, const char *name, size_t *n)
{
    struct json_object *arr = zt_json_array(e, name);
    size_t len = arr ? json_object_array_length(arr) : 0;
    const char **v = zt_xcalloc(len + 1, sizeof(*v));

    *n = 0;
    for (size_t k = 0; k < len; k++) {
        struct json_object *s = json_object_array_get_idx(arr, k);
        if (json_object_is_type(s, json_type_string)) {
            v[(*n)++] = json_object_get_string(s);
        }
    }
    return v;
}

static void read_findings(struct zt_model *m)
{
    _cleanup_json_ struct json_object *ids = json_object_new_object();
    struct json_object *arr;
    size_t n = array_len(m->doc, "findings", &arr);

    m->findings = zt_xcalloc(n ? n : 1, sizeof(*m->findings));
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(arr, i);
        int st = stage_of(e, "stage"), o = outcome_from_string(str(e, "status"));
        if (!str(e, "rule") || o < 0 || !first_time(ids, str(e, "rule"))) {
            continue;
        }
        struct zt_model_finding *f = &m->findings[m->n_findings++];
        *f = (struct zt_model_finding){
            .rule = str(e, "rule"),
            .function = str(e, "function"),
            .title = str(e, "title"),
            .remediation = str(e, "remediation"),
            .stage = st < 0 ? ZT_STAGE_UNKNOWN : (enum zt_stage)st,
            .status = (enum zt_outcome)o,
        };
        f->evidence = strings_of(e, "evidence", &f->n_evidence);
        f->failed_by = strings_of(e, "failed_by", &f->n_failed_by);
        f->unknown_in = strings_of(e, "unknown_in", &f->n_unknown_in);
        m->findings_by_status[o]++;
    }
}

static void read_collectors(struct zt_model *m)
{
    struct json_object *arr;
    size_t n = array_len(m->doc, "collectors", &arr);

    m->collectors = zt_xcalloc(n ? n : 1, sizeof(*m->collectors));
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(arr, i);
        if (!str(e, "name") || !str(e, "status")) {
            continue;
        }
        m->collectors[m->n_collectors++] = (struct zt_model_collector){
            .name = str(e, "name"),
            .type = str(e, "type"),
            .status = str(e, "status"),
            .error = str(e, "error"),
            .duration_ms = (int64_t)num(e, "duration_ms"),
            .requests = (int64_t)num(e, "requests"),
            .evidence = (int64_t)num(e, "evidence"),
        };
    }
}

/* Order by key, then document position: the observations of one key are consecutive. */
static int evidence_cmp(const void *a, const void *b)
{
    const struct zt_model_evidence *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static void read_evidence(struct zt_model *m)
{
    struct json_object *arr, *v;
    size_t n = array_len(m->doc, "evidence", &arr);

    m->evidence = zt_xcalloc(n ? n : 1, sizeof(*m->evidence));
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(arr, i);
        if (!str(e, "key") || !json_object_object_get_ex(e, "value", &v)) {
            continue;
        }
        struct json_object *detail = NULL;
        json_object_object_get_ex(e, "detail", &detail);
        m->evidence[m->n_evidence++] = (struct zt_model_evidence){
            .key = str(e, "key"),
            .collector = str(e, "collector"),
            .account = str(e, "account"),
            .observed_at = str(e, "observed_at"),
            .value = v,
            .detail = detail,
            .index = i,
        };
    }
    qsort(m->evidence, m->n_evidence, sizeof(*m->evidence), evidence_cmp);
}

int zt_model_from_result(struct json_object *doc, struct zt_model **ret, char *err, size_t errlen)
{
    struct json_object *overall = NULL;

    if (!json_object_is_type(doc, json_type_object)) {
        snprintf(err, errlen, "a result document must be a JSON object");
        return -EBADMSG;
    }
    /* Documents are read back from disk or given by a user: this is where their text enters, so
     * it is made valid UTF-8 here, once, for every renderer of the model. */
    zt_utf8_repair_json(doc);
    _cleanup_(zt_model_freep) struct zt_model *m = zt_xcalloc(1, sizeof(*m));
    m->doc = json_object_get(doc);
    m->scan_id = str(doc, "scan_id");
    m->host = str(doc, "host");
    m->started_at = str(doc, "started_at");
    m->finished_at = str(doc, "finished_at");
    json_object_object_get_ex(doc, "overall", &overall);
    int st = stage_of(overall, "stage");
    if (!m->scan_id || !m->finished_at || zt_parse_rfc3339(m->finished_at, &m->finished_usec) < 0 ||
        st < 0) {
        snprintf(err, errlen, "the result document lacks %s",
                 !m->scan_id ? "a scan_id"
                 : st < 0    ? "an overall stage"
                             : "an RFC 3339 finished_at time");
        return -EBADMSG;
    }
    if (!m->started_at || zt_parse_rfc3339(m->started_at, &m->started_usec) < 0) {
        m->started_usec = 0;
    }
    m->host = m->host ? m->host : "";
    m->overall = (enum zt_stage)st;
    m->overall_coverage = num(overall, "coverage");
    m->overall_rollup = rollup_of(overall);
    m->catalog = str(doc, "catalog");
    struct json_object *model = NULL;
    json_object_object_get_ex(doc, "model", &model);
    m->model_name = str(model, "name");
    m->model_version = str(model, "version");
    read_functions(m);
    read_pillars(m);
    read_findings(m);
    read_collectors(m);
    read_evidence(m);
    *ret = TAKE_PTR(m);
    return 0;
}

void zt_model_free(struct zt_model *m)
{
    if (!m) {
        return;
    }
    for (size_t i = 0; i < m->n_findings; i++) {
        free((void *)m->findings[i].evidence);
        free((void *)m->findings[i].failed_by);
        free((void *)m->findings[i].unknown_in);
    }
    free(m->functions);
    free(m->pillars);
    free(m->findings);
    free(m->collectors);
    free(m->evidence);
    free(m->changes);
    free(m->previous_scan_id);
    json_object_put(m->doc);
    free(m);
}

void zt_model_freep(struct zt_model **m)
{
    zt_model_free(*m);
}

size_t zt_model_evidence_find(const struct zt_model *m, const char *key,
                              const struct zt_model_evidence **first)
{
    size_t lo = 0, hi = m->n_evidence;

    *first = NULL;
    while (key && lo < hi) { /* the first entry whose key is not below key */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(m->evidence[mid].key, key) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    size_t n = 0;
    while (key && lo + n < m->n_evidence && zt_streq(m->evidence[lo + n].key, key)) {
        n++;
    }
    *first = n ? &m->evidence[lo] : NULL;
    return n;
}

struct json_object *zt_model_evidence_value(const struct zt_model *m, const char *key)
{
    const struct zt_model_evidence *e;
    return zt_model_evidence_find(m, key, &e) ? e->value : NULL;
}

const struct zt_model_function *zt_model_function(const struct zt_model *m, const char *id)
{
    for (size_t i = 0; id && i < m->n_functions; i++) {
        if (zt_streq(m->functions[i].id, id)) {
            return &m->functions[i];
        }
    }
    return NULL;
}

struct json_object *zt_model_parse_doc(const char *text, size_t len)
{
    struct json_object *doc = NULL, *schema;
    char why[128];
    bool ok = zt_json_parse(text, len, RESULT_JSON_DEPTH, &doc, why, sizeof(why)) == 0;
    if (ok && json_object_object_get_ex(doc, "schema", &schema) &&
        zt_streq(json_object_get_string(schema), ZT_RESULT_SCHEMA)) {
        return doc;
    }
    json_object_put(doc);
    return NULL;
}
