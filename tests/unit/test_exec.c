/* test_exec.c - tests of the exec collector: its parse step and the whole collector, against
 * real programs (tests/fixtures/exec/ shell scripts). The runner has its own: test_proc.c. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

#include "exec.h"
#include "registry.h"
#include "util.h"
#include "proc_test.h"
#include "zt_test.h"

#define FIXTURES ZT_SOURCE_DIR "/tests/fixtures/exec/"

/* The collector's first recorded problem must contain each of the NULL-terminated words. */
static void assert_error(struct zt_ctx *ctx, const char *const *words)
{
    for (size_t i = 0; words[i]; i++) {
        assert_contains(zt_ctx_first_error(ctx), words[i]);
    }
}
#define ASSERT_ERROR(ctx, ...) assert_error((ctx), (const char *const[]){__VA_ARGS__, NULL})

static struct zt_instance *make_instance(const char *const *kv)
{
    struct zt_instance *inst = NULL;
    char err[512] = "";

    assert_int_equal(zt_instance_new(&zt_collector_exec, "exec", &inst, err, sizeof(err)), 0);
    for (size_t i = 0; kv[i]; i += 2) {
        if (zt_instance_set(inst, kv[i], kv[i + 1], err, sizeof(err)) < 0) {
            fail_msg("option %s=%s: %s", kv[i], kv[i + 1], err);
        }
    }
    if (zt_instance_check(inst, err, sizeof(err)) < 0) {
        fail_msg("check: %s", err);
    }
    return inst;
}

/* Run the collector on one fixture script with extra key/value options. */
static int collect_fixture(const char *script, const char *const *kv, struct zt_ctx **ctx)
{
    const char *all[16] = {"command", script};
    size_t n = 2;

    for (size_t i = 0; kv && kv[i]; i++) {
        assert_true(n < ZT_ELEMENTSOF(all) - 1);
        all[n++] = kv[i];
    }
    all[n] = NULL;
    return zt_test_collect(&zt_collector_exec, all, ctx);
}

static const struct zt_evidence *only_evidence(struct zt_ctx *ctx, const char *key)
{
    const struct zt_evidence *e = NULL;
    if (zt_evidence_lookup(zt_ctx_evidence(ctx), key, &e) != 1) {
        fail_msg("expected one observation of %s", key);
    }
    return e;
}

static void assert_evidence_json(struct zt_ctx *ctx, const char *key, const char *json)
{
    assert_string_equal(
        json_object_to_json_string_ext(only_evidence(ctx, key)->value, JSON_C_TO_STRING_PLAIN),
        json);
}

static void assert_detail_json(struct zt_ctx *ctx, const char *key, const char *json)
{
    struct json_object *detail = only_evidence(ctx, key)->detail;
    assert_non_null(detail);
    assert_string_equal(json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN), json);
}

/* ---- the parse step ----------------------------------------------------------------------- */

static int parse_n(const char *text, size_t len, struct zt_ctx **ctx)
{
    *ctx = zt_ctx_new("exec", 0);
    return zt_exec_parse(*ctx, "/opt/acme/prog", text, len);
}

static int parse(const char *text, struct zt_ctx **ctx)
{
    return parse_n(text, strlen(text), ctx);
}

static void test_exec_parse_all_value_types(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;
    const char *doc = " \n{\"evidence\": [\n"
                      "  {\"key\": \"acme.a.flag\", \"value\": true},\n"
                      "  {\"key\": \"acme.a.count\", \"value\": -42, \"detail\": {\"n\": [1]}},\n"
                      "  {\"key\": \"acme.a.share\", \"value\": 0.5, \"detail\": null},\n"
                      "  {\"key\": \"acme.a.name\", \"value\": \"\\u00e9t\\u00e9\"},\n"
                      "  {\"key\": \"acme.a.list\", \"value\": [\"x\", 2, false]}\n"
                      " ], \"schema\": \"ztmmd.exec/1\"}\n\n";

    assert_int_equal(parse(doc, &ctx), 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_int_equal(zt_ctx_evidence(ctx)->n, 5);
    assert_evidence_bool(ctx, "acme.a.flag", true);
    assert_evidence_int(ctx, "acme.a.count", -42);
    assert_detail_json(ctx, "acme.a.count", "{\"n\":[1]}");
    assert_evidence_json(ctx, "acme.a.share", "0.5");
    assert_null(only_evidence(ctx, "acme.a.share")->detail);
    assert_evidence_string(ctx, "acme.a.name", "\xc3\xa9t\xc3\xa9");
    assert_evidence_json(ctx, "acme.a.list", "[\"x\",2,false]");
    assert_string_equal(only_evidence(ctx, "acme.a.flag")->collector, "exec");
}

static void test_exec_parse_empty_evidence(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(parse("{\"schema\":\"ztmmd.exec/1\",\"evidence\":[]}", &ctx), 0);
    assert_int_equal(zt_ctx_evidence(ctx)->n, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
}

static void test_exec_parse_repeated_key_is_two_observations(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;
    const struct zt_evidence *e = NULL;

    assert_int_equal(parse("{\"schema\":\"ztmmd.exec/1\",\"evidence\":["
                           "{\"key\":\"acme.host.ok\",\"value\":true},"
                           "{\"key\":\"acme.host.ok\",\"value\":false}]}",
                           &ctx),
                     0);
    assert_int_equal(zt_evidence_lookup(zt_ctx_evidence(ctx), "acme.host.ok", &e), 2);
}

struct bad_doc {
    const char *text;
    size_t len; /* 0: strlen(text) */
    const char *expect;
};

static void test_exec_parse_rejects_bad_documents(void **state)
{
    char deep[256] = "{\"schema\":\"ztmmd.exec/1\",\"evidence\":[{\"key\":\"a.b\",\"value\":1,"
                     "\"detail\":";
    for (int i = 0; i < 20; i++) {
        strcat(deep, "{\"d\":");
    }
    strcat(deep, "1");
    const struct bad_doc cases[] = {
        {"", 0, "/opt/acme/prog: printed no output"},
        {" \n\t", 0, "printed no output"},
        {" \n  ", 2, "printed no output"}, /* only len bytes count: the text need not end there */
        {"{\"schema\":\"ztmmd.exec/1\",\"evidence\":[]}\0", 40, "NUL byte at offset 39"},
        {"{\"schema\":\"ztmmd.exec/1\",\"evidence\":[", 0,
         "not valid JSON: unexpected end of output at offset 37"},
        {"hello world", 0,
         "/opt/acme/prog: output is not valid JSON: unexpected character at "
         "offset 0"},
        {"{\"schema\":\"ztmmd.exec/1\",\"evidence\":[]} x", 0, "unexpected character at offset 40"},
        {"{\"schema\":\"ztmmd.exec/1\",\"evidence\":[]}{}", 0, "at offset 39"},
        {"{\"schema\":\"ztmmd.exec/1\",\"evidence\":[],}", 0, "not valid JSON"},
        {deep, 0, "nesting too deep"},
        {"{\"schema\":\"ztmmd.exec/1\",\"evidence\":[{\"key\":\"a.b\",\"value\":NaN}]}", 0,
         "NaN, Infinity"},
        {"{\"schema\":\"ztmmd.exec/1\",\"evidence\":[{\"key\":\"a.b\",\"value\":1e999}]}", 0,
         "out-of-range number"},
        {"{\"schema\":\"ztmmd.exec/1\",\"evidence\":[{\"key\":\"a.b\",\"value\":\"\xff\"}]}", 0,
         "invalid utf-8"},
        {"[{\"key\":\"a.b\",\"value\":1}]", 0, "output is a JSON array, expected an object"},
        {"123", 0, "output is a JSON int, expected an object"},
        {"{\"evidence\":[]}", 0, "unsupported schema (missing) (expected \"ztmmd.exec/1\")"},
        {"{\"schema\":1,\"evidence\":[]}", 0, "unsupported schema 1"},
        {"{\"schema\":\"ztmmd.exec/2\",\"evidence\":[]}", 0, "unsupported schema \"ztmmd.exec/2\""},
        {"{\"schema\":\"ztmmd.exec/1\"}", 0, "\"evidence\" is missing, expected an array"},
        {"{\"schema\":\"ztmmd.exec/1\",\"evidence\":{}}", 0,
         "\"evidence\" is object, expected an array"},
        {"{\"schema\":\"ztmmd.exec/1\",\"evidence\":[],\"extra\":1}", 0,
         "unexpected member \"extra\" in the output object"},
    };

    for (size_t i = 0; i < ZT_ELEMENTSOF(cases); i++) {
        _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);

        assert_int_equal(parse_n(cases[i].text, len, &ctx), -EBADMSG);
        assert_int_equal(zt_ctx_evidence(ctx)->n, 0);
        assert_int_equal(zt_ctx_error_count(ctx), 1);
        assert_contains(zt_ctx_first_error(ctx), cases[i].expect);
    }
}

static void test_exec_parse_skips_malformed_entries(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;
    const char *doc = "{\"schema\":\"ztmmd.exec/1\",\"evidence\":["
                      "{\"key\":\"acme.a.good\",\"value\":1},"
                      "{\"key\":\"Acme.Bad Key\",\"value\":1},"
                      "{\"key\":\"acme.a.obj\",\"value\":{}},"
                      "{\"value\":1},"
                      "7,"
                      "{\"key\":\"acme.a.detail\",\"value\":1,\"detail\":[]},"
                      "{\"key\":\"acme.a.nested\",\"value\":[[1]]},"
                      "{\"key\":\"acme.a.null\",\"value\":null},"
                      "{\"key\":\"acme.a.novalue\"},"
                      "{\"key\":\"acme.a.typo\",\"value\":1,\"detial\":{}},"
                      "{\"key\":\"acme.a.last\",\"value\":\"ok\"}]}";

    assert_int_equal(parse(doc, &ctx), 0);
    assert_int_equal(zt_ctx_evidence(ctx)->n, 2);
    assert_evidence_int(ctx, "acme.a.good", 1);
    assert_evidence_string(ctx, "acme.a.last", "ok");
    assert_int_equal(zt_ctx_error_count(ctx), 9);
    assert_string_equal(zt_ctx_first_error(ctx),
                        "/opt/acme/prog: evidence[1] skipped: malformed key \"Acme.Bad Key\" "
                        "(expected lowercase [a-z0-9_] segments separated by dots, at least two, "
                        "at most 128 characters)");
}

static void test_exec_parse_caps_reports_of_malformed_entries(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;
    _cleanup_free_ char *doc = zt_xstrdup("{\"schema\":\"ztmmd.exec/1\",\"evidence\":[");

    for (int i = 0; i < 25; i++) {
        char *next = zt_xasprintf("%s{\"key\":\"BAD\",\"value\":%d},", doc, i);
        free(doc);
        doc = next;
    }
    char *next = zt_xasprintf("%s{\"key\":\"acme.a.good\",\"value\":true}]}", doc);
    free(doc);
    doc = next;

    assert_int_equal(parse(doc, &ctx), 0);
    assert_evidence_bool(ctx, "acme.a.good", true);
    assert_int_equal(zt_ctx_error_count(ctx), ZT_EXEC_MAX_PROBLEMS + 1);
}

/* ---- the collector on real programs ------------------------------------------------------- */

static void test_exec_good_output(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(collect_fixture(FIXTURES "good.sh", NULL, &ctx), 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_int_equal(zt_ctx_evidence(ctx)->n, 1);
    assert_evidence_bool(ctx, "acme.vpn.mfa_required", true);
    assert_detail_json(ctx, "acme.vpn.mfa_required",
                       "{\"gateway\":\"vpn1.acme.example\",\"policy\":\"Require MFA\"}");
    assert_int_equal(zt_ctx_requests(ctx), 1);
}

static void test_exec_multiple_entries(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(collect_fixture(FIXTURES "multi.sh", NULL, &ctx), 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_int_equal(zt_ctx_evidence(ctx)->n, 7);
    assert_evidence_bool(ctx, "acme.vpn.mfa_required", false);
    assert_evidence_int(ctx, "acme.vpn.users_without_mfa", 7);
    assert_detail_json(ctx, "acme.vpn.users_without_mfa", "{\"sample\":[\"alice\",\"bob\"]}");
    assert_evidence_json(ctx, "acme.vpn.mfa_share", "0.93");
    assert_evidence_string(ctx, "acme.vpn.gateway", "vpn1.acme.example");
    assert_null(only_evidence(ctx, "acme.vpn.gateway")->detail);
    assert_evidence_json(ctx, "acme.vpn.ciphers", "[\"aes256-gcm\",\"chacha20-poly1305\"]");
    assert_evidence_json(ctx, "acme.vpn.mixed", "[1,\"two\",true]");
    assert_evidence_json(ctx, "acme.vpn.empty", "[]");
}

static void test_exec_clean_environment_and_fds(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;
    _cleanup_close_ int fd = open("/dev/null", O_RDONLY); /* inheritable on purpose */
    char args[64];

    assert_true(fd > STDERR_FILENO);
    snprintf(args, sizeof(args), "%d one two,three", fd);
    setenv("ZT_TEST_SECRET", "hunter2", 1);
    int r =
        collect_fixture(FIXTURES "env.sh",
                        (const char *const[]){"args", args, "working_directory", "/", NULL}, &ctx);
    unsetenv("ZT_TEST_SECRET");
    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_evidence_json(ctx, "test.env.names", "[\"LANG\",\"PATH\",\"ZTMMD_COLLECTOR\"]");
    assert_evidence_string(ctx, "test.env.path", "/usr/sbin:/usr/bin:/sbin:/bin");
    assert_evidence_string(ctx, "test.env.lang", "C.UTF-8");
    assert_evidence_string(ctx, "test.env.collector", "exec");
    assert_evidence_bool(ctx, "test.env.secret_visible", false);
    assert_evidence_bool(ctx, "test.fd.leaked", false);
    assert_evidence_string(ctx, "test.fd.stdin", "/dev/null");
    assert_evidence_string(ctx, "test.cwd", "/");
    assert_evidence_json(ctx, "test.args", "[\"one\",\"two\",\"three\"]");
}

static void test_exec_missing_working_directory(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;
    const char *kv[] = {"working_directory", "/nonexistent/zt-exec", NULL};

    assert_int_equal(collect_fixture(FIXTURES "good.sh", kv, &ctx), -ENOENT);
    ASSERT_ERROR(ctx, "cannot change to working directory /nonexistent/zt-exec to run",
                 "good.sh: No such file or directory");
    assert_int_equal(zt_ctx_evidence(ctx)->n, 0);
}

static void test_exec_nonzero_exit(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(collect_fixture(FIXTURES "fail.sh", NULL, &ctx), -EIO);
    assert_string_equal(zt_ctx_first_error(ctx),
                        FIXTURES "fail.sh exited with status 3: acme-vpn: cannot reach "
                                 "vpn1.acme.example: connection timed out");
    assert_int_equal(zt_ctx_evidence(ctx)->n, 0);
}

static void test_exec_killed_by_signal(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(collect_fixture(FIXTURES "signal.sh", NULL, &ctx), -EIO);
    ASSERT_ERROR(ctx, "signal.sh was killed by signal 9 (SIGKILL): about to crash");
}

static void test_exec_garbage_output(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(collect_fixture(FIXTURES "garbage.sh", NULL, &ctx), -EBADMSG);
    ASSERT_ERROR(ctx, "garbage.sh: output is not valid JSON: unexpected character at offset 0");
}

static void test_exec_trailing_garbage(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(collect_fixture(FIXTURES "trailing.sh", NULL, &ctx), -EBADMSG);
    ASSERT_ERROR(ctx, "trailing.sh: output is not valid JSON", "at offset 43");
}

static void test_exec_wrong_schema(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(collect_fixture(FIXTURES "schema.sh", NULL, &ctx), -EBADMSG);
    ASSERT_ERROR(ctx, "schema.sh: unsupported schema \"ztmmd.exec/2\"");
    assert_int_equal(zt_ctx_evidence(ctx)->n, 0);
}

static void test_exec_output_too_big(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(collect_fixture(FIXTURES "big.sh", NULL, &ctx), -EFBIG);
    ASSERT_ERROR(ctx, "big.sh: output exceeds max_output (1048576 bytes)");
}

static void test_exec_hang_is_killed(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;
    const char *kv[] = {"program_timeout", "1s", NULL};

    assert_int_equal(collect_fixture(FIXTURES "hang.sh", kv, &ctx), -ETIMEDOUT);
    ASSERT_ERROR(ctx, "hang.sh did not finish within 1s; killed");
}

static void test_exec_whole_document_then_hang_is_kept(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;
    const char *kv[] = {"program_timeout", "1s", NULL};

    /* Killed at its limit, but what it printed is one whole document: used (status partial). */
    assert_int_equal(collect_fixture(FIXTURES "print-then-hang.sh", kv, &ctx), -ETIMEDOUT);
    assert_string_equal(zt_ctx_first_error(ctx),
                        FIXTURES "print-then-hang.sh did not finish within 1s; killed; the "
                                 "complete document it printed before is used");
    assert_int_equal(zt_ctx_error_count(ctx), 1);
    assert_int_equal(zt_ctx_evidence(ctx)->n, 2);
    assert_evidence_json(ctx, "acme.vpn.mfa_required", "true");
    assert_evidence_json(ctx, "acme.vpn.local_users", "3");
}

static void test_exec_cut_document_then_hang_is_not_kept(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;
    const char *kv[] = {"program_timeout", "1s", NULL};

    /* Entries of a document cut short are not kept: the missing ones could fail a rule. */
    assert_int_equal(collect_fixture(FIXTURES "half-then-hang.sh", kv, &ctx), -ETIMEDOUT);
    assert_string_equal(zt_ctx_first_error(ctx),
                        FIXTURES "half-then-hang.sh did not finish within 1s; killed");
    assert_int_equal(zt_ctx_evidence(ctx)->n, 0);
}

static void test_exec_grandchild_holding_stdout_is_killed(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;
    _cleanup_free_ char *pidfile = make_pidfile("exec");
    const char *kv[] = {"program_timeout", "1s", "args", pidfile, NULL};

    assert_int_equal(collect_fixture(FIXTURES "grandchild-hang.sh", kv, &ctx), -ETIMEDOUT);
    ASSERT_ERROR(ctx, "grandchild-hang.sh did not finish within 1s; killed");
    assert_pidfile_process_dead(pidfile);
    unlink(pidfile);
}

static void test_exec_leftover_background_process_is_killed(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;
    _cleanup_free_ char *pidfile = make_pidfile("exec");
    const char *kv[] = {"args", pidfile, NULL};

    assert_int_equal(collect_fixture(FIXTURES "grandchild-linger.sh", kv, &ctx), 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_evidence_bool(ctx, "acme.backup.enabled", true);
    assert_pidfile_process_dead(pidfile);
    unlink(pidfile);
}

static void test_exec_not_executable(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(collect_fixture(FIXTURES "not-executable.sh", NULL, &ctx), -EACCES);
    assert_string_equal(zt_ctx_first_error(ctx),
                        "cannot execute " FIXTURES "not-executable.sh: Permission denied");
}

static void test_exec_missing_program(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(collect_fixture(FIXTURES "does-not-exist", NULL, &ctx), -ENOENT);
    assert_string_equal(zt_ctx_first_error(ctx),
                        "cannot execute " FIXTURES "does-not-exist: No such file or directory");
    assert_int_equal(zt_ctx_requests(ctx), 1);
}

static void test_exec_bad_keys_among_good_ones(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(collect_fixture(FIXTURES "partial.sh", NULL, &ctx), 0);
    assert_int_equal(zt_ctx_evidence(ctx)->n, 3);
    assert_evidence_bool(ctx, "acme.edr.running", true);
    assert_evidence_int(ctx, "acme.edr.sensors", 12);
    assert_evidence_string(ctx, "acme.edr.last_seen", "2024-05-01T10:00:00Z");
    assert_detail_json(ctx, "acme.edr.last_seen", "{\"host\":\"web1\"}");
    assert_evidence_absent(ctx, "acme.edr.version");
    assert_evidence_absent(ctx, "acme.edr.healthy");
    assert_int_equal(zt_ctx_error_count(ctx), 8);
    ASSERT_ERROR(ctx, "partial.sh: evidence[1] skipped: malformed key \"Acme.EDR Running\"");
}

static void test_exec_stderr_flood_does_not_block(void **state)
{
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = NULL;

    assert_int_equal(collect_fixture(FIXTURES "noisy-stderr.sh", NULL, &ctx), 0);
    assert_evidence_bool(ctx, "acme.noise.done", true);
}

static void test_exec_collector_deadline_limits_the_run(void **state)
{
    _cleanup_(zt_instance_freep) struct zt_instance *inst =
        make_instance((const char *const[]){"command", FIXTURES "hang.sh", NULL});
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx =
        zt_ctx_new("exec", zt_now_mono_usec() + 2500 * 1000ULL);

    assert_int_equal(zt_collector_exec.collect(inst->state, ctx), -ETIMEDOUT);
    ASSERT_ERROR(ctx, "hang.sh did not finish within", "(the collector's time limit); killed");
}

static void test_exec_collector_deadline_already_up(void **state)
{
    _cleanup_(zt_instance_freep) struct zt_instance *inst =
        make_instance((const char *const[]){"command", FIXTURES "good.sh", NULL});
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx =
        zt_ctx_new("exec", zt_now_mono_usec() + 100 * 1000ULL);

    assert_int_equal(zt_collector_exec.collect(inst->state, ctx), -ETIMEDOUT);
    ASSERT_ERROR(ctx, "good.sh not started: the collector's time limit is up");
    assert_int_equal(zt_ctx_requests(ctx), 0);
}

struct canceller {
    struct zt_ctx *ctx;
    const char *pidfile;
};

/* Cancel the scan once the program has written its pid (so it is surely running). */
static void *cancel_when_started(void *arg)
{
    struct canceller *c = arg;
    wait_for_pidfile(c->pidfile);
    zt_ctx_cancel(c->ctx);
    return NULL;
}

static void test_exec_cancel_kills_the_run(void **state)
{
    _cleanup_free_ char *pidfile = make_pidfile("exec");
    _cleanup_(zt_instance_freep) struct zt_instance *inst = make_instance(
        (const char *const[]){"command", FIXTURES "grandchild-hang.sh", "args", pidfile, NULL});
    _cleanup_(zt_ctx_freep) struct zt_ctx *ctx = zt_ctx_new("exec", 0);
    struct canceller c = {ctx, pidfile};
    pthread_t thread;

    assert_int_equal(pthread_create(&thread, NULL, cancel_when_started, &c), 0);
    int r = zt_collector_exec.collect(inst->state, ctx);
    pthread_join(thread, NULL);
    assert_int_equal(r, -ECANCELED);
    ASSERT_ERROR(ctx, "grandchild-hang.sh: run cancelled; killed");
    assert_pidfile_process_dead(pidfile);
    unlink(pidfile);
}

static void test_exec_check_rejects_bad_options(void **state)
{
    const char *const bad[][2] = {
        {"max_output", "0"}, {"max_output", "65M"}, {"program_timeout", "0"}};
    const char *const expect[] = {"'max_output' must be between 1 and 64M, got '0'",
                                  "'max_output' must be between 1 and 64M, got '65M'",
                                  "'program_timeout' must be between 1ms and 1d, got '0'"};

    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        _cleanup_(zt_instance_freep) struct zt_instance *inst = NULL;
        char err[512] = "";

        assert_int_equal(zt_instance_new(&zt_collector_exec, "exec", &inst, err, sizeof(err)), 0);
        assert_int_equal(zt_instance_set(inst, "command", "/bin/true", err, sizeof(err)), 0);
        assert_int_equal(zt_instance_set(inst, bad[i][0], bad[i][1], err, sizeof(err)), -EINVAL);
        assert_contains(err, expect[i]);
    }
}

static void test_exec_options(void **state)
{
    _cleanup_(zt_instance_freep) struct zt_instance *inst = NULL;
    char err[512] = "";

    assert_int_equal(zt_instance_new(&zt_collector_exec, "exec", &inst, err, sizeof(err)), 0);
    const struct zt_exec_state *s = inst->state;
    assert_int_equal(s->program_timeout_ms, 60000);
    assert_int_equal(s->max_output, 1024 * 1024);
    assert_int_equal(zt_instance_check(inst, err, sizeof(err)), -EINVAL);
    assert_contains(err, "missing required key 'command'");
    assert_int_equal(zt_instance_set(inst, "command", "relative/prog", err, sizeof(err)), -EINVAL);
    assert_int_equal(zt_instance_set(inst, "working_directory", "tmp", err, sizeof(err)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_parse_all_value_types),
        cmocka_unit_test(test_exec_parse_empty_evidence),
        cmocka_unit_test(test_exec_parse_repeated_key_is_two_observations),
        cmocka_unit_test(test_exec_parse_rejects_bad_documents),
        cmocka_unit_test(test_exec_parse_skips_malformed_entries),
        cmocka_unit_test(test_exec_parse_caps_reports_of_malformed_entries),
        cmocka_unit_test(test_exec_good_output),
        cmocka_unit_test(test_exec_multiple_entries),
        cmocka_unit_test(test_exec_clean_environment_and_fds),
        cmocka_unit_test(test_exec_missing_working_directory),
        cmocka_unit_test(test_exec_nonzero_exit),
        cmocka_unit_test(test_exec_killed_by_signal),
        cmocka_unit_test(test_exec_garbage_output),
        cmocka_unit_test(test_exec_trailing_garbage),
        cmocka_unit_test(test_exec_wrong_schema),
        cmocka_unit_test(test_exec_output_too_big),
        cmocka_unit_test(test_exec_hang_is_killed),
        cmocka_unit_test(test_exec_whole_document_then_hang_is_kept),
        cmocka_unit_test(test_exec_cut_document_then_hang_is_not_kept),
        cmocka_unit_test(test_exec_grandchild_holding_stdout_is_killed),
        cmocka_unit_test(test_exec_leftover_background_process_is_killed),
        cmocka_unit_test(test_exec_not_executable),
        cmocka_unit_test(test_exec_missing_program),
        cmocka_unit_test(test_exec_bad_keys_among_good_ones),
        cmocka_unit_test(test_exec_stderr_flood_does_not_block),
        cmocka_unit_test(test_exec_collector_deadline_limits_the_run),
        cmocka_unit_test(test_exec_collector_deadline_already_up),
        cmocka_unit_test(test_exec_cancel_kills_the_run),
        cmocka_unit_test(test_exec_check_rejects_bad_options),
        cmocka_unit_test(test_exec_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
