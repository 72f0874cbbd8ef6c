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
