/* evidence.c - typed facts emitted by collectors, kept in a set that rules look up by key. */
#include "evidence.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define ZT_EVIDENCE_KEY_MAX 128

bool zt_evidence_key_valid(const char *key)
{
    size_t len = strlen(key), segments = 1, seglen = 0;

    if (len == 0 || len > ZT_EVIDENCE_KEY_MAX) {
        return false;
    }
    for (const char *p = key; *p; p++) {
        if (*p == '.') {
            if (seglen == 0) {
                return false;
            }
            segments++;
            seglen = 0;
        } else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_') {
            seglen++;
        } else {
            return false;
        }
    }
    return seglen > 0 && segments >= 2;
}

static bool scalar_valid(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_boolean:
    case json_type_int:
    case json_type_double:
    case json_type_string:
        return true;
    default:
        return false;
    }
}

bool zt_evidence_value_valid(struct json_object *value)
{
    if (json_object_is_type(value, json_type_array)) {
        size_t n = json_object_array_length(value);
        for (size_t i = 0; i < n; i++) {
            if (!scalar_valid(json_object_array_get_idx(value, i))) {
                return false;
            }
        }
        return true;
    }
    return value && scalar_valid(value);
}

void zt_evidence_set_init(struct zt_evidence_set *set)
{
    *set = (struct zt_evidence_set){.sorted = true};
}

static void evidence_clear(struct zt_evidence *e)
{
    free(e->key);
    free(e->collector);
    free(e->account);
    free(e->instance);
    json_object_put(e->value);
    json_object_put(e->detail);
}

void zt_evidence_set_free(struct zt_evidence_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        evidence_clear(&set->v[i]);
    }
    free(set->v);
    zt_evidence_set_init(set);
}

int zt_evidence_add(struct zt_evidence_set *set, const char *key, struct json_object *value,
                    const char *collector, uint64_t observed_usec, struct json_object *detail)
{
    return zt_evidence_add_account(set, key, value, collector, NULL, observed_usec, detail);
}

int zt_evidence_add_account(struct zt_evidence_set *set, const char *key, struct json_object *value,
                            const char *collector, const char *account, uint64_t observed_usec,
                            struct json_object *detail)
{
    if (!zt_evidence_key_valid(key) || !zt_evidence_value_valid(value)) {
        json_object_put(value);
        json_object_put(detail);
        return -EINVAL;
    }
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 32;
        set->v = zt_xrealloc(set->v, set->cap * sizeof(*set->v));
    }
    collector = collector ? collector : "";
    set->v[set->n++] = (struct zt_evidence){
        .key = zt_xstrdup(key),
        .value = value,
        .collector = zt_xstrdup(collector),
        .account = account ? zt_xstrdup(account) : NULL,
        .instance = account ? zt_xasprintf("%s/%s", collector, account) : zt_xstrdup(collector),
        .observed_usec = observed_usec,
        .detail = detail,
    };
    set->sorted = false;
    return 0;
}

void zt_evidence_move(struct zt_evidence_set *dst, struct zt_evidence_set *src)
{
    if (src->n == 0) {
        return;
    }
    if (dst->n + src->n > dst->cap) {
        dst->cap = dst->n + src->n;
        dst->v = zt_xrealloc(dst->v, dst->cap * sizeof(*dst->v));
    }
    memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
    dst->n += src->n;
    dst->sorted = false;
    free(src->v);
    zt_evidence_set_init(src);
}

static int cmp_evidence(const void *a, const void *b)
{
    const struct zt_evidence *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0) {
        return c;
    }
    c = strcmp(x->instance, y->instance);
    if (c != 0) {
        return c;
    }
    /* Keep the order of emission for equal keys: pointers into one array compare by index. */
    return (x > y) - (x < y);
}

size_t zt_evidence_lookup(struct zt_evidence_set *set, const char *key,
                          const struct zt_evidence **first)
{
    if (!set->sorted) {
        qsort(set->v, set->n, sizeof(*set->v), cmp_evidence);
        set->sorted = true;
    }
    size_t lo = 0, hi = set->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(set->v[mid].key, key) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    size_t end = lo;
    while (end < set->n && strcmp(set->v[end].key, key) == 0) {
        end++;
    }
    *first = lo < set->n ? &set->v[lo] : NULL;
    return end - lo;
}

struct json_object *zt_evidence_set_to_json(struct zt_evidence_set *set)
{
    struct json_object *arr = json_object_new_array_ext((int)set->n);
    char ts[40];

    if (!set->sorted) {
        const struct zt_evidence *unused;
        zt_evidence_lookup(set, "", &unused);
    }
    for (size_t i = 0; i < set->n; i++) {
        const struct zt_evidence *e = &set->v[i];
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "key", json_object_new_string(e->key));
        json_object_object_add(o, "value", json_object_get(e->value));
        json_object_object_add(o, "collector", json_object_new_string(e->collector));
        if (e->account) {
            json_object_object_add(o, "account", json_object_new_string(e->account));
        }
        json_object_object_add(
            o, "observed_at",
            json_object_new_string(zt_format_rfc3339(e->observed_usec, ts, sizeof(ts))));
        json_object_object_add(o, "detail", json_object_get(e->detail));
        json_object_array_add(arr, o);
    }
    return arr;
}

/* The observation time of saved evidence; 0 (unknown) when it is not RFC 3339. */
static uint64_t parse_rfc3339(const char *s)
{
    uint64_t usec = 0;
    return zt_parse_rfc3339(s, &usec) == 0 ? usec : 0;
}

int zt_evidence_set_from_json(struct zt_evidence_set *set, struct json_object *doc, char *err,
                              size_t errlen)
{
    struct json_object *arr = doc;

    if (json_object_is_type(doc, json_type_object) &&
        !json_object_object_get_ex(doc, "evidence", &arr)) {
        snprintf(err, errlen, "document has no \"evidence\" array");
        return -EINVAL;
    }
    if (!json_object_is_type(arr, json_type_array)) {
        snprintf(err, errlen, "\"evidence\" is not an array");
        return -EINVAL;
    }
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_array_get_idx(arr, i), *key, *value, *coll, *at, *det,
                           *acct = NULL;
        if (!json_object_is_type(o, json_type_object) ||
            !json_object_object_get_ex(o, "key", &key) ||
            !json_object_is_type(key, json_type_string) ||
            !json_object_object_get_ex(o, "value", &value)) {
            snprintf(err, errlen, "evidence[%zu]: needs a string \"key\" and a \"value\"", i);
            return -EINVAL;
        }
        json_object_object_get_ex(o, "collector", &coll);
        json_object_object_get_ex(o, "observed_at", &at);
        json_object_object_get_ex(o, "detail", &det);
        json_object_object_get_ex(o, "account", &acct);
        const char *k = json_object_get_string(key);
        int r = zt_evidence_add_account(
            set, k, json_object_get(value),
            json_object_is_type(coll, json_type_string) ? json_object_get_string(coll) : "",
            json_object_is_type(acct, json_type_string) ? json_object_get_string(acct) : NULL,
            parse_rfc3339(json_object_get_string(at)), json_object_get(det));
        if (r < 0) {
            snprintf(
                err, errlen,
                "evidence[%zu]: key '%.128s' is malformed or its value has an unsupported type", i,
                k);
            return r;
        }
    }
    return 0;
}
