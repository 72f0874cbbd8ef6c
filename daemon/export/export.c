/* export.c - the export core: binding [sink:NAME], publishing a scan's events into the outbox,
 * and one delivery thread per sink that reads its batches, renders them in its format, hands
 * them to the sink and applies the retry policy. */
#include "export.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "event.h"
#include "log.h"
#include "model.h"
#include "outbox.h"
#include "sinks.h"
#include "util.h"

#define DEFAULT_BATCH     500u
#define BATCH_MAX         100000u
#define BATCH_BYTES_MAX   (8u * 1024u * 1024u) /* payload bytes read into one batch */
#define RETRY_BASE_MS     1000u
#define RETRY_CAP_MS      (5u * 60u * ZT_MS_PER_SEC)
#define ERROR_BASE_MS     (30u * ZT_MS_PER_SEC)
#define ERROR_CAP_MS      (10u * 60u * ZT_MS_PER_SEC)
#define RETRY_HINT_CAP_MS (60u * 60u * ZT_MS_PER_SEC)

/* The keys every [sink:NAME] takes; the rest belong to the sink type's table. */
struct common {
    char *type;
    char *format;
    char *findings;
    uint64_t batch;
    uint64_t timeout_ms;
};

const struct zt_option zt_sink_common_options[] = {
    {"type", ZT_OPT_STRING, NULL, offsetof(struct common, type), 0,
     "sink type (default: the section's NAME)"},
    {"format", ZT_OPT_STRING, NULL, offsetof(struct common, format), 0,
     "json (ztmmd.event/1), ocsf (Compliance Finding) or cef (default: the sink's)"},
    {"findings", ZT_OPT_STRING, "failing", offsetof(struct common, findings), 0,
     "failing: only findings that do not pass; all: every finding"},
    {"batch", ZT_OPT_UINT, "0", offsetof(struct common, batch), 0,
     "events per delivery at most (0: the sink's default)", 0, BATCH_MAX},
    {"timeout", ZT_OPT_DURATION, "30s", offsetof(struct common, timeout_ms), 0,
     "time limit of one delivery", 1, ZT_MS_PER_DAY},
    {.key = NULL},
};

struct xsink {
    struct zt_export *x;
    size_t idx;
    const struct zt_sink *type;
    char *name;
    struct common common;
    void *state;
    bool opened;
    enum zt_format format;
    struct zt_sink_env env;
    pthread_t thread;
    bool thread_started;
    /* the batch in flight (only the sink's thread touches these) */
    struct zt_outbox_record *recs;
    struct zt_sink_event *events;
    struct zt_event *parsed; /* the typed events the sink events borrow from */
    char **texts;
    size_t n, rejected; /* rejected: records that are no events (counted as dropped) */
    uint64_t upto;
    size_t cur_batch;
    unsigned failures;
    /* figures for status, under x->mu */
    char *last_error;
    uint64_t last_error_usec, next_attempt_usec; /* wall clock */
    uint64_t attempts;
};

struct zt_export {
    pthread_mutex_t mu;
    pthread_cond_t wake;    /* new events, or stopping */
    pthread_cond_t settled; /* a sink acknowledged or failed: flush() looks again */
    bool stopping;
    uint64_t gen; /* appends so far */
    struct zt_outbox *ob;
    struct zt_http_engine *http;
    struct xsink *sinks;
    size_t n_sinks;
    char hostname[256];
};

/* ---- binding ------------------------------------------------------------------------------- */

static int bind_err(const struct zt_sink_conf *c, unsigned line, char *err, size_t errlen,
                    const char *fmt, ...) _printf_(5, 6);

static int bind_err(const struct zt_sink_conf *c, unsigned line, char *err, size_t errlen,
                    const char *fmt, ...)
{
    char msg[384];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s:%u: [sink:%s] %s", c->file, line, c->name, msg);
    return -EINVAL;
}

/* The line of key in the section, or the section's own line. */
static unsigned key_line(const struct zt_sink_conf *c, const char *key)
{
    for (size_t i = 0; i < c->n_keys; i++) {
        if (zt_streq(c->keys[i], key)) {
            return c->lines[i];
        }
    }
    return c->line;
}

static void unbind(struct xsink *s)
{
    if (s->type && s->state) {
        zt_options_free(s->type->options, s->state);
    }
    free(s->state);
    s->state = NULL;
    zt_options_free(zt_sink_common_options, &s->common);
    free(s->name);
    s->name = NULL;
}

static int bind(const struct zt_sink_conf *c, struct xsink *s, char *err, size_t errlen)
{
    char msg[256];
    const char *type = c->type ? c->type : c->name;

    *s = (struct xsink){0};
    s->name = zt_xstrdup(c->name);
    zt_options_defaults(zt_sink_common_options, &s->common, msg, sizeof(msg));
    s->type = zt_sink_find(type);
    if (!s->type) {
        _cleanup_free_ char *known = NULL;
        for (size_t i = 0; zt_sinks[i]; i++) {
            char *k =
                zt_xasprintf("%s%s%s", known ? known : "", known ? ", " : "", zt_sinks[i]->name);
            free(known);
            known = k;
        }
        return bind_err(c, c->line, err, errlen, "unknown sink type '%s' (known: %s)", type, known);
    }
    s->state = zt_xcalloc(1, s->type->state_size ? s->type->state_size : 1);
    if (zt_options_defaults(s->type->options, s->state, msg, sizeof(msg)) < 0) {
        return bind_err(c, c->line, err, errlen, "%s", msg);
    }
    for (size_t i = 0; i < c->n_keys; i++) {
        const struct zt_option *o = zt_options_find(zt_sink_common_options, c->keys[i]);
        void *base = &s->common;
        if (!o) {
            o = zt_options_find(s->type->options, c->keys[i]);
            base = s->state;
        }
        if (!o) {
            return bind_err(c, c->lines[i], err, errlen, "unknown key '%s' for sink type '%s'",
                            c->keys[i], s->type->name);
        }
        if (zt_option_set(o, base, c->values[i], msg, sizeof(msg)) < 0) {
            return bind_err(c, c->lines[i], err, errlen, "%s", msg);
        }
    }
    for (const struct zt_option *o = s->type->options; o && o->key; o++) {
        if ((o->flags & ZT_OPT_REQUIRED) && !zt_option_is_set(o, s->state)) {
            return bind_err(c, c->line, err, errlen, "missing required key '%s' for sink type '%s'",
                            o->key, s->type->name);
        }
    }
    int f =
        s->common.format ? zt_format_from_string(s->common.format) : (int)s->type->default_format;
    if (f < 0) {
        return bind_err(c, key_line(c, "format"), err, errlen,
                        "format must be json, ocsf or cef, got '%s'", s->common.format);
    }
    if (!(s->type->formats & ZT_FORMAT_BIT(f))) {
        return bind_err(c, key_line(c, "format"), err, errlen,
                        "sink type '%s' cannot carry format '%s'", s->type->name,
                        zt_format_to_string((enum zt_format)f));
    }
    s->format = (enum zt_format)f;
    if (!zt_streq(s->common.findings, "failing") && !zt_streq(s->common.findings, "all")) {
        return bind_err(c, key_line(c, "findings"), err, errlen,
                        "findings must be failing or all, got '%s'", s->common.findings);
    }
    if (s->type->check && s->type->check(s->state, msg, sizeof(msg)) < 0) {
        return bind_err(c, c->line, err, errlen, "%s", msg);
    }
    s->cur_batch = s->common.batch          ? s->common.batch
                   : s->type->default_batch ? s->type->default_batch
                                            : DEFAULT_BATCH;
    return 0;
}

int zt_export_check_config(const struct zt_config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->n_sinks; i++) {
        struct xsink s;
        int r = bind(&cfg->sinks[i], &s, err, errlen);
        unbind(&s);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/* ---- delivery ------------------------------------------------------------------------------- */

static bool stopping(void *data)
{
    struct zt_export *x = data;
    return __atomic_load_n(&x->stopping, __ATOMIC_RELAXED);
}

static uint64_t jitter(uint64_t ms)
{
    uint64_t rnd = 0;
    if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
        rnd = zt_now_mono_usec();
    }
    return ms / 2 + (ms ? rnd % (ms / 2 + 1) : 0); /* equal jitter: [ms/2, ms] */
}

static uint64_t backoff_ms(unsigned failures, bool error)
{
    uint64_t ms = error ? ERROR_BASE_MS : RETRY_BASE_MS, cap = error ? ERROR_CAP_MS : RETRY_CAP_MS;
    for (unsigned i = 1; i < failures && ms < cap; i++) {
        ms *= 2;
    }
    return jitter(ms < cap ? ms : cap);
}

/* Free the first k events of the batch in flight and move the rest to the front. */
static void batch_drop_front(struct xsink *s, size_t k)
{
    zt_outbox_records_done(s->recs, k);
    for (size_t i = 0; i < k; i++) {
        free(s->texts[i]);
        zt_event_done(&s->parsed[i]);
    }
    memmove(s->recs, s->recs + k, (s->n - k) * sizeof(*s->recs));
    memmove(s->texts, s->texts + k, (s->n - k) * sizeof(*s->texts));
    memmove(s->parsed, s->parsed + k, (s->n - k) * sizeof(*s->parsed));
    memmove(s->events, s->events + k, (s->n - k) * sizeof(*s->events));
    s->n -= k;
}

/* Read the next batch and render it. Records that are no valid event cannot ever be delivered:
 * they are counted as rejected when the batch is acknowledged. */
static int batch_fill(struct xsink *s, char *err, size_t errlen)
{
    struct zt_export *x = s->x;
    size_t want = s->common.batch ? s->common.batch : s->cur_batch;
    want = want > s->cur_batch ? s->cur_batch : want;

    int n = zt_outbox_read(x->ob, s->idx, s->recs, want, BATCH_BYTES_MAX, &s->upto, err, errlen);
    if (n <= 0) {
        return n;
    }
    size_t k = 0;
    for (size_t i = 0; i < (size_t)n; i++) {
        struct zt_event ev;
        char perr[256];
        if (zt_event_parse(s->recs[i].payload, s->recs[i].len, &ev, perr, sizeof(perr)) < 0) {
            log_warning("export: sink %s: outbox record %llu dropped: %s", s->name,
                        (unsigned long long)s->recs[i].seq, perr);
            free(s->recs[i].payload);
            s->rejected++;
            continue;
        }
        size_t len = s->recs[i].len;
        /* The native event goes out as stored; other formats are rendered from the typed view. */
        char *text = s->format == ZT_FORMAT_JSON ? zt_xstrdup(s->recs[i].payload)
                                                 : zt_event_render(&ev, s->format, &len);
        s->recs[k] = s->recs[i];
        s->texts[k] = text;
        s->parsed[k] = ev;
        s->events[k] = (struct zt_sink_event){.id = ev.id,
                                              .kind = zt_event_kind_to_string(ev.kind),
                                              .function = ev.function,
                                              .stage = ev.stage,
                                              .host = ev.host,
                                              .time_usec = ev.time_usec,
                                              .severity = zt_event_severity(&ev),
                                              .text = text,
                                              .len = len};
        k++;
    }
    s->n = k;
    return (int)k + (int)s->rejected;
}

static void set_error(struct xsink *s, const char *msg)
{
    free(s->last_error);
    s->last_error = zt_xstrdup(msg);
    s->last_error_usec = zt_now_real_usec();
}

/* Acknowledge the first k events of the batch, rejected of them refused for good (all of it,
 * with what the reader passed over and the records that were no events, when k == n). */
static void batch_ack(struct xsink *s, size_t k, size_t rejected)
{
    char err[512];
    bool all = k == s->n;
    uint64_t seq = all ? s->upto : s->recs[k - 1].seq;
    uint64_t lost = zt_outbox_lost_upto(s->x->ob, s->idx), recovered = 0;

    for (size_t i = 0; i < k; i++) {
        recovered += s->recs[i].seq <= lost;
    }
    recovered = recovered > k - rejected ? k - rejected : recovered;
    if (zt_outbox_ack(s->x->ob, s->idx, seq, k - rejected, rejected + (all ? s->rejected : 0),
                      recovered, err, sizeof(err)) < 0) {
        log_warning("export: %s", err);
    }
    batch_drop_front(s, k);
    if (all) {
        s->rejected = 0;
    }
}

/* Forget the events in flight that the outbox bound deleted meanwhile: they are counted as
 * dropped, and sending them late would count them twice. */
static void batch_forget_lost(struct xsink *s)
{
    uint64_t lost = zt_outbox_lost_upto(s->x->ob, s->idx);
    size_t k = 0;

    while (k < s->n && s->recs[k].seq <= lost) {
        k++;
    }
    if (k) {
        log_warning("export: sink %s: %zu event(s) waiting for delivery were dropped by outbox_max",
                    s->name, k);
        batch_drop_front(s, k);
    }
}

static void wait_until(struct xsink *s, uint64_t mono_usec)
{
    struct zt_export *x = s->x;
    struct timespec ts;
    uint64_t gen = x->gen;

    ts = zt_usec_to_timespec(mono_usec);
    while (!x->stopping && (mono_usec == UINT64_MAX || zt_now_mono_usec() < mono_usec)) {
        int r = mono_usec == UINT64_MAX ? pthread_cond_wait(&x->wake, &x->mu)
                                        : pthread_cond_timedwait(&x->wake, &x->mu, &ts);
        if (r == ETIMEDOUT || (mono_usec == UINT64_MAX && x->gen != gen)) {
            break;
        }
    }
}

static void *sink_thread(void *data)
{
    struct xsink *s = data;
    struct zt_export *x = s->x;
    char err[512];

    pthread_mutex_lock(&x->mu);
    while (!x->stopping) {
        if (s->n == 0 && s->rejected == 0) {
            pthread_mutex_unlock(&x->mu);
            int n = batch_fill(s, err, sizeof(err));
            pthread_mutex_lock(&x->mu);
            if (n < 0) {
                set_error(s, err);
                s->failures++;
                wait_until(s, zt_now_mono_usec() + zt_ms_to_usec(backoff_ms(s->failures, false)));
                continue;
            }
            if (n == 0) {
                struct zt_outbox_cursor c;
                uint64_t pending;
                zt_outbox_cursor(x->ob, s->idx, &c, &pending);
                if (s->upto > c.acked) {
                    /* Only records this sink does not carry: move its position past them. */
                    zt_outbox_ack(x->ob, s->idx, s->upto, 0, 0, 0, err, sizeof(err));
                }
                pthread_cond_broadcast(&x->settled);
                uint64_t gen = x->gen;
                while (!x->stopping && x->gen == gen) {
                    pthread_cond_wait(&x->wake, &x->mu);
                }
                continue;
            }
        }
        batch_forget_lost(s);
        if (s->n == 0) {
            batch_ack(s, 0, 0); /* a batch of rejected or forgotten records only */
            pthread_cond_broadcast(&x->settled);
            continue;
        }
        size_t n = s->n < s->cur_batch ? s->n : s->cur_batch;
        struct zt_sink_batch b = {.ev = s->events, .n = n};
        struct zt_sink_outcome out = {0};
        s->attempts++;
        pthread_mutex_unlock(&x->mu);
        enum zt_sink_status st = s->type->deliver(s->state, &b, &out);
        pthread_mutex_lock(&x->mu);
        if (x->stopping) {
            break; /* the batch stays in the outbox: sent again at the next start */
        }
        if (st == ZT_SINK_OK) {
            size_t rej = out.rejected > n ? n : out.rejected;
            if (rej) {
                set_error(s, out.message[0] ? out.message : "events refused by the receiver");
                log_warning("export: sink %s: %zu event(s) refused for good: %s", s->name, rej,
                            s->last_error);
            }
            batch_ack(s, n, rej);
            s->failures = 0;
            s->next_attempt_usec = 0;
            pthread_cond_broadcast(&x->settled);
            continue;
        }
        size_t done = out.done > n ? n : out.done;
        if (done) {
            batch_ack(s, done, out.rejected > done ? done : out.rejected);
            n -= done;
        }
        if (st == ZT_SINK_RETRY && out.too_large && n == 1) {
            set_error(s, out.message[0] ? out.message : "an event is too large for the receiver");
            log_warning("export: sink %s: event %s dropped: %s", s->name, "(too large)",
                        s->last_error);
            batch_ack(s, 1, 1);
            pthread_cond_broadcast(&x->settled);
            continue;
        }
        if (st == ZT_SINK_RETRY && out.too_large) {
            s->cur_batch = n / 2 ? n / 2 : 1;
            log_info("export: sink %s: receiver refused the batch size; now %zu per batch", s->name,
                     s->cur_batch);
            continue;
        }
        s->failures++;
        set_error(s, out.message[0] ? out.message : "delivery failed");
        uint64_t delay =
            st == ZT_SINK_RETRY && out.retry_after_ms
                ? (out.retry_after_ms < RETRY_HINT_CAP_MS ? out.retry_after_ms : RETRY_HINT_CAP_MS)
                : backoff_ms(s->failures, st == ZT_SINK_ERROR);
        s->next_attempt_usec = zt_now_real_usec() + zt_ms_to_usec(delay);
        zt_log(s->failures == 1 ? LOG_WARNING : LOG_INFO,
               "export: sink %s: %s; %zu event(s) kept, next attempt in %llu ms", s->name,
               s->last_error, s->n, (unsigned long long)delay);
        pthread_cond_broadcast(&x->settled);
        wait_until(s, zt_now_mono_usec() + zt_ms_to_usec(delay));
    }
    pthread_mutex_unlock(&x->mu);
    return NULL;
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

int zt_export_new(const struct zt_config *cfg, struct zt_export **ret, char *err, size_t errlen)
{
    *ret = NULL;
    if (cfg->n_sinks == 0) {
        return 0;
    }
    _cleanup_(zt_export_freep) struct zt_export *x = zt_xcalloc(1, sizeof(*x));
    pthread_condattr_t ca;

    pthread_mutex_init(&x->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&x->wake, &ca);
    pthread_cond_init(&x->settled, &ca);
    pthread_condattr_destroy(&ca);
    if (gethostname(x->hostname, sizeof(x->hostname) - 1) < 0) {
        snprintf(x->hostname, sizeof(x->hostname), "localhost");
    }
    x->sinks = zt_xcalloc(cfg->n_sinks, sizeof(*x->sinks));
    x->n_sinks = cfg->n_sinks;
    _cleanup_free_ struct zt_outbox_sink *readers = zt_xcalloc(cfg->n_sinks, sizeof(*readers));
    for (size_t i = 0; i < cfg->n_sinks; i++) {
        int r = bind(&cfg->sinks[i], &x->sinks[i], err, errlen);
        if (r < 0) {
            return r;
        }
        readers[i] = (struct zt_outbox_sink){
            .name = x->sinks[i].name,
            .skip_flags = zt_streq(x->sinks[i].common.findings, "all") ? 0 : ZT_OUTBOX_PASSING};
    }
    int r = zt_outbox_open(cfg->daemon.state_dir, cfg->daemon.outbox_max, readers, cfg->n_sinks,
                           &x->ob, err, errlen);
    if (r < 0) {
        return r;
    }
    /* libcurl is loaded only for sinks that speak HTTP: a file or syslog sink never maps it. */
    bool http = false;
    for (size_t i = 0; i < x->n_sinks; i++) {
        http = http || (x->sinks[i].type->flags & ZT_SINK_USES_HTTP);
    }
    struct zt_http_limits lim;
    zt_http_limits_default(&lim);
    lim.max_attempts = 1; /* the export core retries, with the receivers' hints */
    lim.max_body = 4u * 1024u * 1024u;
    char why[256] = "";
    r = http ? zt_http_engine_new(&lim, &x->http, why, sizeof(why)) : 0;
    if (r < 0) {
        snprintf(err, errlen, "cannot start the HTTP engine of the export: %s", why);
        return r;
    }
    for (size_t i = 0; i < x->n_sinks; i++) {
        struct xsink *s = &x->sinks[i];
        char msg[384];
        s->x = x;
        s->idx = i;
        s->env = (struct zt_sink_env){.name = s->name,
                                      .type = s->type->name,
                                      .format = s->format,
                                      .batch = s->cur_batch,
                                      .timeout_ms = s->common.timeout_ms,
                                      .hostname = x->hostname,
                                      .http = (s->type->flags & ZT_SINK_USES_HTTP) ? x->http : NULL,
                                      .cancelled = stopping,
                                      .cancel_data = x};
        s->recs = zt_xcalloc(s->cur_batch, sizeof(*s->recs));
        s->events = zt_xcalloc(s->cur_batch, sizeof(*s->events));
        s->parsed = zt_xcalloc(s->cur_batch, sizeof(*s->parsed));
        s->texts = zt_xcalloc(s->cur_batch, sizeof(*s->texts));
        if (s->type->open && (r = s->type->open(s->state, &s->env, msg, sizeof(msg))) < 0) {
            snprintf(err, errlen, "[sink:%s] %s", s->name, msg);
            return r;
        }
        s->opened = true;
    }
    for (size_t i = 0; i < x->n_sinks; i++) {
        r = -pthread_create(&x->sinks[i].thread, NULL, sink_thread, &x->sinks[i]);
        if (r < 0) {
            snprintf(err, errlen, "cannot start the delivery thread of sink %s: %s",
                     x->sinks[i].name, strerror(-r));
            return r;
        }
        x->sinks[i].thread_started = true;
    }
    *ret = TAKE_PTR(x);
    return 0;
}

void zt_export_free(struct zt_export *x)
{
    if (!x) {
        return;
    }
    pthread_mutex_lock(&x->mu);
    __atomic_store_n(&x->stopping, true, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&x->wake);
    pthread_mutex_unlock(&x->mu);
    for (size_t i = 0; i < x->n_sinks; i++) {
        if (x->sinks[i].thread_started) {
            pthread_join(x->sinks[i].thread, NULL);
        }
    }
    for (size_t i = 0; i < x->n_sinks; i++) {
        struct xsink *s = &x->sinks[i];
        if (s->opened && s->type->close) {
            s->type->close(s->state);
        }
        if (s->recs) {
            batch_drop_front(s, s->n);
        }
        free(s->recs);
        free(s->parsed);
        free(s->events);
        free(s->texts);
        free(s->last_error);
        unbind(s);
    }
    free(x->sinks);
    zt_http_engine_free(x->http);
    zt_outbox_free(x->ob);
    pthread_cond_destroy(&x->wake);
    pthread_cond_destroy(&x->settled);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

void zt_export_freep(struct zt_export **x)
{
    zt_export_free(*x);
}

int zt_export_publish(struct zt_export *x, const struct zt_model *m, char *err, size_t errlen)
{
    char perr[256];
    char **lines = NULL;
    int r = 0;

    size_t n = zt_events_build(m, &lines);
    _cleanup_free_ size_t *lens = zt_xcalloc(n ? n : 1, sizeof(*lens));
    _cleanup_free_ unsigned *flags = zt_xcalloc(n ? n : 1, sizeof(*flags));
    for (size_t i = 0; i < n; i++) {
        struct zt_event ev;
        lens[i] = strlen(lines[i]);
        /* What is stored must read back: a bug here would lose events silently later. */
        if (zt_event_parse(lines[i], lens[i], &ev, perr, sizeof(perr)) < 0) {
            snprintf(err, errlen, "internal error: event %zu does not read back: %s", i, perr);
            r = -EBADMSG;
            break;
        }
        flags[i] = zt_event_is_failing_or_other(&ev) ? 0 : ZT_OUTBOX_PASSING;
        zt_event_done(&ev);
    }
    if (r == 0) {
        r = zt_outbox_append(x->ob, (const char *const *)lines, lens, flags, n, NULL, err, errlen);
    }
    for (size_t i = 0; i < n; i++) {
        free(lines[i]);
    }
    free(lines);
    if (r < 0) {
        return r;
    }
    pthread_mutex_lock(&x->mu);
    x->gen++;
    pthread_cond_broadcast(&x->wake);
    pthread_mutex_unlock(&x->mu);
    return (int)n;
}

static uint64_t total_pending(struct zt_export *x)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < x->n_sinks; i++) {
        struct zt_outbox_cursor c;
        uint64_t pending;
        zt_outbox_cursor(x->ob, i, &c, &pending);
        sum += pending;
    }
    return sum;
}

uint64_t zt_export_flush(struct zt_export *x, uint64_t timeout_ms)
{
    uint64_t end = zt_now_mono_usec() + zt_ms_to_usec(timeout_ms);
    struct timespec ts = zt_usec_to_timespec(end);

    pthread_mutex_lock(&x->mu);
    uint64_t left;
    while ((left = total_pending(x)) > 0 && zt_now_mono_usec() < end) {
        pthread_cond_timedwait(&x->settled, &x->mu, &ts);
    }
    pthread_mutex_unlock(&x->mu);
    return left;
}

size_t zt_export_figures(struct zt_export *x, struct zt_export_figures **ret)
{
    *ret = NULL;
    if (!x || x->n_sinks == 0) {
        return 0;
    }
    struct zt_export_figures *v = zt_xcalloc(x->n_sinks, sizeof(*v));
    pthread_mutex_lock(&x->mu);
    for (size_t i = 0; i < x->n_sinks; i++) {
        struct zt_outbox_cursor c;
        uint64_t pending;
        zt_outbox_cursor(x->ob, i, &c, &pending);
        v[i] = (struct zt_export_figures){.name = x->sinks[i].name,
                                          .type = x->sinks[i].type->name,
                                          .delivered = c.delivered,
                                          .pending = pending,
                                          .dropped = c.dropped};
    }
    pthread_mutex_unlock(&x->mu);
    *ret = v;
    return x->n_sinks;
}

struct json_object *zt_export_status(struct zt_export *x)
{
    struct json_object *arr = json_object_new_array();
    char ts[32];

    if (!x) {
        return arr;
    }
    pthread_mutex_lock(&x->mu);
    for (size_t i = 0; i < x->n_sinks; i++) {
        struct xsink *s = &x->sinks[i];
        struct zt_outbox_cursor c;
        uint64_t pending;
        struct json_object *o = json_object_new_object();
        zt_outbox_cursor(x->ob, i, &c, &pending);
        json_object_object_add(o, "name", json_object_new_string(s->name));
        json_object_object_add(o, "type", json_object_new_string(s->type->name));
        json_object_object_add(o, "format", json_object_new_string(zt_format_to_string(s->format)));
        json_object_object_add(o, "findings", json_object_new_string(s->common.findings));
        json_object_object_add(o, "delivered", json_object_new_int64((int64_t)c.delivered));
        json_object_object_add(o, "pending", json_object_new_int64((int64_t)pending));
        json_object_object_add(o, "dropped", json_object_new_int64((int64_t)c.dropped));
        json_object_object_add(o, "skipped", json_object_new_int64((int64_t)c.skipped));
        json_object_object_add(o, "attempts", json_object_new_int64((int64_t)s->attempts));
        json_object_object_add(o, "last_error",
                               s->last_error ? json_object_new_string(s->last_error) : NULL);
        json_object_object_add(o, "last_error_at",
                               s->last_error ? json_object_new_string(zt_format_rfc3339(
                                                   s->last_error_usec, ts, sizeof(ts)))
                                             : NULL);
        json_object_object_add(
            o, "next_attempt_at",
            s->next_attempt_usec && pending
                ? json_object_new_string(zt_format_rfc3339(s->next_attempt_usec, ts, sizeof(ts)))
                : NULL);
        json_object_array_add(arr, o);
    }
    pthread_mutex_unlock(&x->mu);
    return arr;
}
