/* test_scan.c - scan orchestration: statuses, failures, time limits, concurrency bound. */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "scan.h"
#include "zt_test.h"

struct fake_state {
    char *mode;
};

static atomic_int running_now, running_max;
static atomic_bool stuck_release, stuck_done; /* the "stuck" collector's leash */

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Behaviour chosen by the "mode" option. */
static int fake_collect(void *state, struct zt_ctx *ctx)
{
    const char *mode = ((struct fake_state *)state)->mode;
    int now = atomic_fetch_add(&running_now, 1) + 1;
    int max = atomic_load(&running_max);
    while (now > max && !atomic_compare_exchange_weak(&running_max, &max, now)) {
    }
    int r = 0;

    if (zt_streq(mode, "ok")) {
        zt_emit_bool(ctx, "fake.ok", true);
        zt_ctx_count_request(ctx);
        zt_ctx_count_request(ctx);
    } else if (zt_streq(mode, "partial")) {
        zt_emit_bool(ctx, "fake.partial", true);
        zt_ctx_error(ctx, -EACCES, "cannot read /etc/thing: Permission denied");
        zt_ctx_error(ctx, -EACCES, "cannot read /etc/other: Permission denied");
    } else if (zt_streq(mode, "error")) {
        r = zt_ctx_error(ctx, -ECONNREFUSED, "https://api.example.org/x: connection refused");
    } else if (zt_streq(mode, "bare-error")) {
        r = -EIO;
    } else if (zt_streq(mode, "half")) {
        zt_emit_int(ctx, "fake.half", 1);
        r = zt_ctx_error(ctx, -ETIMEDOUT, "second endpoint timed out");
    } else if (zt_streq(mode, "slow-cooperative")) {
        zt_emit_bool(ctx, "fake.slow", true);
        while (!zt_ctx_cancelled(ctx)) {
            sleep_ms(5);
        }
        assert_int_equal(zt_emit_bool(ctx, "fake.late", true), -ETIMEDOUT); /* dropped */
        r = zt_ctx_error(ctx, -ETIMEDOUT, "GET https://api.example.org/slow: deadline reached");
    } else if (zt_streq(mode, "silent-cooperative")) {
        while (!zt_ctx_cancelled(ctx)) {
            sleep_ms(5);
        }
        r = -ETIMEDOUT;
    } else if (zt_streq(mode, "stuck")) {
        /* Ignores its deadline (a read that never returns): abandoned by the scan. */
        zt_emit_bool(ctx, "fake.stuck", true);
        while (!atomic_load(&stuck_release)) {
            sleep_ms(5);
        }
        zt_emit_bool(ctx, "fake.stuck_late", true);
        zt_ctx_error(ctx, -EIO, "woke up after the scan");
        atomic_store(&stuck_done, true);
    } else if (zt_streq(mode, "keeps-ref")) {
        /* Keeps its own reference to what it emitted and changes it afterwards. */
        struct json_object *a = json_object_new_array();
        json_object_array_add(a, json_object_new_string("before"));
        zt_emit(ctx, "fake.list", json_object_get(a), NULL);
        json_object_array_add(a, json_object_new_string("after"));
        json_object_put(a);
    } else if (zt_streq(mode, "overlap")) {
        /* Stay until another collector runs too (at most 2 s), then a little longer: with room
         * for two, two always overlap, whatever the scheduler does; a broken bound shows as more.
         */
        for (int i = 0; i < 400 && atomic_load(&running_now) < 2; i++) {
            sleep_ms(5);
        }
        sleep_ms(20);
        zt_emit_bool(ctx, "fake.overlap", true);
    } else if (zt_streq(mode, "badkey")) {
        zt_emit_bool(ctx, "Not A Key", true);
    }
    atomic_fetch_sub(&running_now, 1);
    return r;
}

static const struct zt_option fake_options[] = {
    {"mode", ZT_OPT_STRING, "ok", offsetof(struct fake_state, mode), 0, "behaviour"},
    {.key = NULL},
};

static const struct zt_collector fake = {
    .name = "fake",
    .options = fake_options,
    .state_size = sizeof(struct fake_state),
    .collect = fake_collect,
};

/* An API collector: records the engine its context was given. */
static struct zt_http_engine *seen_engine[4];
static atomic_int n_seen;
static atomic_uint seen_concurrency;

static int api_collect(void *state, struct zt_ctx *ctx)
{
    int i = atomic_fetch_add(&n_seen, 1);
    if (i < 4) {
        seen_engine[i] = zt_ctx_http_engine(ctx);
        atomic_store(&seen_concurrency, zt_http_engine_limits(seen_engine[i])->max_concurrency);
    }
    return 0;
}

static const struct zt_collector api = {
    .name = "api",
    .options = fake_options,
    .state_size = sizeof(struct fake_state),
    .flags = ZT_COLLECTOR_USES_HTTP,
    .collect = api_collect,
};

static const struct zt_collector *const registry[] = {&fake, &api, NULL};

static struct zt_config *config(const char *text)
{
    struct zt_config *cfg = NULL;
    char err[512];
    if (zt_config_load_string("test.conf", text, registry, &cfg, err, sizeof(err)) < 0) {
        fail_msg("%s", err);
    }
    return cfg;
}

static const struct zt_run *run_named(const struct zt_scan *scan, const char *name)
{
    for (size_t i = 0; i < scan->n_runs; i++) {
        if (strcmp(scan->runs[i].name, name) == 0) {
            return &scan->runs[i];
        }
    }
    fail_msg("no run named %s", name);
    return NULL;
}

static void test_scan_statuses(void **state)
{
    struct zt_config *cfg = config(
        "[collector:good]\ntype = fake\n[collector:part]\ntype = fake\nmode = partial\n"
        "[collector:bad]\ntype = fake\nmode = error\n[collector:bare]\ntype = fake\nmode = "
        "bare-error\n"
        "[collector:half]\ntype = fake\nmode = half\n[collector:off]\ntype = fake\nenabled = no\n"
        "[collector:key]\ntype = fake\nmode = badkey\n");
    struct zt_scan *scan = NULL;

    assert_int_equal(zt_scan_run(cfg, &scan), 0);
    assert_int_equal(scan->n_runs, 7);
    assert_int_equal(strlen(scan->scan_id), 36);
    assert_true(scan->finished_usec >= scan->started_usec);

    const struct zt_run *r = run_named(scan, "good");
    assert_int_equal(r->status, ZT_RUN_OK);
    assert_null(r->error);
    assert_int_equal(r->evidence, 1);
    assert_int_equal(r->requests, 2);
    assert_string_equal(r->type, "fake");

    r = run_named(scan, "part");
    assert_int_equal(r->status, ZT_RUN_PARTIAL);
    assert_string_equal(r->error,
                        "cannot read /etc/thing: Permission denied (and 1 more problems)");

    r = run_named(scan, "bad");
    assert_int_equal(r->status, ZT_RUN_ERROR);
    assert_string_equal(r->error, "https://api.example.org/x: connection refused");

    r = run_named(scan, "bare");
    assert_int_equal(r->status, ZT_RUN_ERROR);
    assert_string_equal(r->error, "failed: Input/output error");

    r = run_named(scan, "half"); /* evidence before the failure is kept: partial */
    assert_int_equal(r->status, ZT_RUN_PARTIAL);
    assert_int_equal(r->evidence, 1);

    assert_int_equal(run_named(scan, "off")->status, ZT_RUN_SKIPPED);

    r = run_named(scan, "key"); /* a malformed key is rejected and reported, not dropped silently */
    assert_int_equal(r->status, ZT_RUN_PARTIAL);
    assert_non_null(strstr(r->error, "malformed key"));
    assert_int_equal(r->evidence, 0);

    assert_false(zt_scan_complete(scan));
    /* Evidence of every instance is merged, tagged with its instance. */
    const struct zt_evidence *e = NULL;
    assert_int_equal(zt_evidence_lookup(&scan->evidence, "fake.ok", &e), 1);
    assert_string_equal(e->collector, "good");
    zt_scan_free(scan);
    zt_config_free(cfg);
}

static void test_scan_timeout_recorded_others_finish(void **state)
{
    struct zt_config *cfg = config("[collector:slow]\ntype = fake\nmode = slow-cooperative\n"
                                   "timeout = 200ms\n[collector:good]\ntype = fake\n");
    struct zt_scan *scan = NULL;

    assert_int_equal(zt_scan_run(cfg, &scan), 0);
    const struct zt_run *r = run_named(scan, "slow");
    /* What it emitted before the deadline is kept (partial); what came after is dropped, and the
     * collector's own account of what it was waiting for is kept. */
    assert_int_equal(r->status, ZT_RUN_PARTIAL);
    assert_string_equal(r->error, "timed out after 200 ms; kept the 1 evidence emitted before the "
                                  "deadline, dropping 1 emitted after it: "
                                  "GET https://api.example.org/slow: deadline reached");
    assert_int_equal(r->evidence, 1);
    assert_int_equal(run_named(scan, "good")->status, ZT_RUN_OK);
    const struct zt_evidence *e = NULL;
    assert_int_equal(zt_evidence_lookup(&scan->evidence, "fake.slow", &e), 1);
    assert_string_equal(e->collector, "slow");
    assert_int_equal(zt_evidence_lookup(&scan->evidence, "fake.late", &e), 0);
    assert_int_equal(scan->abandoned, 0); /* it noticed the cancellation */
    assert_false(zt_scan_complete(scan));
    zt_scan_free(scan);
    zt_config_free(cfg);
}

static void test_scan_timeout_with_nothing_emitted_is_an_error(void **state)
{
    struct zt_config *cfg = config("[collector:slow]\ntype = fake\nmode = silent-cooperative\n"
                                   "timeout = 100ms\n");
    struct zt_scan *scan = NULL;

    assert_int_equal(zt_scan_run(cfg, &scan), 0);
    assert_int_equal(scan->abandoned, 0);
    const struct zt_run *r = run_named(scan, "slow");
    assert_int_equal(r->status, ZT_RUN_ERROR);
    assert_int_equal(r->evidence, 0);
    assert_string_equal(r->error, "timed out after 100 ms; no evidence was emitted before the "
                                  "deadline");
    assert_int_equal(scan->evidence.n, 0);
    zt_scan_free(scan);
    zt_config_free(cfg);
}

static void test_scan_abandoned_collector_keeps_its_evidence(void **state)
{
    struct zt_config *cfg = config("[collector:stuck]\ntype = fake\nmode = stuck\n"
                                   "timeout = 100ms\n[collector:good]\ntype = fake\n");
    struct zt_scan *scan = NULL;

    atomic_store(&stuck_release, false);
    atomic_store(&stuck_done, false);
    assert_int_equal(zt_scan_run(cfg, &scan), 0);
    assert_int_equal(scan->abandoned, 1); /* still running after the grace period */
    const struct zt_run *r = run_named(scan, "stuck");
    assert_int_equal(r->status, ZT_RUN_PARTIAL);
    assert_int_equal(r->evidence, 1);
    assert_string_equal(r->error,
                        "timed out after 100 ms; kept the 1 evidence emitted before the deadline");
    const struct zt_evidence *e = NULL;
    assert_int_equal(zt_evidence_lookup(&scan->evidence, "fake.stuck", &e), 1);
    /* The thread wakes up while the scan's evidence is in use: its late emit and problem touch
     * only its own context (run under ASan/TSan this is the race check). */
    atomic_store(&stuck_release, true);
    for (int i = 0; i < 400 && !atomic_load(&stuck_done); i++) {
        assert_int_equal(zt_evidence_lookup(&scan->evidence, "fake.stuck", &e), 1);
        sleep_ms(5);
    }
    assert_true(atomic_load(&stuck_done));
    sleep_ms(20); /* let it return and drop its reference to the runner */
    assert_int_equal(zt_evidence_lookup(&scan->evidence, "fake.stuck_late", &e), 0);
    assert_int_equal(scan->evidence.n, 2); /* fake.stuck and good's fake.ok */
    zt_scan_free(scan);
    zt_config_free(cfg);
}

static void test_scan_evidence_is_a_private_copy(void **state)
{
    struct zt_config *cfg = config("[collector:ref]\ntype = fake\nmode = keeps-ref\n");
    struct zt_scan *scan = NULL;
    const struct zt_evidence *e = NULL;

    assert_int_equal(zt_scan_run(cfg, &scan), 0);
    assert_int_equal(zt_evidence_lookup(&scan->evidence, "fake.list", &e), 1);
    assert_string_equal(json_object_to_json_string_ext(e->value, JSON_C_TO_STRING_PLAIN),
                        "[\"before\"]");
    zt_scan_free(scan);
    zt_config_free(cfg);
}

static void test_scan_parallel_bound(void **state)
{
    struct zt_config *cfg = config("[daemon]\nmax_parallel_collectors = 2\n"
                                   "[collector:a]\ntype = fake\nmode = overlap\n"
                                   "[collector:b]\ntype = fake\nmode = overlap\n"
                                   "[collector:c]\ntype = fake\nmode = overlap\n"
                                   "[collector:d]\ntype = fake\nmode = overlap\n");
    struct zt_scan *scan = NULL;

    atomic_store(&running_max, 0);
    assert_int_equal(zt_scan_run(cfg, &scan), 0);
    assert_true(zt_scan_complete(scan));
    /* Never more than the bound at once, and they did overlap. */
    assert_int_equal(atomic_load(&running_max), 2);
    assert_int_equal(scan->evidence.n, 4);
    zt_scan_free(scan);
    zt_config_free(cfg);
}

static void test_scan_shares_one_http_engine(void **state)
{
    struct zt_config *cfg = config("[daemon]\nhttp_max_concurrency = 3\n"
                                   "[collector:t1]\ntype = api\n[collector:t2]\ntype = api\n");
    struct zt_scan *scan = NULL;

    atomic_store(&n_seen, 0);
    assert_int_equal(zt_scan_run(cfg, &scan), 0);
    assert_int_equal(atomic_load(&n_seen), 2);
    assert_non_null(seen_engine[0]);
    assert_ptr_equal(seen_engine[0], seen_engine[1]); /* compared, never dereferenced after */
    assert_int_equal(atomic_load(&seen_concurrency), 3);
    zt_scan_free(scan);
    zt_config_free(cfg);
}

static void test_scan_no_instances(void **state)
{
    struct zt_config *cfg = config("");
    struct zt_scan *scan = NULL;
    assert_int_equal(zt_scan_run(cfg, &scan), 0);
    assert_int_equal(scan->n_runs, 0);
    assert_true(zt_scan_complete(scan));
    zt_scan_free(scan);
    zt_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_statuses),
        cmocka_unit_test(test_scan_timeout_recorded_others_finish),
        cmocka_unit_test(test_scan_timeout_with_nothing_emitted_is_an_error),
        cmocka_unit_test(test_scan_abandoned_collector_keeps_its_evidence),
        cmocka_unit_test(test_scan_evidence_is_a_private_copy),
        cmocka_unit_test(test_scan_parallel_bound),
        cmocka_unit_test(test_scan_shares_one_http_engine),
        cmocka_unit_test(test_scan_no_instances),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
