/* entra_test_facts.h - helpers of the entra derivation tests: parse test JSON, read a fact the
 * derivation must have emitted (the test fails when it is missing). Include after cmocka.h. */
#pragma once

#include "entra/entra.h"

static inline struct json_object *parse(const char *text)
{
    struct json_object *o = json_tokener_parse(text);
    if (!o) {
        fail_msg("bad test JSON: %s", text);
    }
    return o;
}

static inline struct json_object *value(struct json_object *facts, const char *key)
{
    struct json_object *v = entra_fact_value(facts, key);
    if (!v) {
        fail_msg("fact %s missing", key);
    }
    return v;
}

static inline int64_t int_fact(struct json_object *f, const char *key)
{
    return json_object_get_int64(value(f, key));
}

static inline int bool_fact(struct json_object *f, const char *key)
{
    return json_object_get_boolean(value(f, key));
}
