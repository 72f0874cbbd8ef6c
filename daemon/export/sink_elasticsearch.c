/* sink_elasticsearch.c - events to Elasticsearch through the _bulk API: POST {url}/_bulk with an
 * NDJSON body, a "create" action line and the event line per event, every line ending in "\n".
 * "create" with the event id as _id works for data streams too, and makes a resent event a
 * harmless 409 (already there). The answer is 200 even when items failed: each item says. */
#include <stdio.h>
#include <string.h>

#include "crypto_load.h"
#include "sink.h"
#include "sink_replies.h"

struct es_sink {
    char *url;
    char *index;
    char *api_key_file;
    char *username;
    char *password_file;
    char *credential;
    char *ca_file;

    const struct zt_sink_env *env;
    char *auth_header; /* "Authorization: ApiKey ..." or "... Basic ...": secret */
    char *bulk_url;
    char *what; /* "POST https://h:9200/_bulk", redacted */
};

static const struct zt_option es_options[] = {
    {"url", ZT_OPT_URL, NULL, offsetof(struct es_sink, url), ZT_OPT_REQUIRED,
     "Elasticsearch base URL (https://es.example.com:9200); /_bulk is appended"},
    {"index", ZT_OPT_STRING, "ztmmd-events", offsetof(struct es_sink, index), 0,
     "index, alias or data stream the events are created in"},
    {"api_key_file", ZT_OPT_PATH, NULL, offsetof(struct es_sink, api_key_file), 0,
     "file holding the API key, encoded as Elasticsearch returns it (base64 of id:key)"},
    {"username", ZT_OPT_STRING, NULL, offsetof(struct es_sink, username), 0,
     "user for basic authentication (with password_file)"},
    {"password_file", ZT_OPT_PATH, NULL, offsetof(struct es_sink, password_file), 0,
     "file holding the password of username (mode 0600)"},
    {"credential", ZT_OPT_STRING, NULL, offsetof(struct es_sink, credential), 0,
     "systemd credential holding the password (with username) or else the API key"},
    {"ca_file", ZT_OPT_PATH, NULL, offsetof(struct es_sink, ca_file), 0,
     "trust anchor PEM for the Elasticsearch certificate (default: the system store)"},
    {.key = NULL},
};

static bool set(const char *s)
{
    return s && s[0];
}

/* Elasticsearch's rules for index names (lowercase, none of \ / * ? " < > | , # : or space,
 * not starting with - _ +, not . or ..), so the name needs no JSON escaping. */
static bool index_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255 || strchr("-_+", s[0]) || zt_streq(s, ".") || zt_streq(s, "..")) {
        return false;
    }
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= 0x20 || ch == 0x7f || (ch >= 'A' && ch <= 'Z') || strchr("\\/*?\"<>|,#:", ch)) {
            return false;
        }
    }
    return true;
}

static int es_check(const void *state, char *err, size_t errlen)
{
    const struct es_sink *s = state;
    if (strstr(s->url, "/_bulk")) {
        snprintf(err, errlen,
                 "'url' is the Elasticsearch base URL (https://h:9200): /_bulk is added to it");
        return -EINVAL;
    }
    if (!index_name_ok(s->index)) {
        snprintf(err, errlen,
                 "'index' is not a valid Elasticsearch index name: lowercase, none of "
                 "\\ / * ? \" < > | , # : or space, not starting with - _ +");
        return -EINVAL;
    }
    if (set(s->api_key_file) && (set(s->username) || set(s->password_file))) {
        snprintf(err, errlen, "set 'api_key_file' or 'username' + 'password_file', not both");
        return -EINVAL;
    }
    if (set(s->password_file) && !set(s->username)) {
        snprintf(err, errlen, "'password_file' needs 'username'");
        return -EINVAL;
    }
    if (set(s->username) && !set(s->password_file) && !set(s->credential)) {
        snprintf(err, errlen, "'username' needs 'password_file' or 'credential'");
        return -EINVAL;
    }
    if (!set(s->api_key_file) && !set(s->username) && !set(s->credential)) {
        snprintf(err, errlen, "'api_key_file' or 'username' + 'password_file' is required");
        return -EINVAL;
    }
    return 0;
}

static int es_open(void *state, const struct zt_sink_env *env, char *err, size_t errlen)
{
    struct es_sink *s = state;
    bool basic = set(s->username);
    _cleanup_(zt_secret_freep) char *secret = NULL;
    char serr[256], red[256];

    s->env = env;
    int r = zt_secret_load(basic ? s->password_file : s->api_key_file, s->credential, &secret, serr,
                           sizeof(serr));
    if (r < 0) {
        snprintf(err, errlen, "%s: %s", basic ? "password" : "API key", serr);
        return r;
    }
    if (!secret[0] || strpbrk(secret, "\r\n")) {
        snprintf(err, errlen, "%s: the secret is empty or more than one line",
                 basic ? "password" : "API key");
        return -EINVAL;
    }
    if (basic) {
        _cleanup_(zt_secret_freep) char *pair = zt_xasprintf("%s:%s", s->username, secret);
        size_t n = strlen(pair);
        _cleanup_(zt_secret_freep) char *b64 = zt_xmalloc(4 * ((n + 2) / 3) + 1);
        EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)pair, (int)n);
        s->auth_header = zt_xasprintf("Authorization: Basic %s", b64);
    } else {
        s->auth_header = zt_xasprintf("Authorization: ApiKey %s", secret);
    }
    s->bulk_url = zt_url_join(s->url, "/_bulk");
    s->what = zt_xasprintf("POST %s", zt_http_redact_url(s->bulk_url, red, sizeof(red)));
    return 0;
}

/* The NDJSON body: per event an action line and the event line, each ending in "\n". */
static char *es_body(const struct es_sink *s, const struct zt_sink_batch *b, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f) {
        abort();
    }
    for (size_t i = 0; i < b->n; i++) {
        fprintf(f, "{\"create\":{\"_index\":\"%s\",\"_id\":\"%s\"}}\n", s->index, b->ev[i].id);
        fwrite(b->ev[i].text, 1, b->ev[i].len, f);
        fputc('\n', f);
    }
    if (fclose(f) != 0 || !buf) {
        abort();
    }
    return buf;
}

static bool item_ok(int status)
{
    return (status >= 200 && status < 300) || status == 409; /* 409: created before */
}

static bool item_retry(int status)
{
    return status == 429 || status >= 500;
}

/* Append "LEAD: item I (id ID): HTTP S type: reason" to m at *off. */
static void item_message(const struct zt_sink_batch *b, const struct zt_bulk_item *it, size_t i,
                         const char *lead, char *m, size_t ml, size_t *off)
{
    if (*off < ml) {
        int k = snprintf(m + *off, ml - *off, "%s: item %zu (id %s): HTTP %d %s: %s", lead, i,
                         b->ev[i].id, it->status, it->type[0] ? it->type : "error", it->reason);
        *off += k > 0 ? (size_t)k : 0;
    }
}

/* Read the items of a 200 answer into the outcome. The finished part is the leading items up
 * to the first one to try again (429, 5xx): those after it go again too, and the ones created
 * meanwhile then come back as 409, which is fine. */
static enum zt_sink_status es_items(const struct es_sink *s, const struct zt_sink_batch *b,
                                    const struct zt_sink_http_reply *reply,
                                    struct zt_sink_outcome *out)
{
    _cleanup_free_ struct zt_bulk_item *items = zt_xcalloc(b->n, sizeof(*items));
    char err[160], lead[96];
    char *m = out->message;
    size_t ml = sizeof(out->message), off = 0, rejected = 0, first_rejected = 0, retry_at;

    if (zt_bulk_reply_parse(reply->body, reply->body_len, items, b->n, err, sizeof(err)) < 0) {
        snprintf(m, ml, "%s: HTTP 200 but %s; the batch is sent again", s->what, err);
        return ZT_SINK_RETRY;
    }
    for (retry_at = 0; retry_at < b->n && !item_retry(items[retry_at].status); retry_at++) {
        if (!item_ok(items[retry_at].status) && rejected++ == 0) {
            first_rejected = retry_at;
        }
    }
    out->rejected = rejected;
    if (rejected == 0 && retry_at == b->n) {
        return ZT_SINK_OK;
    }
    off = (size_t)snprintf(m, ml, "%s: ", s->what);
    if (rejected) {
        snprintf(lead, sizeof(lead), "%zu of %zu events refused for good", rejected, b->n);
        item_message(b, &items[first_rejected], first_rejected, lead, m, ml, &off);
    }
    if (retry_at == b->n) {
        return ZT_SINK_OK;
    }
    out->done = retry_at;
    snprintf(lead, sizeof(lead), "%s%zu of %zu events finished, the rest is sent again",
             rejected ? "; " : "", retry_at, b->n);
    item_message(b, &items[retry_at], retry_at, lead, m, ml, &off);
    return ZT_SINK_RETRY;
}

static enum zt_sink_status es_deliver(void *state, const struct zt_sink_batch *b,
                                      struct zt_sink_outcome *out)
{
    struct es_sink *s = state;
    size_t len = 0;
    _cleanup_free_ char *body = es_body(s, b, &len);
    const char *headers[] = {s->auth_header, NULL};
    struct zt_sink_http_request req = {
        .url = s->bulk_url,
        .headers = headers,
        .body = body,
        .body_len = len,
        .content_type = "application/x-ndjson",
        .ca_file = s->ca_file,
    };
    struct zt_sink_http_reply reply;
    enum zt_sink_status st;
    char type[64], reason[256];

    int r = zt_sink_http_post(s->env, &req, &reply);
    if (r == 0 && reply.status == 200) {
        st = es_items(s, b, &reply, out);
    } else {
        st = zt_sink_http_outcome(r, &reply, s->what, out);
        if (r == 0 && st != ZT_SINK_OK &&
            zt_es_error_parse(reply.body, reply.body_len, type, sizeof(type), reason,
                              sizeof(reason)) == 0) {
            snprintf(out->message, sizeof(out->message), "%s: HTTP %ld: %s: %s%s", s->what,
                     reply.status, type[0] ? type : "error", reason,
                     reply.status == 401   ? " (check api_key_file, or username and password)"
                     : reply.status == 403 ? " (the key or user may not create in this index)"
                                           : "");
        }
    }
    zt_sink_http_reply_done(&reply);
    return st;
}

static void es_close(void *state)
{
    struct es_sink *s = state;
    zt_secret_freep(&s->auth_header);
    free(s->bulk_url);
    free(s->what);
    s->bulk_url = s->what = NULL;
}

const struct zt_sink zt_sink_elasticsearch = {
    .name = "elasticsearch",
    .flags = ZT_SINK_USES_HTTP,
    .summary = "Elasticsearch _bulk API (create actions, per-item results)",
    .options = es_options,
    .state_size = sizeof(struct es_sink),
    .formats = ZT_FORMATS_JSONS,
    .default_format = ZT_FORMAT_JSON,
    .check = es_check,
    .open = es_open,
    .deliver = es_deliver,
    .close = es_close,
};
