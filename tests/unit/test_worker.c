/* test_worker.c - the forked scan worker: results over the pipe, crashes, hangs and memory
 * runaways reported (never fatal), and carry-over of instances that were not due. */
#include "zt_test.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "scan.h"
#include "scan_exec.h"
#include "worker.h"

struct fake_state {
    char *mode;
};

static int fake_collect(void *state, struct zt_ctx *ctx)
{
    const char *mode = ((struct fake_state *)state)->mode;

    if (zt_streq(mode, "ok")) {
        zt_emit_bool(ctx, "fake.ok", true);
    } else if (zt_streq(mode, "other")) {
        zt_emit_int(ctx, "fake.other", 42);
    } else if (zt_streq(mode, "crash")) {
        raise(SIGSEGV);
    } else if (zt_streq(mode, "hang")) {
        for (;;) {
            pause(); /* ignores cancellation */
        }
    } else if (zt_streq(mode, "hog")) {
        for (;;) {
            memset(zt_xmalloc(16u << 20), 1, 16u << 20); /* aborts once the limit is hit */
        }
    }
    return 0;
}

static const struct zt_option fake_options[] = {
    {"mode", ZT_OPT_STRING, "ok", offsetof(struct fake_state, mode), 0, "behaviour"},
    {.key = NULL},
};

static const struct zt_collector fake = {.name = "fake",
                                         .summary = "test",
                                         .options = fake_options,
                                         .state_size = sizeof(struct fake_state),
                                         .collect = fake_collect};
/* The same behaviours in the scan's host half (scan_split.c). */
static const struct zt_collector fake_host = {.name = "fake_host",
                                              .summary = "test",
                                              .options = fake_options,
                                              .state_size = sizeof(struct fake_state),
                                              .flags = ZT_COLLECTOR_READS_HOST,
                                              .collect = fake_collect};
static const struct zt_collector *const registry[] = {&fake, &fake_host, NULL};

struct fixture {
    struct zt_config *cfg;
    struct zt_catalog *cat;
    sd_event *e;
    struct json_object *doc;
    char error[512];
    bool done;
};

static void load(struct fixture *f, const char *text)
{
    char err[512];
    if (zt_config_load_string("/test.conf", text, registry, &f->cfg, err, sizeof(err)) < 0) {
        fail_msg("config: %s", err);
    }
    if (zt_catalog_load(ZT_SOURCE_DIR "/conf/rules/ztmm-v2.json", &f->cat, err, sizeof(err)) < 0) {
        fail_msg("catalog: %s", err);
    }
}

static void unload(struct fixture *f)
{
    json_object_put(f->doc);
    zt_catalog_free(f->cat);
    zt_config_free(f->cfg);
    sd_event_unref(f->e);
}

static void on_done(struct zt_worker *w, struct zt_scan *scan, const char *error, void *ud)
{
    struct fixture *f = ud;
    f->doc = scan ? zt_worker_result(scan, zt_worker_carried(w), NULL, f->cat, NULL, 0) : NULL;
    zt_scan_free(scan);
    snprintf(f->error, sizeof(f->error), "%s", error ? error : "");
    f->done = true;
    sd_event_exit(f->e, 0);
}

/* Fork a worker for the config and run the loop until it is done. */
static void run(struct fixture *f, uint64_t timeout_ms, uint64_t memory_max)
{
    struct zt_worker_job job = {.cfg = f->cfg, .memory_max = memory_max};
    struct zt_worker *w = NULL;
    sigset_t ss;

    sigemptyset(&ss);
    sigaddset(&ss, SIGCHLD);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    assert_int_equal(sd_event_new(&f->e), 0);
    assert_int_equal(zt_worker_start(f->e, &job, timeout_ms, on_done, f, &w), 0);
    assert_true(zt_worker_pid(w) > 0);
    assert_int_equal(sd_event_loop(f->e), 0);
    assert_true(f->done);
    assert_int_equal(zt_worker_pid(w), 0);
    zt_worker_free(w);
}

static const char *collector_field(struct json_object *doc, size_t i, const char *key)
{
    struct json_object *arr, *v;
    assert_true(json_object_object_get_ex(doc, "collectors", &arr));
    assert_true(json_object_object_get_ex(json_object_array_get_idx(arr, i), key, &v));
    return json_object_get_string(v);
}

static void test_worker_result_over_pipe(void **state)
{
    struct fixture f = {0};
    struct json_object *ev;

    load(&f, "[collector:a]\ntype = fake\n[collector:b]\ntype = fake\nmode = other\n");
    run(&f, 30000, 256u << 20);
    assert_string_equal(f.error, "");
    assert_non_null(f.doc);
    assert_string_equal(collector_field(f.doc, 0, "status"), "ok");
    assert_string_equal(collector_field(f.doc, 1, "carried_over"), "false");
    assert_true(json_object_object_get_ex(f.doc, "evidence", &ev));
    assert_int_equal(json_object_array_length(ev), 2);
    unload(&f);
}

/* A collector that crashes ends its half of the scan: that half's instances are errors with
 * the reason, the other half's evidence is kept. */
static void test_worker_crash_reported(void **state)
{
    struct fixture f = {0};
    struct json_object *ev;

    load(&f, "[collector:a]\ntype = fake\nmode = crash\n[collector:h]\ntype = fake_host\n");
    run(&f, 30000, 0);
    assert_string_equal(f.error, "");
    assert_non_null(f.doc);
    assert_string_equal(collector_field(f.doc, 0, "status"), "error");
    const char *why = collector_field(f.doc, 0, "error");
    if (!strstr(why, "network half of the scan") || !strstr(why, "killed by signal SEGV (crash)")) {
        fail_msg("error: %s", why);
    }
    assert_string_equal(collector_field(f.doc, 1, "status"), "ok");
    assert_true(json_object_object_get_ex(f.doc, "evidence", &ev));
    assert_int_equal(json_object_array_length(ev), 1);
    assert_string_equal(zt_json_str(json_object_array_get_idx(ev, 0), "collector"), "h");
    json_object_put(TAKE_PTR(f.doc));
    unload(&f);

    /* And the other way round: the host half crashes, the network half's evidence stays. */
    f = (struct fixture){0};
    load(&f, "[collector:a]\ntype = fake\n[collector:h]\ntype = fake_host\nmode = crash\n");
    run(&f, 30000, 0);
    assert_non_null(f.doc);
    assert_string_equal(collector_field(f.doc, 0, "status"), "ok");
    assert_string_equal(collector_field(f.doc, 1, "status"), "error");
    assert_non_null(strstr(collector_field(f.doc, 1, "error"), "host half of the scan"));
    unload(&f);
}

static void test_worker_hang_killed(void **state)
{
    struct fixture f = {0};

    /* The collector's own limit is an hour: only the worker's 500 ms limit can have ended it. */
    load(&f, "[daemon]\ncollector_timeout = 1h\n[collector:a]\ntype = fake\nmode = hang\n");
    run(&f, 500, 0);
    assert_null(f.doc);
    assert_string_equal(f.error, "scan worker timed out after 500ms and was killed");
    unload(&f);
}

static void test_worker_memory_limit(void **state)
{
#if defined(__SANITIZE_ADDRESS__)
    skip(); /* the limit is not applied under ASan (its shadow memory) */
#else
    struct fixture f = {0};

    load(&f, "[collector:a]\ntype = fake\nmode = hog\n");
    run(&f, 30000, 128u << 20);
    /* The limit is inherited by the half that runs the collector: that half ends. */
    assert_non_null(f.doc);
    assert_string_equal(collector_field(f.doc, 0, "status"), "error");
    assert_non_null(strstr(collector_field(f.doc, 0, "error"), "killed by signal ABRT"));
    unload(&f);
#endif
}

/* The result of a scan of the selected instances (in this process), the others carried over. */
static struct json_object *carry(struct fixture *f, const bool *selected, struct json_object *prev)
{
    struct zt_scan *scan = NULL;
    struct zt_strv carried = {0};

    assert_int_equal(zt_scan_run_subset(f->cfg, selected, &scan), 0);
    for (size_t i = 0; selected && i < f->cfg->n_instances; i++) {
        if (!selected[i]) {
            zt_strv_push(&carried, f->cfg->instances[i]->name);
        }
    }
    struct json_object *doc = zt_worker_result(scan, &carried, prev, f->cat, NULL, 0);
    zt_strv_clear(&carried);
    zt_scan_free(scan);
    return doc;
}

static void test_worker_carry_over(void **state)
{
    struct fixture f = {0};
    const bool only_a[] = {true, false};

    load(&f, "[collector:a]\ntype = fake\n[collector:b]\ntype = fake\nmode = other\n");
    _cleanup_json_ struct json_object *first = carry(&f, NULL, NULL);
    _cleanup_json_ struct json_object *second = carry(&f, only_a, first);
    assert_string_equal(collector_field(second, 0, "carried_over"), "false");
    assert_string_equal(collector_field(second, 1, "carried_over"), "true");
    assert_string_equal(collector_field(second, 1, "status"), "ok");
    struct json_object *ev;
    assert_true(json_object_object_get_ex(second, "evidence", &ev));
    assert_int_equal(json_object_array_length(ev), 2); /* b's evidence kept from the first */
    /* No previous result: b is reported as skipped, not invented. */
    _cleanup_json_ struct json_object *third = carry(&f, only_a, NULL);
    assert_string_equal(collector_field(third, 1, "status"), "skipped");
    assert_string_equal(collector_field(third, 1, "carried_over"), "false");
    /* A previous result read back from disk with the wrong shapes: nothing carried, no crash. */
    _cleanup_json_ struct json_object *bent =
        json_tokener_parse("{\"collectors\": {\"name\": \"b\"}, \"evidence\": {}}");
    _cleanup_json_ struct json_object *fourth = carry(&f, only_a, bent);
    assert_string_equal(collector_field(fourth, 1, "status"), "skipped");
    json_object_object_add(bent, "collectors", json_tokener_parse("[{\"name\": \"b\"}]"));
    _cleanup_json_ struct json_object *fifth = carry(&f, only_a, bent);
    assert_string_equal(collector_field(fifth, 1, "status"), "skipped");
    unload(&f);
}

/* The worker selects by the job: the instances not selected are named for carrying over. */
static void test_worker_names_the_carried(void **state)
{
    struct fixture f = {0};
    const bool only_b[] = {false, true};
    struct zt_worker_job job = {.selected = only_b};
    struct zt_worker *w = NULL;
    sigset_t ss;

    load(&f, "[collector:a]\ntype = fake\n[collector:b]\ntype = fake\nmode = other\n");
    job.cfg = f.cfg;
    sigemptyset(&ss);
    sigaddset(&ss, SIGCHLD);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    assert_int_equal(sd_event_new(&f.e), 0);
    assert_int_equal(zt_worker_start(f.e, &job, 60000u, on_done, &f, &w), 0);
    assert_int_equal(zt_worker_carried(w)->n, 1);
    assert_string_equal(zt_worker_carried(w)->v[0], "a");
    assert_int_equal(sd_event_loop(f.e), 0);
    assert_string_equal(collector_field(f.doc, 0, "status"), "skipped");
    assert_string_equal(collector_field(f.doc, 1, "status"), "ok");
    zt_worker_free(w);
    unload(&f);
}

int main(int argc, char **argv)
{
    zt_scan_exec_main(argc, argv, registry); /* the worker and its halves are this program */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worker_result_over_pipe),
        cmocka_unit_test(test_worker_crash_reported),
        cmocka_unit_test(test_worker_hang_killed),
        cmocka_unit_test(test_worker_memory_limit),
        cmocka_unit_test(test_worker_carry_over),
        cmocka_unit_test(test_worker_names_the_carried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
