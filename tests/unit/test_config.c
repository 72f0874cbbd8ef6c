/* test_config.c - config loading: sections, binding, drop-ins and file:line errors. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "zt_test.h"

#include "export.h"
#include "http.h"

/* A fake collector type with one option of each kind. */
struct fake_state {
    char *root;
    char *url;
    bool flag;
    uint64_t count, wait_ms, size;
    struct zt_strv list;
};

static int fake_collect(void *state, struct zt_ctx *ctx)
{
    return 0;
}

static int fake_check(const void *state, char *err, size_t errlen)
{
    const struct fake_state *s = state;
    if (s->count > 100) {
        snprintf(err, errlen, "'count' must be at most 100");
        return -EINVAL;
    }
    return 0;
}

#define OFF(f) offsetof(struct fake_state, f)
static const struct zt_option fake_options[] = {
    {"root", ZT_OPT_PATH, "/", OFF(root), 0, "root"},
    {"url", ZT_OPT_URL, NULL, OFF(url), 0, "url"},
    {"flag", ZT_OPT_BOOL, "no", OFF(flag), 0, "flag"},
    {"count", ZT_OPT_UINT, "3", OFF(count), 0, "count"},
    {"wait", ZT_OPT_DURATION, "30s", OFF(wait_ms), 0, "wait"},
    {"size", ZT_OPT_SIZE, "1M", OFF(size), 0, "size"},
    {"list", ZT_OPT_STRLIST, "a b", OFF(list), 0, "list"},
    {.key = NULL},
};

static const struct zt_collector fake = {
    .name = "fake",
    .summary = "test collector",
    .options = fake_options,
    .state_size = sizeof(struct fake_state),
    .check = fake_check,
    .collect = fake_collect,
};

static const struct zt_option required_options[] = {
    {"tenant_id", ZT_OPT_STRING, NULL, 0, ZT_OPT_REQUIRED, "tenant"},
    {.key = NULL},
};

static const struct zt_collector needs = {
    .name = "needs",
    .options = required_options,
    .state_size = sizeof(char *),
    .collect = fake_collect,
};

static const struct zt_collector *const registry[] = {&fake, &needs, NULL};

static struct zt_config *load_ok(const char *text)
{
    struct zt_config *cfg = NULL;
    char err[512] = "";
    int r = zt_config_load_string("/etc/ztmmd/ztmmd.conf", text, registry, &cfg, err, sizeof(err));
    if (r < 0) {
        fail_msg("unexpected error: %s", err);
    }
    return cfg;
}

/* Load text and expect an error whose message contains want. */
static void load_err(const char *text, const char *want)
{
    struct zt_config *cfg = NULL;
    char err[512] = "";
    int r = zt_config_load_string("/etc/ztmmd/ztmmd.conf", text, registry, &cfg, err, sizeof(err));
    if (r == 0) { /* [sink:NAME] sections are checked by the export room, as zt_service_load() */
        r = zt_export_check_config(cfg, err, sizeof(err));
        zt_config_freep(&cfg);
        cfg = NULL;
    }
    assert_true(r < 0);
    assert_null(cfg);
    if (!strstr(err, want)) {
        fail_msg("error '%s' does not contain '%s'", err, want);
    }
}

static void test_config_defaults(void **state)
{
    struct zt_config *cfg = load_ok("");
    assert_int_equal(cfg->daemon.interval_ms, 6 * 3600 * 1000);
    assert_string_equal(cfg->daemon.state_dir, "/var/lib/ztmmd");
    assert_string_equal(cfg->daemon.log_level, "notice");
    assert_int_equal(cfg->daemon.max_parallel_collectors, 8);
    assert_int_equal(cfg->n_instances, 0);
    /* The [daemon] http_* defaults are the engine's own: one default, whichever way it is built. */
    struct zt_http_limits l;
    zt_http_limits_default(&l);
    assert_int_equal(cfg->daemon.http_max_concurrency, l.max_concurrency);
    assert_int_equal(cfg->daemon.http_connect_timeout_ms, l.connect_timeout_ms);
    assert_int_equal(cfg->daemon.http_timeout_ms, l.total_timeout_ms);
    assert_int_equal(cfg->daemon.http_max_body, l.max_body);
    assert_int_equal(cfg->daemon.http_max_attempts, l.max_attempts);
    zt_config_free(cfg);

    cfg = load_ok("[daemon]\nhttp_timeout = 90s\nhttp_max_body = 64M\nhttp_max_attempts = 2\n");
    assert_int_equal(cfg->daemon.http_timeout_ms, 90000);
    assert_int_equal(cfg->daemon.http_max_body, 64u << 20);
    assert_int_equal(cfg->daemon.http_max_attempts, 2);
    zt_config_free(cfg);
}

static void test_config_binds_every_type(void **state)
{
    struct zt_config *cfg = load_ok("[daemon]\ninterval = 15m\n"
                                    "[collector:one]\ntype = fake\nroot = /srv/tree\n"
                                    "url = https://example.org/x\nflag = yes\ncount = 42\n"
                                    "wait = 2h\nsize = 64K\nlist = x, y\nlist = z\n");
    assert_int_equal(cfg->daemon.interval_ms, 15 * 60 * 1000);
    assert_int_equal(cfg->n_instances, 1);
    struct zt_instance *inst = cfg->instances[0];
    struct fake_state *s = inst->state;
    assert_string_equal(inst->name, "one");
    assert_string_equal(inst->type, "fake");
    assert_true(inst->enabled);
    assert_string_equal(s->root, "/srv/tree");
    assert_string_equal(s->url, "https://example.org/x");
    assert_true(s->flag);
    assert_int_equal(s->count, 42);
    assert_int_equal(s->wait_ms, 2 * 3600 * 1000);
    assert_int_equal(s->size, 64 * 1024);
    /* The first list key replaces the default "a b", repeats append. */
    assert_int_equal(s->list.n, 3);
    assert_string_equal(s->list.v[0], "x");
    assert_string_equal(s->list.v[2], "z");
    assert_int_equal(inst->line, 3);
    zt_config_free(cfg);
}

static void test_config_empty_section_declares_instance(void **state)
{
    struct zt_config *cfg = load_ok("[collector:fake]\n\n[collector:other]\ntype = fake\n"
                                    "enabled = no\n");
    assert_int_equal(cfg->n_instances, 2);
    assert_string_equal(cfg->instances[0]->type, "fake");
    assert_string_equal(((struct fake_state *)cfg->instances[0]->state)->root, "/");
    assert_false(cfg->instances[1]->enabled);
    zt_config_free(cfg);
}

static void test_config_inline_comments(void **state)
{
    struct zt_config *cfg = load_ok("# full line\n; also\n[collector:fake]   # trailing\n"
                                    "root = /x   # read host files under this root\n");
    assert_string_equal(((struct fake_state *)cfg->instances[0]->state)->root, "/x");
    zt_config_free(cfg);
}

static void test_config_attest(void **state)
{
    struct zt_config *cfg = load_ok("[attest]\ndata.governance = advanced\n");
    assert_int_equal(cfg->n_attest, 1);
    assert_string_equal(cfg->attest[0].function, "data.governance");
    assert_string_equal(cfg->attest[0].stage, "advanced");
    assert_int_equal(cfg->attest[0].line, 2);
    zt_config_free(cfg);
}

static void test_config_errors_name_file_and_line(void **state)
{
    load_err("[daemon]\ninterval = 6h\n[nonsense]\n", "ztmmd.conf:3: unknown section [nonsense]");
    load_err("[daemon]\nintervall = 6h\n", "ztmmd.conf:2: [daemon] unknown key 'intervall'");
    load_err("[daemon]\ninterval = soon\n", "ztmmd.conf:2: [daemon] 'interval' must be a duration");
    load_err("[collector:fake]\nroot = relative\n",
             "ztmmd.conf:2: [collector:fake] 'root' must be an absolute path");
    load_err("[collector:fake]\n\nurl = http://plain\n",
             "ztmmd.conf:3: [collector:fake] 'url' must be an https:// URL");
    load_err("[collector:fake]\nflag = maybe\n",
             "ztmmd.conf:2: [collector:fake] 'flag' must be a boolean");
    load_err("[collector:fake]\ncount = -1\n",
             "ztmmd.conf:2: [collector:fake] 'count' must be a non-negative integer");
    load_err("[collector:fake]\nsize = lots\n", "'size' must be a size");
    load_err("[collector:fake]\nbogus = 1\n", "ztmmd.conf:2: [collector:fake] unknown key 'bogus'");
    load_err("[collector:x]\ntype = nope\n",
             "ztmmd.conf:2: [collector:x] unknown collector type 'nope' (known: fake, needs)");
    load_err("[collector:nope]\n", "ztmmd.conf:1: [collector:nope] unknown collector type 'nope'");
    load_err("[collector:fake]\n[collector:fake]\n",
             "ztmmd.conf:2: duplicate collector instance 'fake' (first declared at "
             "/etc/ztmmd/ztmmd.conf:1)");
    load_err("[collector:fake]\nroot = /a\nroot = /b\n",
             "ztmmd.conf:3: [collector:fake] duplicate key 'root' (first set at line 2)");
    load_err("[collector:fake]\ncount = 101\n",
             "ztmmd.conf:1: [collector:fake] 'count' must be at most 100");
    load_err("[collector:needs]\n",
             "ztmmd.conf:1: [collector:needs] missing required key 'tenant_id'");
    load_err("[collector:bad name]\n", "ztmmd.conf:1: [collector:bad name] instance names use");
    load_err("root = /\n", "ztmmd.conf:1: key 'root' outside of any section");
    load_err("[daemon]\nthis line has no equals sign\n", "ztmmd.conf:2: syntax error");
    load_err("[attest]\ndata.governance = excellent\n",
             "ztmmd.conf:2: [attest] 'data.governance' must be traditional");
    load_err("[attest]\ndata.governance = initial\ndata.governance = optimal\n",
             "ztmmd.conf:3: [attest] duplicate key");
    load_err("[daemon]\nlog_level = chatty\n", "log_level must be");
    load_err("[daemon]\nmax_parallel_collectors = 0\n",
             "ztmmd.conf:2: [daemon] 'max_parallel_collectors' must be between 1 and 256, got '0'");
    load_err("[daemon]\nhttp_timeout = 0\n",
             "ztmmd.conf:2: [daemon] 'http_timeout' must be between 1ms and 1d, got '0'");
    load_err("[daemon]\nhttp_max_body = 0\n",
             "ztmmd.conf:2: [daemon] 'http_max_body' must be between 1 and 2G, got '0'");
    load_err("[daemon]\nhttp_max_body = 5G\n", "[daemon] 'http_max_body' must be between 1 and 2G");
    load_err("[daemon]\nhttp_max_attempts = 101\n",
             "ztmmd.conf:2: [daemon] 'http_max_attempts' must be between 1 and 100, got '101'");
    load_err("[daemon]\nhttp_connect_timeout = soon\n",
             "ztmmd.conf:2: [daemon] 'http_connect_timeout' must be a duration");
    /* Sinks: every error names the line of the key at fault. */
    load_err("[sink:siem]\ntype = carrier-pigeon\n",
             "ztmmd.conf:1: [sink:siem] unknown sink type 'carrier-pigeon' (known: file");
    load_err("[sink:f]\ntype = file\npath = /tmp/x.jsonl\ncolour = blue\n",
             "ztmmd.conf:4: [sink:f] unknown key 'colour' for sink type 'file'");
    load_err("[sink:f]\ntype = file\npath = /tmp/x.jsonl\nformat = xml\n",
             "ztmmd.conf:4: [sink:f] format must be json, ocsf or cef, got 'xml'");
    load_err("[sink:f]\ntype = file\npath = /tmp/x.jsonl\nfindings = some\n",
             "ztmmd.conf:4: [sink:f] findings must be failing or all, got 'some'");
    load_err("[sink:f]\ntype = file\n",
             "ztmmd.conf:1: [sink:f] missing required key 'path' for sink type 'file'");
    load_err("[sink:f]\ntype = file\npath = relative.jsonl\n", "ztmmd.conf:3: [sink:f]");
    load_err("[sink:f]\ntype = file\npath = /tmp/x\ntimeout = 0\n",
             "ztmmd.conf:4: [sink:f] 'timeout' must be between 1ms and 1d, got '0'");
    load_err("[sink:f]\ntype = file\npath = /tmp/x\nbatch = 100001\n",
             "ztmmd.conf:4: [sink:f] 'batch' must be between 0 and 100000, got '100001'");
    load_err("[sink:f]\ntype = file\npath = /tmp/x\nkeep = 1001\n",
             "ztmmd.conf:4: [sink:f] 'keep' must be between 0 and 1000, got '1001'");
}

static void test_config_long_line_is_an_error(void **state)
{
    char text[600];
    int n = snprintf(text, sizeof(text), "[collector:fake]\nlist = ");
    memset(text + n, 'a', 400);
    text[n + 400] = '\n';
    text[n + 401] = '\0';
    load_err(text, "ztmmd.conf:2: line longer than");
}

/* Write a file under dir; returns its path (static buffer). */
static const char *write_file(const char *dir, const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_config_dropins_in_lexical_order(void **state)
{
    char dir[] = "/tmp/zt-config-XXXXXX";
    char sub[600], main_path[600];
    struct zt_config *cfg = NULL;
    char err[512] = "";

    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/conf.d", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(main_path, sizeof(main_path), "%s",
             write_file(dir, "ztmmd.conf", "[daemon]\ninterval = 1h\n"));
    write_file(sub, "20-late.conf", "[daemon]\ninterval = 3h\n[collector:b]\ntype = fake\n");
    write_file(sub, "10-early.conf", "[daemon]\ninterval = 2h\n[collector:a]\ntype = fake\n");
    write_file(sub, "ignored.txt", "this is not ini at all");
    assert_int_equal(zt_config_load(main_path, registry, &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg->daemon.interval_ms, 3 * 3600 * 1000);
    assert_int_equal(cfg->n_instances, 2);
    assert_string_equal(cfg->instances[0]->name, "a");
    assert_string_equal(cfg->instances[1]->name, "b");
    zt_config_free(cfg);

    /* A duplicate instance across files names the second file and the first. */
    write_file(sub, "30-dup.conf", "\n[collector:a]\ntype = fake\n");
    cfg = NULL;
    assert_true(zt_config_load(main_path, registry, &cfg, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "30-dup.conf:2: duplicate collector instance 'a'"));
    assert_non_null(strstr(err, "10-early.conf:3)"));

    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_config_missing_file(void **state)
{
    struct zt_config *cfg = NULL;
    char err[512] = "";
    assert_int_equal(zt_config_load("/nonexistent/ztmmd.conf", registry, &cfg, err, sizeof(err)),
                     -ENOENT);
    assert_non_null(strstr(err, "/nonexistent/ztmmd.conf: cannot read: No such file or directory"));
}

/* state_dir and runtime_dir: a key in the files wins, then systemd's $STATE_DIRECTORY and
 * $RUNTIME_DIRECTORY (the first of a ':' list), then the built-in default. */
static void test_config_systemd_directories(void **state)
{
    struct zt_config *cfg = load_ok("");
    assert_string_equal(cfg->daemon.state_dir_origin, "default");
    zt_config_free(cfg);

    setenv("STATE_DIRECTORY", "/var/lib/ztmmd-unit:/var/lib/other", 1);
    setenv("RUNTIME_DIRECTORY", "/run/ztmmd-unit", 1);
    cfg = load_ok("[daemon]\ninterval = 1h\n");
    assert_string_equal(cfg->daemon.state_dir, "/var/lib/ztmmd-unit");
    assert_string_equal(cfg->daemon.state_dir_origin, "$STATE_DIRECTORY");
    assert_string_equal(cfg->daemon.runtime_dir, "/run/ztmmd-unit");
    assert_string_equal(cfg->daemon.runtime_dir_origin, "$RUNTIME_DIRECTORY");
    zt_config_free(cfg);

    cfg = load_ok("[daemon]\nstate_dir = /srv/ztmmd\n");
    assert_string_equal(cfg->daemon.state_dir, "/srv/ztmmd");
    assert_string_equal(cfg->daemon.state_dir_origin, "config");
    assert_string_equal(cfg->daemon.runtime_dir, "/run/ztmmd-unit");
    zt_config_free(cfg);

    cfg = load_ok("[daemon]\nruntime_dir = /run/mine\n");
    assert_string_equal(cfg->daemon.state_dir, "/var/lib/ztmmd-unit");
    assert_string_equal(cfg->daemon.runtime_dir, "/run/mine");
    assert_string_equal(cfg->daemon.runtime_dir_origin, "config");
    zt_config_free(cfg);

    /* Not absolute (systemd never sets that): ignored. */
    setenv("STATE_DIRECTORY", "relative/dir", 1);
    cfg = load_ok("");
    assert_string_equal(cfg->daemon.state_dir_origin, "default");
    assert_string_equal(cfg->daemon.state_dir, ZT_LOCALSTATEDIR "/lib/ztmmd");
    zt_config_free(cfg);
    unsetenv("STATE_DIRECTORY");
    unsetenv("RUNTIME_DIRECTORY");
}

static void test_options_parsers(void **state)
{
    uint64_t v;
    bool b;
    assert_int_equal(zt_parse_duration_ms("500ms", &v), 0);
    assert_int_equal(v, 500);
    assert_int_equal(zt_parse_duration_ms("1d", &v), 0);
    assert_int_equal(v, 86400000);
    assert_int_equal(zt_parse_duration_ms("90", &v), 0);
    assert_int_equal(v, 90000);
    assert_int_equal(zt_parse_duration_ms("5 years", &v), -EINVAL);
    assert_int_equal(zt_parse_duration_ms("99999999999999999999s", &v), -ERANGE);
    assert_int_equal(zt_parse_size("10M", &v), 0);
    assert_int_equal(v, 10 * 1024 * 1024);
    assert_int_equal(zt_parse_bool("On", &b), 0);
    assert_true(b);
    assert_int_equal(zt_parse_bool("2", &b), -EINVAL);
    /* Formatting picks the largest exact unit, and the parser reads it back. */
    char text[32];
    const uint64_t ms[] = {1, 250, 1000, 90000, 3600000, 86400000, 86401000};
    const char *want[] = {"1ms", "250ms", "1s", "90s", "1h", "1d", "86401s"};
    for (size_t i = 0; i < ZT_ELEMENTSOF(ms); i++) {
        zt_format_duration_ms(ms[i], text, sizeof(text));
        assert_string_equal(text, want[i]);
        assert_int_equal(zt_parse_duration_ms(text, &v), 0);
        assert_int_equal(v, ms[i]);
    }
    zt_format_size(2ULL << 30, text, sizeof(text));
    assert_string_equal(text, "2G");
    zt_format_size(1536, text, sizeof(text));
    assert_string_equal(text, "1536"); /* not a whole number of K */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_binds_every_type),
        cmocka_unit_test(test_config_empty_section_declares_instance),
        cmocka_unit_test(test_config_inline_comments),
        cmocka_unit_test(test_config_attest),
        cmocka_unit_test(test_config_errors_name_file_and_line),
        cmocka_unit_test(test_config_long_line_is_an_error),
        cmocka_unit_test(test_config_dropins_in_lexical_order),
        cmocka_unit_test(test_config_missing_file),
        cmocka_unit_test(test_config_systemd_directories),
        cmocka_unit_test(test_options_parsers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
