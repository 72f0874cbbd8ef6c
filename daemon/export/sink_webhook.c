/* sink_webhook.c - events POSTed to any HTTPS endpoint, signed: one request per batch, its body a
 * JSON array (json, ocsf) or newline-terminated CEF lines, with
 *   X-Ztmmd-Signature: sha256=<lowercase hex HMAC-SHA256 of the exact body bytes>
 *   X-Ztmmd-Batch: <number of events in the body>
 * so the receiver can tell the request comes from a holder of the shared key. */
#include <stdio.h>
#include <string.h>

#include "crypto_load.h"
#include "sink.h"

struct webhook_sink {
    char *url;
    char *hmac_key_file;
    char *credential;
    char *ca_file;
    const struct zt_sink_env *env;
    char *key;
    size_t key_len;
    char what[320]; /* "POST <url>" for messages */
};

static const struct zt_option webhook_options[] = {
    {"url", ZT_OPT_URL, NULL, offsetof(struct webhook_sink, url), ZT_OPT_REQUIRED,
     "HTTPS endpoint the batches are POSTed to"},
    {"hmac_key_file", ZT_OPT_PATH, NULL, offsetof(struct webhook_sink, hmac_key_file), 0,
     "file holding the HMAC-SHA256 signing key (owner root or ztmmd, mode 0600)"},
    {"credential", ZT_OPT_STRING, NULL, offsetof(struct webhook_sink, credential), 0,
     "systemd credential (LoadCredential=) holding the signing key"},
    {"ca_file", ZT_OPT_PATH, NULL, offsetof(struct webhook_sink, ca_file), 0,
     "PEM trust anchor replacing the system store"},
    {.key = NULL},
};

static int webhook_check(const void *state, char *err, size_t errlen)
{
    const struct webhook_sink *w = state;

    if (!!w->hmac_key_file + !!w->credential != 1) {
        snprintf(err, errlen, "set exactly one of 'hmac_key_file' or 'credential'");
        return -EINVAL;
    }
    return 0;
}

static void webhook_close(void *state)
{
    struct webhook_sink *w = state;
    zt_secret_free(w->key);
    w->key = NULL;
    w->key_len = 0;
}

static int webhook_open(void *state, const struct zt_sink_env *env, char *err, size_t errlen)
{
    struct webhook_sink *w = state;
    char u[256];

    int r = webhook_check(w, err, errlen);
    if (r < 0) {
        return r;
    }
    r = zt_secret_load(w->hmac_key_file, w->credential, &w->key, err, errlen);
    if (r < 0) {
        return r;
    }
    w->key_len = strlen(w->key);
    if (w->key_len == 0) {
        webhook_close(w);
        snprintf(err, errlen, "the HMAC key in %s is empty",
                 w->hmac_key_file ? w->hmac_key_file : w->credential);
        return -EINVAL;
    }
    w->env = env;
    snprintf(w->what, sizeof(w->what), "POST %s", zt_http_redact_url(w->url, u, sizeof(u)));
    return 0;
}

/* The body of a batch: [e1,e2,...] for JSON formats, "line\n" per event for CEF. */
static char *body_new(const struct zt_sink_batch *b, bool json, size_t *len)
{
    size_t total = json ? 2 : 0;

    for (size_t i = 0; i < b->n; i++) {
        total += b->ev[i].len + (json ? (i > 0) : 1);
    }
    char *buf = zt_xmalloc(total + 1), *p = buf;
    if (json) {
        *p++ = '[';
    }
    for (size_t i = 0; i < b->n; i++) {
        if (json && i > 0) {
            *p++ = ',';
        }
        memcpy(p, b->ev[i].text, b->ev[i].len);
        p += b->ev[i].len;
        if (!json) {
            *p++ = '\n';
        }
    }
    if (json) {
        *p++ = ']';
    }
    *p = '\0';
    *len = total;
    return buf;
}

/* "sha256=<hex>" of body under key into sig (at least 72 bytes). Returns 0 or -EIO. */
static int sign(const char *key, size_t key_len, const char *body, size_t len, char *sig,
                size_t siglen)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)body, len, md, &mdlen) ||
        siglen < 8 + 2 * (size_t)mdlen) {
        return -EIO;
    }
    memcpy(sig, "sha256=", 7);
    for (unsigned i = 0; i < mdlen; i++) {
        snprintf(sig + 7 + 2 * i, 3, "%02x", md[i]);
    }
    explicit_bzero(md, sizeof(md));
    return 0;
}

static enum zt_sink_status webhook_deliver(void *state, const struct zt_sink_batch *b,
                                           struct zt_sink_outcome *out)
{
    struct webhook_sink *w = state;
    bool json = w->env->format != ZT_FORMAT_CEF;
    char sig[80], sighdr[128], batchhdr[48];
    size_t len = 0;

    _cleanup_free_ char *body = body_new(b, json, &len);
    if (sign(w->key, w->key_len, body, len, sig, sizeof(sig)) < 0) {
        snprintf(out->message, sizeof(out->message), "%s: cannot compute the HMAC-SHA256", w->what);
        return ZT_SINK_RETRY;
    }
    snprintf(sighdr, sizeof(sighdr), "X-Ztmmd-Signature: %s", sig);
    snprintf(batchhdr, sizeof(batchhdr), "X-Ztmmd-Batch: %zu", b->n);
    const char *headers[] = {sighdr, batchhdr, NULL};
    const struct zt_sink_http_request req = {
        .url = w->url,
        .headers = headers,
        .body = body,
        .body_len = len,
        .content_type = json ? "application/json" : "text/plain; charset=utf-8",
        .ca_file = w->ca_file,
    };
    struct zt_sink_http_reply reply;
    int r = zt_sink_http_post(w->env, &req, &reply);
    enum zt_sink_status s = zt_sink_http_outcome(r, &reply, w->what, out);
    zt_sink_http_reply_done(&reply);
    return s;
}

const struct zt_sink zt_sink_webhook = {
    .name = "webhook",
    .flags = ZT_SINK_USES_HTTP,
    .summary = "POST batches to an HTTPS endpoint, signed with HMAC-SHA256",
    .options = webhook_options,
    .state_size = sizeof(struct webhook_sink),
    .formats = ZT_FORMATS_ALL,
    .default_format = ZT_FORMAT_JSON,
    .check = webhook_check,
    .open = webhook_open,
    .deliver = webhook_deliver,
    .close = webhook_close,
};
