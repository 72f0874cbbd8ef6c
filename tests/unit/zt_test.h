/* zt_test.h - helpers shared by the cmocka tests: run a collector on options, read evidence. */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <string.h>

#include "config.h"
#include "ctx.h"
#include "json_items.h"

/* Split a list page body as the HTTP engine does for items_field "value": each item to on_item,
 * the count in *n (may be NULL), the rest of the page returned (json_object_put it). Returns NULL
 * with the reason in err (at least 160 bytes) when the page is refused. */
static inline struct json_object *zt_test_split(const char *body, zt_json_item_fn on_item,
                                                void *data, size_t *n, char *err)
{
    struct json_object *env = NULL;
    if (zt_json_items_split(body, strlen(body), "value", 32, on_item, data, &env, n, err, 160) <
        0) {
        return NULL;
    }
    return env;
}

/* Run one collect() of collector c configured with NULL-terminated key/value pairs
 * ("root", "/some/tree", NULL). Fails the test on a config error. Returns collect()'s result and
 * hands the context (evidence, errors) out through *ret_ctx. */
static inline int zt_test_collect(const struct zt_collector *c, const char *const *kv,
                                  struct zt_ctx **ret_ctx)
{
    struct zt_instance *inst = NULL;
    char err[512] = "";

    assert_int_equal(zt_instance_new(c, c->name, &inst, err, sizeof(err)), 0);
    for (size_t i = 0; kv && kv[i]; i += 2) {
        int r = zt_instance_set(inst, kv[i], kv[i + 1], err, sizeof(err));
        if (r < 0) {
            fail_msg("option %s=%s: %s", kv[i], kv[i + 1], err);
        }
    }
    if (zt_instance_check(inst, err, sizeof(err)) < 0) {
        fail_msg("check: %s", err);
    }
    struct zt_ctx *ctx = zt_ctx_new(c->name, 0);
    int r = c->collect(inst->state, ctx);
    zt_instance_free(inst);
    *ret_ctx = ctx;
    return r;
}

/* The value of the only observation of key, or NULL if it was not emitted (borrowed). */
static inline struct json_object *zt_test_value(struct zt_ctx *ctx, const char *key)
{
    const struct zt_evidence *e = NULL;
    size_t n = zt_evidence_lookup(zt_ctx_evidence(ctx), key, &e);
    assert_true(n <= 1);
    return n ? e->value : NULL;
}

/* Assert a boolean observation. */
#define assert_evidence_bool(ctx, key, expected)                                                   \
    do {                                                                                           \
        struct json_object *_v = zt_test_value((ctx), (key));                                      \
        if (!_v) {                                                                                 \
            fail_msg("evidence %s was not emitted", (key));                                        \
        }                                                                                          \
        assert_true(json_object_is_type(_v, json_type_boolean));                                   \
        assert_int_equal(json_object_get_boolean(_v), (expected));                                 \
    } while (0)

#define assert_evidence_int(ctx, key, expected)                                                    \
    do {                                                                                           \
        struct json_object *_v = zt_test_value((ctx), (key));                                      \
        if (!_v) {                                                                                 \
            fail_msg("evidence %s was not emitted", (key));                                        \
        }                                                                                          \
        assert_int_equal(json_object_get_int64(_v), (expected));                                   \
    } while (0)

#define assert_evidence_string(ctx, key, expected)                                                 \
    do {                                                                                           \
        struct json_object *_v = zt_test_value((ctx), (key));                                      \
        if (!_v) {                                                                                 \
            fail_msg("evidence %s was not emitted", (key));                                        \
        }                                                                                          \
        assert_string_equal(json_object_get_string(_v), (expected));                               \
    } while (0)

#define assert_evidence_absent(ctx, key) assert_null(zt_test_value((ctx), (key)))
