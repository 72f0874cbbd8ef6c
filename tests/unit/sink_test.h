/* sink_test.h - drive an HTTP sink against tests/fixtures/receivers.py from a cmocka test: start
 * a receiver (hec or es) with a JSON config, bind a sink's options, open it in a hand-made
 * environment on a one-attempt engine, and read the receiver's request log back. */
#pragma once

#include "test_http_fixture.h"

#include "sink.h"

#define FIXTURE_RECEIVERS ZT_SOURCE_DIR "/tests/fixtures/receivers.py"

/* Write text to dir/name with mode 0600 (secrets, configs); path receives the file's path. */
static inline void sink_test_file(const char *dir, const char *name, const char *text, char *path,
                                  size_t len)
{
    if (snprintf(path, len, "%s/%s", dir, name) >= (int)len) {
        fail_msg("path too long: %s/%s", dir, name);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(zt_write_all(fd, text, strlen(text)), 0);
    close(fd);
}

/* Start receivers.py --kind kind with config (JSON text) in the PKI dir made by fixture_pki(). */
static inline void sink_test_receiver(struct fixture *f, const char *dir, const char *kind,
                                      const char *config)
{
    char certs[PATH_MAX], conf[PATH_MAX];

    fixture_join(certs, sizeof(certs), dir, "/certs");
    sink_test_file(dir, "receiver.json", config, conf, sizeof(conf));
    if (snprintf(f->log, sizeof(f->log), "%s/receiver-%s.log", dir, kind) >= (int)sizeof(f->log)) {
        fail_msg("path too long: %s", dir);
    }
    unlink(f->log);
    char *argv[] = {"python3",    FIXTURE_RECEIVERS,
                    "serve",      "--kind",
                    (char *)kind, "--certs",
                    certs,        "--log",
                    f->log,       "--config",
                    conf,         "--idle-timeout",
                    "60",         NULL};
    fixture_spawn(f, argv, kind);
}

/* One opened sink instance: its state, environment and engine. */
struct sink_test {
    const struct zt_sink *sink;
    void *state;
    struct zt_sink_env env;
    struct zt_http_engine *http;
    bool cancel;
};

static inline bool sink_test_cancelled(void *data)
{
    return ((struct sink_test *)data)->cancel;
}

/* Bind kv (NULL-terminated key, value pairs) over the defaults of sink's table, check() them;
 * returns check()'s result with its message in err. */
static inline int sink_test_bind(struct sink_test *t, const struct zt_sink *sink,
                                 const char *const *kv, char *err, size_t errlen)
{
    *t = (struct sink_test){.sink = sink};
    t->state = zt_xcalloc(1, sink->state_size);
    assert_int_equal(zt_options_defaults(sink->options, t->state, err, errlen), 0);
    for (size_t i = 0; kv && kv[i]; i += 2) {
        const struct zt_option *o = zt_options_find(sink->options, kv[i]);
        if (!o) {
            fail_msg("%s has no option %s", sink->name, kv[i]);
        }
        assert_int_equal(zt_option_set(o, t->state, kv[i + 1], err, errlen), 0);
    }
    return sink->check ? sink->check(t->state, err, errlen) : 0;
}

/* Bind, check and open sink as instance name; returns open()'s result with its message in err. */
static inline int sink_test_open(struct sink_test *t, const struct zt_sink *sink, const char *name,
                                 enum zt_format format, uint64_t timeout_ms, const char *const *kv,
                                 char *err, size_t errlen)
{
    struct zt_http_limits l;

    assert_int_equal(sink_test_bind(t, sink, kv, err, errlen), 0);
    zt_http_limits_default(&l);
    l.max_attempts = 1;
    assert_int_equal(zt_http_engine_new(&l, &t->http, NULL, 0), 0);
    t->env = (struct zt_sink_env){
        .name = name,
        .type = sink->name,
        .format = format,
        .batch = 100,
        .timeout_ms = timeout_ms,
        .hostname = "collector.example",
        .http = t->http,
        .cancelled = sink_test_cancelled,
        .cancel_data = t,
    };
    return sink->open(t->state, &t->env, err, errlen);
}

static inline enum zt_sink_status sink_test_deliver(struct sink_test *t,
                                                    const struct zt_sink_event *ev, size_t n,
                                                    struct zt_sink_outcome *out)
{
    struct zt_sink_batch b = {.ev = ev, .n = n};
    *out = (struct zt_sink_outcome){0};
    return t->sink->deliver(t->state, &b, out);
}

/* close() (when opened), free the options and the engine. */
static inline void sink_test_close(struct sink_test *t)
{
    if (t->sink->close && t->http) {
        t->sink->close(t->state);
    }
    zt_options_free(t->sink->options, t->state);
    free(t->state);
    zt_http_engine_free(t->http);
    *t = (struct sink_test){0};
}

/* A hand-made event: id "<32 hex of n>", text as given. */
static inline struct zt_sink_event sink_test_event(char *idbuf, unsigned n, const char *kind,
                                                   const char *function, const char *text)
{
    snprintf(idbuf, 33, "%032x", n);
    return (struct zt_sink_event){
        .id = idbuf,
        .kind = kind,
        .function = function,
        .stage = function ? "initial" : NULL,
        .host = "host1.example",
        .time_usec = 1700000000123456ull + n * 1000000ull,
        .text = text,
        .len = strlen(text),
    };
}
