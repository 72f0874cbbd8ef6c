/* sink.h - the one header a sink includes: its static description with an option table, the
 * environment it is opened in, and the batch of rendered events it delivers.
 *
 * The export core (export.c) owns everything else: the durable outbox, the per-sink
 * acknowledged position, rendering events in the sink's format, batching, and the retry policy.
 * A sink only turns a batch into bytes on its wire and says how the receiver answered. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "options.h"
#include "secret.h"
#include "util.h"

/* Event formats (`format =` of a sink). */
enum zt_format {
    ZT_FORMAT_JSON, /* the native ztmmd.event/1 object */
    ZT_FORMAT_OCSF, /* OCSF 1.8.0 Compliance Finding (class_uid 2003) */
    ZT_FORMAT_CEF,  /* ArcSight CEF:0 line */
    _ZT_FORMAT_MAX,
};
#define ZT_FORMAT_BIT(f) (1u << (f))
#define ZT_FORMATS_ALL                                                                             \
    (ZT_FORMAT_BIT(ZT_FORMAT_JSON) | ZT_FORMAT_BIT(ZT_FORMAT_OCSF) | ZT_FORMAT_BIT(ZT_FORMAT_CEF))
#define ZT_FORMATS_JSONS (ZT_FORMAT_BIT(ZT_FORMAT_JSON) | ZT_FORMAT_BIT(ZT_FORMAT_OCSF))

const char *zt_format_to_string(enum zt_format f);
int zt_format_from_string(const char *s); /* the format or -EINVAL */

/* One event of a batch, borrowed for the deliver() call. */
struct zt_sink_event {
    const char *id;       /* 32 hex digits, stable: a resent event carries the same id */
    const char *kind;     /* "scan", "function", "finding" or "drift" */
    const char *function; /* function id ("identity.authentication"), or NULL */
    const char *stage;    /* stage the event is about (see docs/events.md), or NULL */
    const char *host;     /* the scanned host */
    uint64_t time_usec;   /* event time (the end of its scan), wall clock */
    int severity;         /* OCSF severity_id: 0 Unknown, 1 Informational ... 4 High */
    const char *text;     /* the event rendered in the sink's format: one line, no newline; a
                           * JSON object for json and ocsf, a CEF line for cef */
    size_t len;
};

struct zt_sink_batch {
    const struct zt_sink_event *ev;
    size_t n; /* at least 1, at most the sink's `batch` */
};

enum zt_sink_status {
    ZT_SINK_OK,    /* the receiver took the batch (out->rejected of it refused for good) */
    ZT_SINK_RETRY, /* a passing failure (down, busy, throttled): try again later */
    ZT_SINK_ERROR, /* the receiver refuses us (wrong token, bad URL): retried slowly, and shown
                    * as the sink's last error until someone fixes the configuration */
};

/* What deliver() reports besides its status. The core zeroes it before each call. */
struct zt_sink_outcome {
    /* RETRY or ERROR: how many leading events of the batch are nonetheless finished (a receiver
     * that took part of a batch); they are not sent again. OK: ignored (all are finished). */
    size_t done;
    /* Of the finished events, how many the receiver refused for good (a malformed-document
     * error for one item of a bulk request): counted as dropped, with message as last error. */
    size_t rejected;
    /* RETRY: the wait the receiver asked for (Retry-After & co), 0 = the core's own backoff. */
    uint64_t retry_after_ms;
    /* RETRY: the receiver refused the size of the batch (HTTP 413): the core halves the batch
     * for this sink; a single event too large for the receiver is dropped and counted. */
    bool too_large;
    /* RETRY, ERROR, or OK with rejections: one line for logs and `ztmmctl status`, naming the
     * sink's URL (redacted) and the receiver's reason. Never a secret. */
    char message[512];
};

/* What a sink is opened with; borrowed, valid until close(). */
struct zt_sink_env {
    const char *name; /* the instance: [sink:NAME] */
    const char *type; /* the sink type */
    enum zt_format format;
    size_t batch;         /* events per deliver() at most (`batch =`) */
    uint64_t timeout_ms;  /* bound of one deliver() call (`timeout =`) */
    const char *hostname; /* this machine */
    /* The export's HTTP engine: one attempt per call (the core retries, not the engine); NULL
     * unless the sink type has ZT_SINK_USES_HTTP. */
    struct zt_http_engine *http;
    /* Polled during long waits: true when the export is stopping (reload, shutdown). */
    bool (*cancelled)(void *data);
    void *cancel_data;
};

/* A sink type: one `const struct zt_sink zt_sink_NAME` per type (not static: the table refers to
 * it), listed with one line X(NAME) in ZT_SINK_TYPES (sinks.h); docs/WRITING_A_SINK.md.
 * The core allocates state_size zeroed bytes per [sink:NAME], binds the options table into it
 * (defaults first, then the section's keys; the common keys type, format, findings, batch and
 * timeout are the core's and never reach the table), and calls:
 *   check()   at config load: validate combinations of options (optional);
 *   open()    when the export starts (service start, SIGHUP, ztmmd --once): read secrets,
 *             connect lazily or not at all; fail only for errors no retry can cure;
 *   deliver() on the export's delivery thread, one batch at a time, never concurrently for one
 *             instance; must return within env->timeout_ms (plus a small margin);
 *   close()   when the export stops: free what open() and deliver() kept (optional).
 * Options bound through the table are freed by the core. */
enum {
    /* The sink talks HTTPS through env->http: the export starts its HTTP engine (and so loads
     * libcurl) only when some configured sink has this flag; without it env->http is NULL. */
    ZT_SINK_USES_HTTP = 1u << 0,
};

struct zt_sink {
    const char *name;    /* type name: `type = NAME` */
    const char *summary; /* one line for `ztmmctl options` and the docs */
    const struct zt_option *options;
    size_t state_size;
    unsigned flags;   /* ZT_SINK_* */
    unsigned formats; /* ZT_FORMAT_BIT()s this sink can carry */
    enum zt_format default_format;
    size_t default_batch; /* 0: the core's default */
    /* Return 0, or a negative errno with a message (naming the key) in err. */
    int (*check)(const void *state, char *err, size_t errlen);
    int (*open)(void *state, const struct zt_sink_env *env, char *err, size_t errlen);
    enum zt_sink_status (*deliver)(void *state, const struct zt_sink_batch *b,
                                   struct zt_sink_outcome *out);
    void (*close)(void *state);
};

/* ---- for HTTP sinks (sink_http.c) ----------------------------------------------------------- */

struct zt_sink_http_request {
    const char *url;            /* https:// */
    const char *const *headers; /* NULL-terminated "Name: value" list, or NULL */
    const char *body;
    size_t body_len;
    const char *content_type;           /* default application/json */
    const char *ca_file;                /* trust anchor, NULL = system store */
    const struct zt_oauth_config *auth; /* adds "Authorization: Bearer" (cached token) */
    bool sensitive;                     /* body holds secrets (never for events) */
};

struct zt_sink_http_reply {
    long status; /* 0 when no response arrived */
    char *body;  /* response body, NUL-terminated (free with zt_sink_http_reply_done) */
    size_t body_len;
    bool has_retry_after; /* Retry-After (seconds or HTTP-date) was sent */
    uint64_t retry_after_ms;
    char message[512]; /* transport failure: "POST https://h/x: Connection refused" */
};

/* POST req within env's timeout and cancellation, one attempt. Every HTTP status comes back in
 * reply (none is an error here). Returns 0 when a response arrived, or a negative errno (reply
 * message set) when none did. */
int zt_sink_http_post(const struct zt_sink_env *env, const struct zt_sink_http_request *req,
                      struct zt_sink_http_reply *reply);
void zt_sink_http_reply_done(struct zt_sink_http_reply *reply);

/* The usual reading of an HTTP answer, for statuses a sink gives no meaning of its own: 2xx OK;
 * 413 RETRY with too_large; 408, 429 and 5xx RETRY with the Retry-After hint; a transport
 * failure (r < 0) RETRY; anything else ERROR. out->message names what ("POST https://h/_bulk"),
 * the status and an excerpt of the body. */
enum zt_sink_status zt_sink_http_outcome(int r, const struct zt_sink_http_reply *reply,
                                         const char *what, struct zt_sink_outcome *out);
