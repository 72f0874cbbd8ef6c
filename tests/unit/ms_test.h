/* ms_test.h - helpers shared by the Microsoft collector tests (test_intune.c, test_defender.c):
 * one test PKI per executable, JSON on strings, and a fixture server run with a secret file. */
#pragma once

#include "test_http_fixture.h"
#include "zt_test.h"

/* The temp dir of the group's PKI (setup_pki / teardown_pki). */
static char dir[PATH_MAX];

static inline int setup_pki(void **state)
{
    fixture_pki(dir, sizeof(dir));
    return 0;
}

static inline int teardown_pki(void **state)
{
    fixture_rmrf(dir);
    return 0;
}

/* Parse JSON text, failing the test when it is not JSON. The caller owns the result. */
static inline struct json_object *parse(const char *text)
{
    struct json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

static inline double value_double(struct zt_ctx *ctx, const char *key)
{
    struct json_object *v = zt_test_value(ctx, key);
    if (!v) {
        fail_msg("evidence %s was not emitted", key);
    }
    return json_object_get_double(v);
}

/* One collect() against the fixture server: paths in the PKI dir, the context and result. */
struct ms_run {
    struct fixture f;
    char ca[PATH_MAX];
    char secret[PATH_MAX];
    char cert[PATH_MAX];
    char key[PATH_MAX];
    struct zt_ctx *ctx;
    int r;
};

/* Start the server on scenario and write secret (plus a newline) to run->secret, mode 0600. */
static inline void ms_run_start(struct ms_run *run, const char *scenario, const char *secret)
{
    fixture_start(&run->f, dir, scenario);
    fixture_join(run->ca, sizeof(run->ca), dir, "/certs/ca.pem");
    fixture_join(run->cert, sizeof(run->cert), dir, "/certs/client.pem");
    fixture_join(run->key, sizeof(run->key), dir, "/certs/client.key");
    fixture_join(run->secret, sizeof(run->secret), dir, "/secret");
    FILE *fp = fopen(run->secret, "we");
    assert_non_null(fp);
    fprintf(fp, "%s\n", secret);
    fclose(fp);
    assert_int_equal(chmod(run->secret, 0600), 0);
}

/* Free the context and stop the server. */
static inline void ms_run_finish(struct ms_run *run)
{
    zt_ctx_free(run->ctx);
    fixture_stop(&run->f);
}
