/* sink_syslog_conn.c - the syslog sink's connection: a non-blocking socket (UDP, TCP, or TCP
 * with TLS through OpenSSL) whose every wait is bounded by a deadline and polled for
 * cancellation, a probe that tells a live receiver from one that closed or reset, and the count
 * of bytes the receiver's TCP has acknowledged (what "delivered" can mean on a stream). */
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "crypto_load.h"
#include "sink_syslog.h"
#include "util.h"

#define SLICE_MS   200u /* waits are cut in slices to notice a cancellation */
#define VERDICT_MS 250u /* TLS 1.3: time given to the receiver to refuse our certificate */

static bool cancelled(const struct zt_syslog_conn *c)
{
    return c->cancelled && c->cancelled(c->cancel_data);
}

/* Wait until fd is ready for events or deadline (monotonic usec) passes. Returns the revents,
 * -ETIMEDOUT, -ECANCELED, or -errno. */
static int wait_fd(const struct zt_syslog_conn *c, short events, uint64_t deadline)
{
    for (;;) {
        uint64_t now = zt_now_mono_usec();
        if (cancelled(c)) {
            return -ECANCELED;
        }
        if (now >= deadline) {
            return -ETIMEDOUT;
        }
        uint64_t ms = zt_usec_to_ms_ceil(deadline - now);
        struct pollfd p = {.fd = c->fd, .events = events};
        int k = poll(&p, 1, (int)(ms < SLICE_MS ? ms : SLICE_MS));
        if (k > 0) {
            return p.revents;
        }
        if (k < 0 && errno != EINTR) {
            return -errno;
        }
    }
}

/* The OpenSSL reason of the last failure, or strerror(errno) for a system call. */
static const char *tls_reason(char *buf, size_t len, int saved_errno)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;

    if (r) {
        snprintf(buf, len, "%s", r);
    } else if (e) {
        ERR_error_string_n(e, buf, len);
    } else {
        snprintf(buf, len, "%s", saved_errno ? strerror(saved_errno) : "connection closed");
    }
    ERR_clear_error();
    return buf;
}

static int conn_msg(struct zt_syslog_conn *c, int r, const char *fmt, ...) _printf_(3, 4);

/* Set c->message to "URL: what" and return r. */
static int conn_msg(struct zt_syslog_conn *c, int r, const char *fmt, ...)
{
    char what[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(c->message, sizeof(c->message), "%s: %s", c->what, what);
    return r;
}

void zt_syslog_conn_close(struct zt_syslog_conn *c)
{
    if (c->ssl) {
        /* One attempt at close_notify: the socket never blocks, and a dead peer is fine. */
        ERR_clear_error();
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        ERR_clear_error();
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    c->fd = -1;
    c->wire = 0;
}

static int connect_one(struct zt_syslog_conn *c, const struct addrinfo *ai, uint64_t deadline)
{
    c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (c->fd < 0) {
        return -errno;
    }
    if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno != EINPROGRESS) {
            return -errno;
        }
        int r = wait_fd(c, POLLOUT, deadline);
        if (r < 0) {
            return r;
        }
        int e = 0;
        socklen_t len = sizeof(e);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0) {
            return -errno;
        }
        if (e) {
            return -e;
        }
    }
    if (ai->ai_socktype == SOCK_STREAM) {
        /* A batch's last segment goes out at once: the acknowledgement wait needs it. */
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    return 0;
}

/* Whether the receiver refused the connection (an alert, an unexpected close) as opposed to a
 * passing failure: verification and alerts need an operator. */
static enum zt_sink_status tls_failure(struct zt_syslog_conn *c, const char *stage, int err)
{
    char reason[256];
    long v = SSL_get_verify_result(c->ssl);

    if (v != X509_V_OK) {
        conn_msg(c, 0, "%s: certificate verify failed: %s (%s)", stage,
                 X509_verify_cert_error_string(v),
                 c->ca_file ? "check ca_file and the host in url"
                            : "check the host in url, or set ca_file");
        ERR_clear_error();
        return ZT_SINK_ERROR;
    }
    bool alert = err == SSL_ERROR_SSL && ERR_peek_last_error() != 0;
    conn_msg(c, 0, "%s: %s", stage, tls_reason(reason, sizeof(reason), errno));
    return alert ? ZT_SINK_ERROR : ZT_SINK_RETRY;
}

static enum zt_sink_status tls_handshake(struct zt_syslog_conn *c, uint64_t deadline)
{
    c->ssl = SSL_new(c->ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
        conn_msg(c, 0, "%s", "cannot set up TLS");
        return ZT_SINK_RETRY;
    }
    if (c->u->literal) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), c->u->host);
    } else {
        SSL_set_tlsext_host_name(c->ssl, c->u->host);
        SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        SSL_set1_host(c->ssl, c->u->host);
    }
    for (;;) {
        ERR_clear_error();
        int r = SSL_connect(c->ssl);
        if (r == 1) {
            break;
        }
        int e = SSL_get_error(c->ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            return tls_failure(c, "TLS handshake", e);
        }
        int w = wait_fd(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
        if (w < 0) {
            conn_msg(c, 0, "TLS handshake: %s", strerror(-w));
            return ZT_SINK_RETRY;
        }
    }
    if (SSL_version(c->ssl) < TLS1_3_VERSION) {
        return ZT_SINK_OK; /* TLS 1.2: the receiver judged our certificate in the handshake */
    }
    /* TLS 1.3 ends the handshake before the receiver has checked our certificate: give it a
     * moment to refuse (an alert) or accept (it sends session tickets), so a batch is not
     * written into a connection it is about to drop. */
    uint64_t until = zt_now_mono_usec() + zt_ms_to_usec(VERDICT_MS);
    int w = wait_fd(c, POLLIN, until < deadline ? until : deadline);
    if (w == -ECANCELED) {
        conn_msg(c, 0, "%s", "cancelled");
        return ZT_SINK_RETRY;
    }
    int r = zt_syslog_conn_probe(c);
    if (r < 0) {
        /* The probe wrote its message; a refusal (alert) needs an operator. */
        return r == -ECONNREFUSED ? ZT_SINK_ERROR : ZT_SINK_RETRY;
    }
    return ZT_SINK_OK;
}

enum zt_sink_status zt_syslog_conn_open(struct zt_syslog_conn *c, uint64_t deadline)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype =
                                 c->u->transport == ZT_SYSLOG_UDP ? SOCK_DGRAM : SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | (c->u->literal ? AI_NUMERICHOST : 0)};
    struct addrinfo *res = NULL;
    char port[8];
    int r = -EHOSTUNREACH;

    zt_syslog_conn_close(c);
    snprintf(port, sizeof(port), "%u", (unsigned)c->u->port);
    int g = getaddrinfo(c->u->host, port, &hints, &res);
    if (g != 0) {
        conn_msg(c, 0, "cannot resolve the host: %s", gai_strerror(g));
        return ZT_SINK_RETRY;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        r = connect_one(c, ai, deadline);
        if (r == 0 || r == -ECANCELED) {
            break;
        }
        zt_syslog_conn_close(c);
    }
    freeaddrinfo(res);
    if (r < 0) {
        zt_syslog_conn_close(c);
        conn_msg(c, 0, "connect: %s", strerror(-r));
        return ZT_SINK_RETRY;
    }
    if (c->u->transport != ZT_SYSLOG_TLS) {
        return ZT_SINK_OK;
    }
    enum zt_sink_status st = tls_handshake(c, deadline);
    if (st != ZT_SINK_OK) {
        zt_syslog_conn_close(c);
    }
    return st;
}

/* Read what a live syslog receiver never sends: TLS records (session tickets), an alert, the
 * end of the stream. Returns 0, -ESHUTDOWN (an orderly close), -ECONNREFUSED (a TLS alert), or
 * another -errno (a reset). */
static int probe_read(struct zt_syslog_conn *c)
{
    char buf[4096];

    for (int i = 0; i < 64; i++) {
        if (!c->ssl) {
            ssize_t k = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
            if (k > 0) {
                continue;
            }
            if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
                return 0;
            }
            return k == 0 ? conn_msg(c, -ESHUTDOWN, "%s", "the receiver closed the connection")
                          : conn_msg(c, -errno, "%s", strerror(errno));
        }
        size_t got = 0;
        ERR_clear_error();
        if (SSL_read_ex(c->ssl, buf, sizeof(buf), &got) == 1) {
            continue;
        }
        int e = SSL_get_error(c->ssl, 0);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            return 0;
        }
        if (e == SSL_ERROR_ZERO_RETURN) {
            return conn_msg(c, -ESHUTDOWN, "%s", "the receiver closed the connection");
        }
        char reason[256];
        int saved = errno;
        bool alert = e == SSL_ERROR_SSL && ERR_peek_last_error() != 0;
        conn_msg(c, 0, "the receiver ended the connection: %s",
                 tls_reason(reason, sizeof(reason), saved));
        return alert ? -ECONNREFUSED : (saved ? -saved : -ESHUTDOWN);
    }
    return 0;
}

int zt_syslog_conn_probe(struct zt_syslog_conn *c)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN | POLLRDHUP};

    if (c->fd < 0) {
        return conn_msg(c, -ENOTCONN, "%s", "not connected");
    }
    if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR))) {
        return 0;
    }
    /* What arrived before a reset (a TLS alert saying why) is read first. */
    int r = probe_read(c);
    if (r == 0 && (p.revents & POLLERR)) {
        int e = 0;
        socklen_t len = sizeof(e);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e) {
            return conn_msg(c, -e, "%s", strerror(e));
        }
    }
    return r;
}

static void checkpoint(struct zt_syslog_conn *c, size_t plain)
{
    if (c->n_ck == c->ck_cap) {
        c->ck_cap = c->ck_cap ? c->ck_cap * 2 : 64;
        c->ck = zt_xrealloc(c->ck, c->ck_cap * sizeof(*c->ck));
    }
    c->ck[c->n_ck++] = (struct zt_syslog_checkpoint){
        .plain = plain, .wire = c->ssl ? BIO_number_written(SSL_get_wbio(c->ssl)) : c->wire};
}

int zt_syslog_conn_write(struct zt_syslog_conn *c, const char *p, size_t len, uint64_t deadline)
{
    size_t off = 0;

    c->n_ck = 0;
    while (off < len) {
        short want = POLLOUT;
        if (c->ssl) {
            size_t w = 0;
            ERR_clear_error();
            if (SSL_write_ex(c->ssl, p + off, len - off, &w) == 1) {
                off += w;
                checkpoint(c, off);
                continue;
            }
            int e = SSL_get_error(c->ssl, 0);
            if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) {
                char reason[256];
                int saved = errno;
                return conn_msg(c, saved ? -saved : -EPIPE, "write: %s",
                                tls_reason(reason, sizeof(reason), saved));
            }
            want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        } else {
            ssize_t k = send(c->fd, p + off, len - off, MSG_NOSIGNAL);
            if (k > 0) {
                off += (size_t)k;
                c->wire += (uint64_t)k;
                checkpoint(c, off);
                continue;
            }
            if (k < 0 && errno == EINTR) {
                continue;
            }
            if (k < 0 && errno != EAGAIN) {
                return conn_msg(c, -errno, "write: %s", strerror(errno));
            }
        }
        int r = wait_fd(c, want, deadline);
        if (r < 0) {
            return conn_msg(c, r, "write: %s", strerror(-r));
        }
    }
    return 0;
}

int zt_syslog_conn_send(struct zt_syslog_conn *c, struct mmsghdr *m, size_t n, uint64_t deadline,
                        size_t *sent)
{
    *sent = 0;
    while (*sent < n) {
        int k = sendmmsg(c->fd, m + *sent, (unsigned)(n - *sent), MSG_NOSIGNAL);
        if (k > 0) {
            *sent += (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0 && errno != EAGAIN && errno != ENOBUFS) {
            /* ECONNREFUSED: an ICMP "port unreachable" came back for an earlier datagram. */
            return conn_msg(c, -errno, "send: %s", strerror(errno));
        }
        int r = wait_fd(c, POLLOUT, deadline);
        if (r < 0) {
            return conn_msg(c, r, "send: %s", strerror(-r));
        }
    }
    return 0;
}

int zt_syslog_conn_refused(struct zt_syslog_conn *c, uint64_t until)
{
    int r = wait_fd(c, 0, until); /* only errors wake it */
    if (r == -ETIMEDOUT || r == 0) {
        return 0;
    }
    if (r < 0) {
        return conn_msg(c, r, "%s", strerror(-r));
    }
    int e = 0;
    socklen_t len = sizeof(e);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e == 0) {
        return 0;
    }
    return conn_msg(c, -e, "send: %s", strerror(e));
}

uint64_t zt_syslog_conn_acked(const struct zt_syslog_conn *c)
{
    int q = 0;
    uint64_t wire = c->ssl ? BIO_number_written(SSL_get_wbio(c->ssl)) : c->wire;
    size_t plain = 0;

    if (c->fd < 0 || c->n_ck == 0 || ioctl(c->fd, SIOCOUTQ, &q) < 0 || q < 0 ||
        (uint64_t)q > wire) {
        return 0;
    }
    uint64_t acked = wire - (uint64_t)q;
    if (!c->ssl) {
        /* Plain TCP: the batch's bytes are the wire's, from the first checkpoint's start on. */
        uint64_t base = c->ck[0].wire - c->ck[0].plain;
        uint64_t last = c->ck[c->n_ck - 1].plain;
        return acked <= base ? 0 : acked - base < last ? acked - base : last;
    }
    for (size_t i = 0; i < c->n_ck && c->ck[i].wire <= acked; i++) {
        plain = c->ck[i].plain;
    }
    return plain;
}

int zt_syslog_conn_drain(struct zt_syslog_conn *c, uint64_t deadline)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 50000};

    for (;;) {
        int q = 0;
        if (ioctl(c->fd, SIOCOUTQ, &q) < 0 || q <= 0) {
            /* All acknowledged; a receiver that refused or reset meanwhile says so now. */
            return zt_syslog_conn_probe(c);
        }
        if (cancelled(c) || zt_now_mono_usec() >= deadline) {
            return conn_msg(c, cancelled(c) ? -ECANCELED : -ETIMEDOUT, "%s",
                            "the receiver did not acknowledge the batch in time");
        }
        struct pollfd p = {.fd = c->fd, .events = POLLRDHUP};
        if (ppoll(&p, 1, &ts, NULL) > 0 && (p.revents & (POLLERR | POLLHUP | POLLRDHUP))) {
            int r = zt_syslog_conn_probe(c);
            if (r < 0) {
                return r;
            }
        }
        if (ts.tv_nsec < 20 * 1000 * 1000) {
            ts.tv_nsec *= 2;
        }
    }
}
