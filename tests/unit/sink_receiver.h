/* sink_receiver.h - for sink tests: start tests/fixtures/receivers_azure_webhook.py on a config
 * (a JSON text), bind a sink's options from key/value pairs, and open it on a real HTTP engine
 * (one attempt per call, as the export uses it). Builds on test_http_fixture.h (PKI, log). */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sink.h"
#include "test_http_fixture.h"

#define RECEIVERS ZT_SOURCE_DIR "/tests/fixtures/receivers_azure_webhook.py"

/* Start the receiver kind ("azure", "webhook") with config (JSON) in dir (from fixture_pki). */
static inline void receiver_start(struct fixture *f, const char *dir, const char *kind,
                                  const char *config)
{
    char cfg[PATH_MAX], certs[PATH_MAX], line[32] = "";
    int fds[2];

    char name[64];
    snprintf(name, sizeof(name), "/config-%.16s.json", kind);
    fixture_join(cfg, sizeof(cfg), dir, name);
    fixture_join(certs, sizeof(certs), dir, "/certs");
    snprintf(name, sizeof(name), "/log-%.16s.jsonl", kind);
    fixture_join(f->log, sizeof(f->log), dir, name);
    unlink(f->log);
    FILE *fp = fopen(cfg, "we");
    assert_non_null(fp);
    fputs(config, fp);
    fclose(fp);
    assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
    f->pid = fork();
    assert_true(f->pid >= 0);
    if (f->pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        execlp("python3", "python3", RECEIVERS, kind, "--certs", certs, "--log", f->log, "--config",
               cfg, "--idle-timeout", "60", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *out = fdopen(fds[0], "r");
    assert_non_null(out);
    if (!fgets(line, sizeof(line), out) || (f->port = atoi(line)) <= 0) {
        fail_msg("receiver %s did not report a port", kind);
    }
    fclose(out);
    snprintf(f->base, sizeof(f->base), "https://127.0.0.1:%d", f->port);
}

/* Write a 0600 secret file dir/name holding text; path receives its name. */
static inline void receiver_secret(const char *dir, const char *name, const char *text, char *path,
                                   size_t len)
{
    char rel[128];
    snprintf(rel, sizeof(rel), "/%.100s", name);
    fixture_join(path, len, dir, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(zt_write_all(fd, text, strlen(text)), 0);
    close(fd);
}

/* One sink instance under test: its bound state, env and engine. */
struct sink_under_test {
    const struct zt_sink *type;
    void *state;
    struct zt_sink_env env;
    struct zt_http_engine *http;
    bool opened;
};

/* Bind NULL-terminated key/value pairs over the defaults (failing the test on a bad value), make
 * an engine and an env (format, 20 s timeout). Returns check()'s result; err gets its message. */
static inline int sink_bind(struct sink_under_test *s, const struct zt_sink *type,
                            enum zt_format format, const char *const *kv, char *err, size_t len)
{
    struct zt_http_limits l;

    *s = (struct sink_under_test){.type = type};
    s->state = zt_xcalloc(1, type->state_size);
    assert_int_equal(zt_options_defaults(type->options, s->state, err, len), 0);
    for (size_t i = 0; kv && kv[i]; i += 2) {
        const struct zt_option *o = zt_options_find(type->options, kv[i]);
        if (!o) {
            fail_msg("%s has no option %s", type->name, kv[i]);
        }
        assert_int_equal(zt_option_set(o, s->state, kv[i + 1], err, len), 0);
    }
    zt_http_limits_default(&l);
    l.max_attempts = 1;
    assert_int_equal(zt_http_engine_new(&l, &s->http, NULL, 0), 0);
    s->env = (struct zt_sink_env){
        .name = "test",
        .type = type->name,
        .format = format,
        .batch = 1000,
        .timeout_ms = 20000,
        .hostname = "host1",
        .http = s->http,
    };
    return type->check ? type->check(s->state, err, len) : 0;
}

static inline int sink_open(struct sink_under_test *s, char *err, size_t len)
{
    int r = s->type->open(s->state, &s->env, err, len);
    s->opened = r == 0;
    return r;
}

static inline void sink_done(struct sink_under_test *s)
{
    if (!s->type) {
        return; /* never bound (a test that failed before) */
    }
    if (s->opened && s->type->close) {
        s->type->close(s->state);
    }
    zt_options_free(s->type->options, s->state);
    free(s->state);
    zt_http_engine_free(s->http);
    *s = (struct sink_under_test){0};
}

static inline enum zt_sink_status sink_deliver(struct sink_under_test *s,
                                               const struct zt_sink_event *ev, size_t n,
                                               struct zt_sink_outcome *out)
{
    const struct zt_sink_batch b = {.ev = ev, .n = n};
    *out = (struct zt_sink_outcome){0};
    return s->type->deliver(s->state, &b, out);
}

/* Log entries of kind ("token", "ingest", "webhook") in order, at most max; returns how many. */
static inline size_t receiver_entries(struct json_object *log, const char *kind,
                                      struct json_object **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < json_object_array_length(log) && n < max; i++) {
        struct json_object *e = json_object_array_get_idx(log, i);
        const char *k = fixture_str(e, "kind");
        if (k && strcmp(k, kind) == 0) {
            out[n++] = e;
        }
    }
    return n;
}
