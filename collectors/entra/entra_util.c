/* entra_util.c - small JSON and fact helpers shared by the entra collector's parse/derive files. */
#include <strings.h>

#include "entra.h"
#include "util.h"

void entra_fact(struct json_object *facts, const char *key, struct json_object *value,
                struct json_object *detail)
{
    struct json_object *f = json_object_new_object();

    json_object_object_add(f, "value", value);
    json_object_object_add(f, "detail", detail);
    json_object_object_add(facts, key, f);
}

int entra_fact_flag(struct json_object *doc, const char *field, const char *key,
                    struct json_object *facts)
{
    struct json_object *v = entra_get(doc, field);

    if (!v || !json_object_is_type(v, json_type_boolean)) {
        return -EBADMSG;
    }
    entra_fact(facts, key, json_object_new_boolean(json_object_get_boolean(v)), NULL);
    return 0;
}

struct json_object *entra_fact_value(struct json_object *facts, const char *key)
{
    return entra_get(entra_get(facts, key), "value");
}

struct json_object *entra_fact_detail(struct json_object *facts, const char *key)
{
    return entra_get(entra_get(facts, key), "detail");
}

struct json_object *entra_get(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;

    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v)) {
        return NULL;
    }
    return json_object_is_type(v, json_type_null) ? NULL : v;
}

size_t entra_array_len(struct json_object *a)
{
    return a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

bool entra_array_has(struct json_object *a, const char *s)
{
    for (size_t i = 0; i < entra_array_len(a); i++) {
        struct json_object *v = json_object_array_get_idx(a, i);
        if (json_object_is_type(v, json_type_string) &&
            strcasecmp(json_object_get_string(v), s) == 0) {
            return true;
        }
    }
    return false;
}

bool entra_is_emergency(const struct zt_strv *emergency, const char *id)
{
    for (size_t i = 0; emergency && id && i < emergency->n; i++) {
        if (strcasecmp(emergency->v[i], id) == 0) {
            return true;
        }
    }
    return false;
}

void entra_detail_push(struct json_object *arr, const char *s)
{
    if (json_object_array_length(arr) < ENTRA_DETAIL_MAX) {
        json_object_array_add(arr, json_object_new_string(s ? s : "(null)"));
    }
}

#define USEC_PER_DAY (24LL * 3600LL * (int64_t)ZT_USEC_PER_SEC)

void entra_cred_expiry(struct json_object *creds, int64_t now_usec, uint64_t *expired,
                       uint64_t *expiring_30d)
{
    for (size_t i = 0; i < entra_array_len(creds); i++) {
        const char *end = zt_json_str(json_object_array_get_idx(creds, i), "endDateTime");
        int64_t t;
        if (!end || zt_parse_time(end, ZT_TIME_LENIENT, &t) < 0) {
            continue;
        }
        if (t <= now_usec) {
            (*expired)++;
        } else if (t - now_usec <= 30 * USEC_PER_DAY) {
            (*expiring_30d)++;
        }
    }
}

int entra_ids_page(uint64_t *n, struct json_object *page)
{
    struct json_object *value = entra_get(page, "value");

    if (!value || !json_object_is_type(value, json_type_array)) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        if (!zt_json_str(json_object_array_get_idx(value, i), "id")) {
            return -EBADMSG;
        }
    }
    *n += json_object_array_length(value);
    return 0;
}

struct json_object *entra_share(uint64_t part, uint64_t whole)
{
    /* four decimals, rounded half up (no libm needed) */
    uint64_t q = (uint64_t)((double)part / (double)whole * 10000.0 + 0.5);
    return json_object_new_double((double)q / 10000.0);
}

struct json_object *entra_page_objects(struct json_object *page)
{
    struct json_object *value = entra_get(page, "value");

    if (!value || !json_object_is_type(value, json_type_array)) {
        return NULL;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        if (!json_object_is_type(json_object_array_get_idx(value, i), json_type_object)) {
            return NULL;
        }
    }
    return value;
}
