/* azure_graph_test.h - helpers of the azure collector's Resource Graph unit tests: parse a
 * document, fold rows with a query's fold, read an emitted share, and ROW() for a row as
 * Resource Graph returns it. */
#pragma once

#include <math.h>

#include "azure/azure.h"
#include "azure/azure_graph.h"
#include "zt_test.h"

static inline struct json_object *parse(const char *text)
{
    struct json_object *o = json_tokener_parse(text);
    if (!o) {
        fail_msg("not JSON: %s", text);
    }
    return o;
}

/* Fold each row of a JSON array of rows with fn. */
static inline void fold(struct zt_azure_graph *acc,
                        void (*fn)(struct zt_azure_graph *, struct json_object *), const char *rows)
{
    struct json_object *a = parse(rows);
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        fn(acc, json_object_array_get_idx(a, i));
    }
    json_object_put(a);
}

/* Fold each row (one JSON text each) with fn. */
static inline void fold_each(struct zt_azure_graph *acc,
                             void (*fn)(struct zt_azure_graph *, struct json_object *),
                             const char *const *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct json_object *row = parse(rows[i]);
        fn(acc, row);
        json_object_put(row);
    }
}
#define FOLD(acc, fn, rows) fold_each((acc), (fn), (rows), ZT_ELEMENTSOF(rows))

static inline double share(struct zt_ctx *ctx, const char *key)
{
    struct json_object *v = zt_test_value(ctx, key);
    if (!v) {
        fail_msg("evidence %s was not emitted", key);
    }
    return json_object_get_double(v);
}

#define assert_share(ctx, key, expected) assert_true(fabs(share(ctx, key) - (expected)) < 1e-9)

#define ROW(type, extra, props)                                                                    \
    "{\"id\": \"/subscriptions/s/x\", \"type\": \"" type "\", \"subscriptionId\": \"s\"" extra     \
    ", \"properties\": " props "}"
#define Z3 ", \"zones\": [\"1\", \"2\", \"3\"]"
