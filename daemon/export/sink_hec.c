/* sink_hec.c - events to a Splunk HTTP Event Collector: POST {url}/services/collector/event,
 * a batch as concatenated JSON envelopes (not an array), "Authorization: Splunk <token>".
 * With ack = yes (indexer acknowledgement), every request carries one stable channel GUID and
 * a batch counts as delivered only once the ack endpoint says its ackId is indexed. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "sd_load.h"
#include "crypto_load.h"
#include "sink.h"
#include "sink_replies.h"

#define ACK_POLL_FIRST_MS 200u
#define ACK_POLL_MAX_MS   2000u

struct hec_sink {
    char *url;
    char *token_file;
    char *credential;
    bool ack;
    char *index;
    char *sourcetype;
    char *ca_file;

    const struct zt_sink_env *env;
    char *token;       /* secret */
    char *auth_header; /* "Authorization: Splunk <token>": secret */
    char *event_url;
    char *ack_url;
    char channel[SD_ID128_UUID_STRING_MAX];
    char channel_header[64];
    char *what; /* "POST https://h:8088/services/collector/event", redacted */
};

static const struct zt_option hec_options[] = {
    {"url", ZT_OPT_URL, NULL, offsetof(struct hec_sink, url), ZT_OPT_REQUIRED,
     "HEC base URL (https://splunk.example.com:8088); /services/collector/event is appended"},
    {"token_file", ZT_OPT_PATH, NULL, offsetof(struct hec_sink, token_file), 0,
     "file holding the HEC token (mode 0600)"},
    {"credential", ZT_OPT_STRING, NULL, offsetof(struct hec_sink, credential), 0,
     "systemd credential holding the HEC token (instead of token_file)"},
    {"ack", ZT_OPT_BOOL, "no", offsetof(struct hec_sink, ack), 0,
     "wait for indexer acknowledgement (the token must have it enabled)"},
    {"index", ZT_OPT_STRING, NULL, offsetof(struct hec_sink, index), 0,
     "Splunk index of the events (default: the token's default index)"},
    {"sourcetype", ZT_OPT_STRING, "ztmmd", offsetof(struct hec_sink, sourcetype), 0,
     "sourcetype of the events"},
    {"ca_file", ZT_OPT_PATH, NULL, offsetof(struct hec_sink, ca_file), 0,
     "trust anchor PEM for the HEC certificate (default: the system store)"},
    {.key = NULL},
};

static int hec_check(const void *state, char *err, size_t errlen)
{
    const struct hec_sink *h = state;
    if (!(h->token_file && h->token_file[0]) && !(h->credential && h->credential[0])) {
        snprintf(err, errlen, "'token_file' or 'credential' is required");
        return -EINVAL;
    }
    if (strstr(h->url, "/services/collector")) {
        snprintf(err, errlen,
                 "'url' is the HEC base URL (https://h:8088): /services/collector/event is "
                 "added to it");
        return -EINVAL;
    }
    if (h->index && !h->index[0]) {
        snprintf(err, errlen, "'index' must not be empty (leave it out for the default)");
        return -EINVAL;
    }
    if (!h->sourcetype || !h->sourcetype[0]) {
        snprintf(err, errlen, "'sourcetype' must not be empty");
        return -EINVAL;
    }
    return 0;
}

/* One channel GUID per sink instance, stable across restarts without any state: the machine
 * id hashed (HMAC, by libsystemd) with an application id derived from the sink's name. HEC caps
 * the channels of a token, so a new GUID per run would use them up. */
static void hec_channel(const struct hec_sink *h, char *buf)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    sd_id128_t app, id;
    _cleanup_free_ char *seed = zt_xasprintf("ztmmd splunk_hec channel\n%s", h->env->name);

    SHA256((const unsigned char *)seed, strlen(seed), md);
    memcpy(app.bytes, md, sizeof(app.bytes));
    if (sd_id128_get_machine_app_specific(app, &id) < 0) {
        /* No /etc/machine-id (a bare container): the host name stands in for it. */
        _cleanup_free_ char *alt =
            zt_xasprintf("%s\n%s", seed, h->env->hostname ? h->env->hostname : "");
        SHA256((const unsigned char *)alt, strlen(alt), md);
        memcpy(id.bytes, md, sizeof(id.bytes));
        id.bytes[6] = (id.bytes[6] & 0x0f) | 0x40; /* a version 4 UUID, as libsystemd makes */
        id.bytes[8] = (id.bytes[8] & 0x3f) | 0x80;
    }
    sd_id128_to_uuid_string(id, buf);
}

static int hec_open(void *state, const struct zt_sink_env *env, char *err, size_t errlen)
{
    struct hec_sink *h = state;
    char red[256];
    char serr[256];

    h->env = env;
    int r = zt_secret_load(h->token_file, h->credential, &h->token, serr, sizeof(serr));
    if (r < 0) {
        snprintf(err, errlen, "HEC token: %s", serr);
        return r;
    }
    if (!h->token[0] || strpbrk(h->token, "\r\n \t")) {
        snprintf(err, errlen, "HEC token: %s holds no single token",
                 h->token_file ? h->token_file : "the credential");
        return -EINVAL;
    }
    h->auth_header = zt_xasprintf("Authorization: Splunk %s", h->token);
    int n = (int)zt_url_base_len(h->url);
    h->event_url = zt_xasprintf("%.*s/services/collector/event", n, h->url);
    hec_channel(h, h->channel);
    h->ack_url = zt_xasprintf("%.*s/services/collector/ack?channel=%s", n, h->url, h->channel);
    snprintf(h->channel_header, sizeof(h->channel_header), "X-Splunk-Request-Channel: %s",
             h->channel);
    h->what = zt_xasprintf("POST %s", zt_http_redact_url(h->event_url, red, sizeof(red)));
    return 0;
}

/* Append s as a JSON string. */
static void put_json_string(FILE *f, const char *s, size_t len)
{
    _cleanup_json_ struct json_object *o = json_object_new_string_len(s, (int)len);
    fputs(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
        f);
}

static void put_member(FILE *f, const char *key, const char *value)
{
    fprintf(f, ",\"%s\":", key);
    put_json_string(f, value, strlen(value));
}

/* The batch as concatenated envelopes, one a line. Returns the body (free it). */
static char *hec_body(const struct hec_sink *h, const struct zt_sink_batch *b, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f) {
        abort();
    }
    for (size_t i = 0; i < b->n; i++) {
        const struct zt_sink_event *e = &b->ev[i];
        fprintf(f, "{\"time\":%" PRIu64 ".%03u", e->time_usec / 1000000u,
                (unsigned)(e->time_usec % 1000000u / 1000u));
        put_member(f, "host", e->host ? e->host : h->env->hostname ? h->env->hostname : "");
        put_member(f, "source", "ztmmd");
        put_member(f, "sourcetype", h->sourcetype);
        if (h->index) {
            put_member(f, "index", h->index);
        }
        fputs(",\"event\":", f);
        if (h->env->format == ZT_FORMAT_CEF) {
            put_json_string(f, e->text, e->len);
        } else {
            fwrite(e->text, 1, e->len, f); /* already a JSON object */
        }
        fputs(",\"fields\":{\"kind\":", f);
        put_json_string(f, e->kind, strlen(e->kind));
        if (e->function) {
            put_member(f, "function", e->function);
        }
        put_member(f, "ztmm_id", e->id);
        fputs("}}\n", f);
    }
    if (fclose(f) != 0 || !buf) {
        abort();
    }
    return buf;
}

/* A message must never carry the token, whatever a receiver echoes. */
static void scrub(const struct hec_sink *h, char *msg)
{
    size_t n = h->token ? strlen(h->token) : 0;
    char *p;
    while (n >= 4 && (p = strstr(msg, h->token))) {
        memset(p, '*', n);
    }
}

#define TOKEN_REFUSED "the HEC token is refused; check token_file or credential"
#define NEEDS_CHANNEL                                                                              \
    "the token has indexer acknowledgement enabled, which needs a data channel: set ack = yes"

/* HEC codes with a meaning of their own; the others go by their HTTP status. */
static const struct {
    int code;
    enum zt_sink_status status;
    const char *hint;
} hec_codes[] = {
    {9, ZT_SINK_RETRY, "retrying later"}, /* server is busy (503) */
    {2, ZT_SINK_ERROR, TOKEN_REFUSED},    /* token is required */
    {3, ZT_SINK_ERROR, TOKEN_REFUSED},    /* invalid authorization */
    {4, ZT_SINK_ERROR, TOKEN_REFUSED},    /* invalid token */
    {10, ZT_SINK_ERROR, NEEDS_CHANNEL},   /* data channel is missing */
    {28, ZT_SINK_ERROR, NEEDS_CHANNEL},   /* the same, on Splunk Cloud */
    {14, ZT_SINK_ERROR, "ack = yes but the token has indexer acknowledgement disabled"},
    {7, ZT_SINK_ERROR, "check index"}, /* incorrect index */
};

/* What an HEC answer other than success means. */
static enum zt_sink_status hec_failure(int r, const struct zt_sink_http_reply *reply,
                                       const char *what, struct zt_sink_outcome *out)
{
    struct zt_hec_reply hr;
    long s = reply->status;
    char *m = out->message;
    size_t ml = sizeof(out->message);
    const char *hint = NULL;
    enum zt_sink_status st = s >= 500 || s == 429 || s == 408 ? ZT_SINK_RETRY : ZT_SINK_ERROR;

    if (r < 0 || s == 413 || zt_hec_reply_parse(reply->body, reply->body_len, &hr) < 0 ||
        !hr.has_code) {
        return zt_sink_http_outcome(r, reply, what, out);
    }
    for (size_t i = 0; i < ZT_ELEMENTSOF(hec_codes); i++) {
        if (hec_codes[i].code == hr.code) {
            st = hec_codes[i].status;
            hint = hec_codes[i].hint;
        }
    }
    int k = snprintf(m, ml, "%s: HTTP %ld, HEC code %d (%s)%s%s", what, s, hr.code, hr.text,
                     hint ? ": " : "", hint ? hint : "");
    if (hr.invalid_event >= 0 && k > 0 && (size_t)k < ml) {
        snprintf(m + k, ml - (size_t)k, " at event %ld of the batch", hr.invalid_event);
    }
    if (st == ZT_SINK_RETRY) {
        out->retry_after_ms = reply->has_retry_after ? reply->retry_after_ms : 0;
    }
    return st;
}

static uint64_t remaining_ms(uint64_t deadline)
{
    uint64_t now = zt_now_mono_usec();
    return now >= deadline ? 0 : zt_usec_to_ms(deadline - now);
}

static int hec_post(const struct hec_sink *h, const char *url, const char *body, size_t len,
                    uint64_t deadline, struct zt_sink_http_reply *reply)
{
    struct zt_sink_env env = *h->env;
    const char *headers[] = {h->auth_header, h->ack ? h->channel_header : NULL, NULL};
    struct zt_sink_http_request req = {
        .url = url,
        .headers = headers,
        .body = body,
        .body_len = len,
        .content_type = "application/json",
        .ca_file = h->ca_file,
    };
    env.timeout_ms = remaining_ms(deadline);
    if (env.timeout_ms == 0) {
        env.timeout_ms = 1;
    }
    return zt_sink_http_post(&env, &req, reply);
}

/* Sleep ms, in slices, unless cancelled or past deadline. Returns false when it should stop. */
static bool hec_wait(const struct hec_sink *h, uint64_t ms, uint64_t deadline)
{
    uint64_t until = zt_now_mono_usec() + zt_ms_to_usec(ms);
    if (until > deadline) {
        until = deadline;
    }
    for (;;) {
        if (h->env->cancelled && h->env->cancelled(h->env->cancel_data)) {
            return false;
        }
        uint64_t now = zt_now_mono_usec();
        if (now >= until) {
            return now < deadline;
        }
        uint64_t step = until - now < 50000u ? until - now : 50000u;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Poll the ack endpoint until ack_id is indexed or the deadline passes. */
static enum zt_sink_status hec_wait_ack(const struct hec_sink *h, uint64_t ack_id,
                                        uint64_t deadline, struct zt_sink_outcome *out)
{
    char body[64], red[300], what[340];
    uint64_t interval = ACK_POLL_FIRST_MS;
    unsigned polled = 0;
    int n = snprintf(body, sizeof(body), "{\"acks\":[%" PRIu64 "]}", ack_id);

    snprintf(what, sizeof(what), "POST %s", zt_http_redact_url(h->ack_url, red, sizeof(red)));
    for (unsigned polls = 1;; polls++) {
        if (!hec_wait(h, interval, deadline)) {
            break;
        }
        interval = interval * 2 > ACK_POLL_MAX_MS ? ACK_POLL_MAX_MS : interval * 2;
        struct zt_sink_http_reply reply;
        int r = hec_post(h, h->ack_url, body, (size_t)n, deadline, &reply);
        bool acked = false;
        if (r < 0 && zt_now_mono_usec() >= deadline) {
            /* The poll itself ran into the deadline: the same outcome as one more "not yet". */
            zt_sink_http_reply_done(&reply);
            break;
        }
        if (r < 0 || reply.status < 200 || reply.status >= 300) {
            enum zt_sink_status st = hec_failure(r, &reply, what, out);
            zt_sink_http_reply_done(&reply);
            return st;
        }
        r = zt_hec_acks_parse(reply.body, reply.body_len, ack_id, &acked);
        zt_sink_http_reply_done(&reply);
        if (r < 0) {
            snprintf(out->message, sizeof(out->message),
                     "%s: the answer does not say whether ackId %" PRIu64
                     " is indexed; the batch is sent again",
                     what, ack_id);
            return ZT_SINK_RETRY;
        }
        if (acked) {
            return ZT_SINK_OK;
        }
        polled = polls;
    }
    snprintf(out->message, sizeof(out->message),
             "%s: ackId %" PRIu64 " not acknowledged after %u polls within the timeout; "
             "the batch is sent again",
             what, ack_id, polled);
    return ZT_SINK_RETRY;
}

static enum zt_sink_status hec_deliver(void *state, const struct zt_sink_batch *b,
                                       struct zt_sink_outcome *out)
{
    struct hec_sink *h = state;
    uint64_t deadline = zt_now_mono_usec() + zt_ms_to_usec(h->env->timeout_ms);
    size_t len = 0;
    _cleanup_free_ char *body = hec_body(h, b, &len);
    struct zt_sink_http_reply reply;
    struct zt_hec_reply hr = {0};
    enum zt_sink_status st;

    int r = hec_post(h, h->event_url, body, len, deadline, &reply);
    if (r < 0 || reply.status < 200 || reply.status >= 300) {
        st = hec_failure(r, &reply, h->what, out);
    } else if (!h->ack) {
        st = ZT_SINK_OK;
    } else if (zt_hec_reply_parse(reply.body, reply.body_len, &hr) < 0 || !hr.has_ack_id) {
        snprintf(out->message, sizeof(out->message),
                 "%s: ack = yes but the answer has no ackId: enable indexer acknowledgement on "
                 "the HEC token, or set ack = no",
                 h->what);
        st = ZT_SINK_ERROR;
    } else {
        st = hec_wait_ack(h, hr.ack_id, deadline, out);
    }
    zt_sink_http_reply_done(&reply);
    scrub(h, out->message);
    return st;
}

static void hec_close(void *state)
{
    struct hec_sink *h = state;
    zt_secret_freep(&h->token);
    zt_secret_freep(&h->auth_header);
    free(h->event_url);
    free(h->ack_url);
    free(h->what);
    h->event_url = h->ack_url = h->what = NULL;
}

const struct zt_sink zt_sink_splunk_hec = {
    .name = "splunk_hec",
    .flags = ZT_SINK_USES_HTTP,
    .summary = "Splunk HTTP Event Collector, with optional indexer acknowledgement",
    .options = hec_options,
    .state_size = sizeof(struct hec_sink),
    .formats = ZT_FORMATS_ALL,
    .default_format = ZT_FORMAT_JSON,
    .check = hec_check,
    .open = hec_open,
    .deliver = hec_deliver,
    .close = hec_close,
};
