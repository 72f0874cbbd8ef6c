/* sink_syslog.c - events to a syslog receiver (rsyslog, syslog-ng, a SIEM's collector) as
 * RFC 5424 messages: over udp:// one per datagram, over tcp:// and tls:// in octet-counting
 * frames (RFC 6587, RFC 5425), a batch written at once.
 *
 * On a stream a batch counts as delivered once the receiver's TCP has acknowledged its last
 * byte, and the connection still stands: TCP cannot say more (the receiver may still lose what
 * it acknowledged). Before each batch an idle connection is probed, so a receiver that went away
 * meanwhile is reconnected to instead of being written into a dead socket. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "crypto_load.h"
#include "log.h"
#include "sink_syslog.h"

#define UDP_CHUNK    64  /* datagrams per sendmmsg() */
#define UDP_PROBE_MS 200 /* after a refusal: how long the first datagram waits for another */

struct syslog_sink {
    char *url;
    char *ca_file;
    char *cert_file;
    char *key_file;
    char *facility;

    const struct zt_sink_env *env;
    struct zt_syslog_url u;
    struct zt_syslog_header hdr;
    char procid[24];
    char what[300];
    struct zt_syslog_conn conn;
    struct zt_syslog_buf out; /* the batch on the wire */
    size_t *ends;             /* where each event's frame ends in out */
    size_t ends_cap;
    bool udp_refused; /* the last UDP batch met an ICMP "port unreachable" */
};

static const struct zt_option syslog_options[] = {
    {"url", ZT_OPT_STRING, NULL, offsetof(struct syslog_sink, url), ZT_OPT_REQUIRED,
     "receiver: udp://HOST[:514], tcp://HOST[:601] or tls://HOST[:6514]"},
    {"ca_file", ZT_OPT_PATH, NULL, offsetof(struct syslog_sink, ca_file), 0,
     "tls://: PEM trust anchors for the receiver's certificate (default: the system store)"},
    {"cert_file", ZT_OPT_PATH, NULL, offsetof(struct syslog_sink, cert_file), 0,
     "tls://: PEM client certificate (chain) shown to the receiver, with key_file"},
    {"key_file", ZT_OPT_PATH, NULL, offsetof(struct syslog_sink, key_file), 0,
     "tls://: PEM private key of cert_file (owner root or ztmmd, mode 0600)"},
    {"facility", ZT_OPT_STRING, "local0", offsetof(struct syslog_sink, facility), 0,
     "facility of every message: kern ... local7 (the severity comes from each event)"},
    {.key = NULL},
};

static int syslog_check(const void *state, char *err, size_t errlen)
{
    const struct syslog_sink *s = state;
    struct zt_syslog_url u;

    int r = zt_syslog_url_parse(s->url, &u, err, errlen);
    if (r < 0) {
        return r;
    }
    if (zt_syslog_facility_from_string(s->facility) < 0) {
        snprintf(err, errlen,
                 "'facility' must be one of kern, user, mail, daemon, auth, syslog, lpr, news, "
                 "uucp, cron, authpriv, ftp, ntp, security, console, clock, local0 ... local7, "
                 "got '%s'",
                 s->facility ? s->facility : "");
        return -EINVAL;
    }
    if (u.transport != ZT_SYSLOG_TLS && (s->ca_file || s->cert_file || s->key_file)) {
        snprintf(err, errlen, "'%s' applies to tls:// only, and 'url' is %s://",
                 s->ca_file     ? "ca_file"
                 : s->cert_file ? "cert_file"
                                : "key_file",
                 zt_syslog_transport_to_string(u.transport));
        return -EINVAL;
    }
    if (!s->cert_file != !s->key_file) {
        snprintf(err, errlen, "'%s' needs '%s' (a client certificate and its key)",
                 s->cert_file ? "cert_file" : "key_file", s->cert_file ? "key_file" : "cert_file");
        return -EINVAL;
    }
    return 0;
}

static int tls_err(char *err, size_t errlen, const char *what, const char *path)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    snprintf(err, errlen, "%s %s: %s", what, path, r ? r : "not usable");
    ERR_clear_error();
    return -EINVAL;
}

/* The client key goes through the secret loader (ownership and mode checked), then memory. */
static int tls_use_key(SSL_CTX *ctx, const char *path, char *err, size_t errlen)
{
    _cleanup_(zt_secret_freep) char *pem = NULL;
    int r = zt_secret_read_file(path, ZT_SECRET_MAX, &pem, err, errlen);
    if (r < 0) {
        return r;
    }
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    r = key && SSL_CTX_use_PrivateKey(ctx, key) == 1 ? 0 : -EINVAL;
    EVP_PKEY_free(key);
    if (r < 0) {
        return tls_err(err, errlen, "cannot use the private key in 'key_file'", path);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        return tls_err(err, errlen, "'key_file' is not the key of 'cert_file'", path);
    }
    return 0;
}

static int tls_context(struct syslog_sink *s, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    int r = 0;

    if (!ctx) {
        snprintf(err, errlen, "cannot create a TLS context");
        return -ENOMEM;
    }
    s->conn.ctx = ctx;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (s->ca_file ? SSL_CTX_load_verify_locations(ctx, s->ca_file, NULL) != 1
                   : SSL_CTX_set_default_verify_paths(ctx) != 1) {
        return tls_err(err, errlen, "cannot load the trust anchors of 'ca_file'",
                       s->ca_file ? s->ca_file : "(system store)");
    }
    if (s->cert_file && SSL_CTX_use_certificate_chain_file(ctx, s->cert_file) != 1) {
        return tls_err(err, errlen, "cannot load the certificate in 'cert_file'", s->cert_file);
    }
    if (s->key_file) {
        r = tls_use_key(ctx, s->key_file, err, errlen);
    }
    return r;
}

static void syslog_close(void *state)
{
    struct syslog_sink *s = state;
    zt_syslog_conn_close(&s->conn);
    SSL_CTX_free(s->conn.ctx);
    s->conn.ctx = NULL;
    free(s->conn.ck);
    s->conn.ck = NULL;
    zt_syslog_buf_done(&s->out);
    free(s->ends);
    s->ends = NULL;
}

static int syslog_open(void *state, const struct zt_sink_env *env, char *err, size_t errlen)
{
    struct syslog_sink *s = state;

    int r = syslog_check(s, err, errlen);
    if (r < 0) {
        return r;
    }
    zt_syslog_url_parse(s->url, &s->u, err, errlen);
    s->env = env;
    snprintf(s->procid, sizeof(s->procid), "%ld", (long)getpid());
    s->hdr = (struct zt_syslog_header){.facility = zt_syslog_facility_from_string(s->facility),
                                       .hostname = env->hostname,
                                       .procid = s->procid};
    bool v6 = strchr(s->u.host, ':') != NULL;
    snprintf(s->what, sizeof(s->what), "%s://%s%s%s:%u",
             zt_syslog_transport_to_string(s->u.transport), v6 ? "[" : "", s->u.host, v6 ? "]" : "",
             (unsigned)s->u.port);
    s->conn = (struct zt_syslog_conn){.u = &s->u,
                                      .what = s->what,
                                      .ca_file = s->ca_file,
                                      .cancelled = env->cancelled,
                                      .cancel_data = env->cancel_data,
                                      .fd = -1};
    if (s->u.transport == ZT_SYSLOG_TLS && (r = tls_context(s, err, errlen)) < 0) {
        syslog_close(s);
        return r;
    }
    return 0;
}

/* The frames of a batch, one after the other in s->out; s->ends[i] where event i's ends. */
static void frames_build(struct syslog_sink *s, const struct zt_sink_batch *b)
{
    if (b->n > s->ends_cap) {
        s->ends_cap = b->n;
        s->ends = zt_xrealloc(s->ends, s->ends_cap * sizeof(*s->ends));
    }
    s->out.n = 0;
    for (size_t i = 0; i < b->n; i++) {
        zt_syslog_append(&s->out, &b->ev[i], &s->hdr, true);
        s->ends[i] = s->out.n;
    }
}

static size_t events_within(const struct syslog_sink *s, size_t n, uint64_t bytes)
{
    size_t k = 0;
    while (k < n && s->ends[k] <= bytes) {
        k++;
    }
    return k;
}

static enum zt_sink_status stream_deliver(struct syslog_sink *s, const struct zt_sink_batch *b,
                                          uint64_t deadline, struct zt_sink_outcome *out)
{
    struct zt_syslog_conn *c = &s->conn;

    if (c->fd >= 0) {
        int r = zt_syslog_conn_probe(c);
        if (r < 0) {
            /* An orderly close means the receiver had read everything; a reset does not. */
            zt_log(r == -ESHUTDOWN ? LOG_NOTICE : LOG_WARNING,
                   "export: sink %s: %s%s; reconnecting", s->env->name, c->message,
                   r == -ESHUTDOWN ? ""
                                   : " (the receiver may not have read all of the last batch)");
            zt_syslog_conn_close(c);
        }
    }
    if (c->fd < 0) {
        enum zt_sink_status st = zt_syslog_conn_open(c, deadline);
        if (st != ZT_SINK_OK) {
            snprintf(out->message, sizeof(out->message), "%s", c->message);
            return st;
        }
    }
    frames_build(s, b);
    int r = zt_syslog_conn_write(c, s->out.p, s->out.n, deadline);
    if (r == 0) {
        r = zt_syslog_conn_drain(c, deadline);
    }
    if (r == 0) {
        return ZT_SINK_OK;
    }
    /* What the receiver acknowledged is done when it is alive (slow) or closed in order; after
     * a reset the whole batch is sent again (same ids: duplicates, never a loss). */
    bool trust = r == -ETIMEDOUT || r == -ESHUTDOWN;
    out->done = trust ? events_within(s, b->n, zt_syslog_conn_acked(c)) : 0;
    snprintf(out->message, sizeof(out->message), "%s", c->message);
    zt_syslog_conn_close(c);
    return r == -ECONNREFUSED ? ZT_SINK_ERROR : ZT_SINK_RETRY;
}

/* One datagram per message, ZT_SYSLOG_UDP_MAX bytes at most: a larger event is dropped and
 * counted (a cut JSON object is no event). UDP says nothing of what arrives. */
static enum zt_sink_status udp_deliver(struct syslog_sink *s, const struct zt_sink_batch *b,
                                       uint64_t deadline, struct zt_sink_outcome *out)
{
    struct zt_syslog_conn *c = &s->conn;
    struct mmsghdr msgs[UDP_CHUNK];
    struct iovec iov[UDP_CHUNK];
    size_t at[UDP_CHUNK], first[UDP_CHUNK];

    if (c->fd < 0 && zt_syslog_conn_open(c, deadline) != ZT_SINK_OK) {
        snprintf(out->message, sizeof(out->message), "%s", c->message);
        return ZT_SINK_RETRY;
    }
    for (size_t i = 0; i < b->n;) {
        size_t k = 0, sent = 0, from = i, rejected = out->rejected;
        /* While the receiver may be down, one datagram goes alone and waits for a refusal: a
         * refused one is sent again later, so an outage costs nothing but this one probe. */
        size_t chunk = s->udp_refused ? 1 : UDP_CHUNK;
        s->out.n = 0;
        for (; i < b->n && k < chunk; i++) {
            size_t start = s->out.n, len = zt_syslog_append(&s->out, &b->ev[i], &s->hdr, false);
            if (len > ZT_SYSLOG_UDP_MAX) {
                s->out.n = start;
                out->rejected++;
                snprintf(out->message, sizeof(out->message),
                         "%s: event %s is %zu bytes, more than one datagram takes (%d): "
                         "dropped; use tcp:// or tls:// for events this large",
                         s->what, b->ev[i].id, len, ZT_SYSLOG_UDP_MAX);
                continue;
            }
            at[k] = start;
            iov[k].iov_len = len;
            first[k++] = i;
        }
        for (size_t j = 0; j < k; j++) { /* s->out no longer moves */
            iov[j].iov_base = s->out.p + at[j];
            msgs[j] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[j], .msg_iovlen = 1}};
        }
        int r = zt_syslog_conn_send(c, msgs, k, deadline, &sent);
        if (r == 0 && k && s->udp_refused) {
            uint64_t until = zt_now_mono_usec() + zt_ms_to_usec(UDP_PROBE_MS);
            r = zt_syslog_conn_refused(c, until < deadline ? until : deadline);
            sent = r < 0 ? 0 : k;
        }
        if (r < 0) {
            s->udp_refused = r == -ECONNREFUSED;
            out->done = sent < k ? first[sent] : i;
            /* Only the oversized events before the first one not sent are finished. */
            out->rejected = rejected + (out->done - from) - sent;
            snprintf(out->message, sizeof(out->message), "%s", c->message);
            return ZT_SINK_RETRY;
        }
        s->udp_refused = false;
    }
    return ZT_SINK_OK;
}

static enum zt_sink_status syslog_deliver(void *state, const struct zt_sink_batch *b,
                                          struct zt_sink_outcome *out)
{
    struct syslog_sink *s = state;
    uint64_t deadline = zt_now_mono_usec() + zt_ms_to_usec(s->env->timeout_ms);
    sigset_t pipe, old;
    struct timespec zero = {0};

    if (s->u.transport == ZT_SYSLOG_UDP) {
        return udp_deliver(s, b, deadline, out);
    }
    /* OpenSSL writes with write(): a receiver that reset the connection must not kill ztmmd
     * --once with SIGPIPE. Blocked on this thread only, and a SIGPIPE raised here consumed. */
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &old);
    enum zt_sink_status st = stream_deliver(s, b, deadline, out);
    while (sigtimedwait(&pipe, NULL, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return st;
}

const struct zt_sink zt_sink_syslog = {
    .name = "syslog",
    .summary = "RFC 5424 messages over UDP, TCP or TLS (octet counting) to a syslog receiver",
    .options = syslog_options,
    .state_size = sizeof(struct syslog_sink),
    .formats = ZT_FORMATS_ALL,
    .default_format = ZT_FORMAT_JSON,
    .check = syslog_check,
    .open = syslog_open,
    .deliver = syslog_deliver,
    .close = syslog_close,
};
