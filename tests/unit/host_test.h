/* host_test.h - helpers shared by the host collector's tests: run probes or collect() on a fake
 * tree, read array and detail evidence, and build or remove trees at test time. */
#pragma once

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "host/host.h"
#include "registry.h"
#include "zt_test.h"

#define FIXTURES ZT_SOURCE_DIR "/tests/fixtures/host/"

/* Run one probe on root; with scan_procs, the process list is scanned first as collect() does.
 * Returns the context (the caller frees it); *ret receives the probe's result. */
static inline struct zt_ctx *host_probe(const char *root, int (*fn)(struct zt_host *),
                                        bool scan_procs, int *ret)
{
    struct zt_ctx *ctx = zt_ctx_new("host", 0);
    struct zt_host h;
    *ret = zt_host_init(&h, root, ctx);
    if (*ret < 0) {
        zt_host_done(&h);
        return ctx;
    }
    if (scan_procs) {
        (void)zt_host_procs_scan(&h);
    }
    *ret = fn(&h);
    zt_host_done(&h);
    return ctx;
}

/* Run the whole host collector on root. Returns the context; *ret receives collect()'s result. */
static inline struct zt_ctx *collect(const char *root, int *ret)
{
    struct zt_ctx *ctx = NULL;
    const char *kv[] = {"root", root, NULL};
    *ret = zt_test_collect(&zt_collector_host, kv, &ctx);
    return ctx;
}

/* The array value of key as "a,b,c" (static buffer). */
static inline const char *joined(struct zt_ctx *ctx, const char *key)
{
    static char buf[512];
    struct json_object *v = zt_test_value(ctx, key);

    if (!v) {
        fail_msg("evidence %s was not emitted", key);
    }
    assert_true(json_object_is_type(v, json_type_array));
    buf[0] = '\0';
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "," : "",
                 json_object_get_string(json_object_array_get_idx(v, i)));
    }
    return buf;
}

/* The detail of the only observation of key as JSON text (borrowed from the context). */
static inline const char *detail_string(struct zt_ctx *ctx, const char *key)
{
    const struct zt_evidence *e = NULL;
    assert_int_equal(zt_evidence_lookup(zt_ctx_evidence(ctx), key, &e), 1);
    assert_non_null(e->detail);
    return json_object_to_json_string(e->detail);
}

/* Write text to root/path, creating directories. */
static inline void put(const char *root, const char *path, const char *text)
{
    char *full = zt_xasprintf("%s/%s", root, path);
    for (char *s = strchr(full + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        (void)mkdir(full, 0755);
        *s = '/';
    }
    FILE *f = fopen(full, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(full);
}

static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Remove the tree a test built under root. */
static inline void rm_tree(const char *root)
{
    assert_int_equal(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}
