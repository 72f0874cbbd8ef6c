/* sink_syslog.h - the pure parts of the syslog sink (sink_syslog_msg.c), for the sink itself,
 * its unit test and its fuzz target: the url, facility names, the severity of an event, and
 * RFC 5424 messages with RFC 6587 / RFC 5425 octet-counting frames. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink.h"

#define ZT_SYSLOG_HOST_MAX 253  /* a DNS name; an IPv6 literal is shorter */
#define ZT_SYSLOG_UDP_MAX  8192 /* bytes of one datagram (RFC 5425's SHOULD, rsyslog's default) */
#define ZT_SYSLOG_PEN      "32473"
#define ZT_SYSLOG_SD_ID    "ztmm@" ZT_SYSLOG_PEN

enum zt_syslog_transport {
    ZT_SYSLOG_UDP, /* one message per datagram (RFC 5426) */
    ZT_SYSLOG_TCP, /* octet counting (RFC 6587) */
    ZT_SYSLOG_TLS, /* octet counting over TLS (RFC 5425) */
    _ZT_SYSLOG_TRANSPORT_MAX,
};
const char *zt_syslog_transport_to_string(enum zt_syslog_transport t); /* "udp", "tcp", "tls" */

struct zt_syslog_url {
    enum zt_syslog_transport transport;
    char host[ZT_SYSLOG_HOST_MAX + 1]; /* a name, IPv4 or IPv6 address (without brackets) */
    bool literal;                      /* host is an IP address, not a name */
    uint16_t port;                     /* the url's, or 514 / 601 / 6514 */
};

/* Parse `udp://HOST[:PORT]`, `tcp://HOST[:PORT]` or `tls://HOST[:PORT]` (HOST a DNS name, an
 * IPv4 address or a bracketed IPv6 address; nothing may follow the port). Returns 0, or -EINVAL
 * with a message naming the key 'url' and what is wrong in err; *ret is untouched on failure. */
int zt_syslog_url_parse(const char *url, struct zt_syslog_url *ret, char *err, size_t errlen);

/* The facility code (0-23) of a name: kern, user, mail, daemon, auth, syslog, lpr, news, uucp,
 * cron, authpriv, ftp, ntp, security, console, clock, local0 ... local7. -EINVAL if unknown. */
int zt_syslog_facility_from_string(const char *name);
/* The syslog severity (RFC 5424 table 2) of an event's OCSF severity_id: 4 High -> 3 Error,
 * 3 Medium -> 4 Warning, 2 Low -> 5 Notice, 1 Informational and 0 Unknown -> 6 Informational,
 * 5 Critical and above -> 2 Critical. */
int zt_syslog_severity(int ocsf_severity_id);

/* A growing byte buffer, reused from batch to batch. */
struct zt_syslog_buf {
    char *p;
    size_t n, cap;
};
void zt_syslog_buf_reserve(struct zt_syslog_buf *b, size_t more);
void zt_syslog_buf_done(struct zt_syslog_buf *b);

/* What every message of a sink shares. */
struct zt_syslog_header {
    int facility;
    const char *hostname; /* when an event has no host: this machine */
    const char *procid;   /* the daemon's pid, or NULL for the NILVALUE */
};

/* Append to b the RFC 5424 message of ev:
 *   <PRI>1 TIMESTAMP HOSTNAME ztmmd PROCID MSGID [ztmm@32473 id="." function="." stage="."] MSG
 * with MSGID the event kind, params absent from ev left out, PARAM-VALUEs escaped (", \ and ]),
 * header fields reduced to printable US-ASCII and their RFC 5424 lengths, MSG ev->text as is.
 * framed: preceded by its octet count and a space (`LEN SP MSG`, RFC 6587 / RFC 5425). Returns
 * the bytes appended. */
size_t zt_syslog_append(struct zt_syslog_buf *b, const struct zt_sink_event *ev,
                        const struct zt_syslog_header *h, bool framed);

/* ---- the connection (sink_syslog_conn.c) ---------------------------------------------------- */

/* After each write: how many bytes of the batch (plain) had gone to the socket (wire, counting
 * TLS records and everything before on the connection). */
struct zt_syslog_checkpoint {
    size_t plain;
    uint64_t wire;
};

struct ssl_ctx_st;
struct ssl_st;
struct mmsghdr;

/* One connection to the receiver. The sink fills u, what, ca_file, ctx (tls:// only) and the
 * cancellation callback, sets fd to -1, and owns the rest through these calls. Every call
 * that fails leaves its reason in message ("tls://h:6514: connect: Connection refused"). */
struct zt_syslog_conn {
    const struct zt_syslog_url *u;
    const char *what;    /* the url, for messages */
    const char *ca_file; /* for messages about verification */
    struct ssl_ctx_st *ctx;
    bool (*cancelled)(void *data);
    void *cancel_data;

    int fd;
    struct ssl_st *ssl;
    uint64_t wire; /* TCP: bytes written on this connection */
    struct zt_syslog_checkpoint *ck;
    size_t n_ck, ck_cap;
    char message[400];
};

/* Connect (and for tls:// handshake, verifying the receiver's certificate and host) before
 * deadline (monotonic usec). OK, RETRY (unreachable, refused, timed out) or ERROR (the
 * certificate is not trusted, or the receiver refused ours: an operator must act). */
enum zt_sink_status zt_syslog_conn_open(struct zt_syslog_conn *c, uint64_t deadline);
/* Without waiting: 0 when the connection looks alive, -ESHUTDOWN when the receiver closed it in
 * order (all it acknowledged was read), -ECONNREFUSED when it refused us (a TLS alert), another
 * negative errno when it was reset (what it acknowledged may not have been read). */
int zt_syslog_conn_probe(struct zt_syslog_conn *c);
/* Write p[0..len) before deadline, recording checkpoints. 0, or a negative errno. */
int zt_syslog_conn_write(struct zt_syslog_conn *c, const char *p, size_t len, uint64_t deadline);
/* Wait until the receiver's TCP acknowledged every byte written, then probe. 0, or like probe,
 * or -ETIMEDOUT / -ECANCELED. */
int zt_syslog_conn_drain(struct zt_syslog_conn *c, uint64_t deadline);
/* UDP: send the n datagrams of m before deadline; *sent says how many went. 0 or -errno. */
int zt_syslog_conn_send(struct zt_syslog_conn *c, struct mmsghdr *m, size_t n, uint64_t deadline,
                        size_t *sent);
/* UDP: wait until `until` for an error about what was sent (an ICMP "port unreachable" makes
 * ECONNREFUSED). 0 when none came, else the negative errno. */
int zt_syslog_conn_refused(struct zt_syslog_conn *c, uint64_t until);
/* How many bytes of the last write the receiver's TCP has acknowledged (at checkpoints). */
uint64_t zt_syslog_conn_acked(const struct zt_syslog_conn *c);
/* Close (TLS: one non-blocking close_notify). Safe on a closed connection. */
void zt_syslog_conn_close(struct zt_syslog_conn *c);
