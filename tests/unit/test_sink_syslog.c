/* test_sink_syslog.c - the syslog sink: its url and facility, RFC 5424 messages (PRI, header
 * fields, SD-PARAM escaping, absent params) and octet-counting frames on strings; then the sink
 * itself against sockets of the test: frames on TCP, a receiver that closed or never reads
 * (partial batches), one datagram per event on UDP with the oversized one dropped and counted.
 * TLS is tested against a real rsyslog in tests/integration/test_syslog.py. */
#include "zt_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "sink_test.h"
#include "sink_syslog.h"
#include "sinks.h"

#define ID1 "0123456789abcdef0123456789abcdef"

static struct zt_sink_event event(const char *kind, const char *function, const char *stage,
                                  int severity, const char *text)
{
    return (struct zt_sink_event){.id = ID1,
                                  .kind = kind,
                                  .function = function,
                                  .stage = stage,
                                  .host = "web1.example.org",
                                  .time_usec = 1796313514503123ull,
                                  .severity = severity,
                                  .text = text,
                                  .len = strlen(text)};
}

static char *message(const struct zt_sink_event *ev, int facility, bool framed)
{
    struct zt_syslog_buf b = {0};
    const struct zt_syslog_header h = {.facility = facility, .hostname = "me", .procid = "42"};
    size_t n = zt_syslog_append(&b, ev, &h, framed);
    assert_int_equal(n, b.n);
    zt_syslog_buf_reserve(&b, 1);
    b.p[b.n] = '\0';
    return b.p;
}

/* ---- url, facility, severity ---------------------------------------------------------------- */

static void test_syslog_url_forms(void **state)
{
    (void)state;
    struct zt_syslog_url u;
    char err[256];

    assert_int_equal(zt_syslog_url_parse("udp://siem.example.org", &u, err, sizeof(err)), 0);
    assert_int_equal(u.transport, ZT_SYSLOG_UDP);
    assert_string_equal(u.host, "siem.example.org");
    assert_int_equal(u.port, 514);
    assert_false(u.literal);
    assert_int_equal(zt_syslog_url_parse("tcp://10.0.0.7", &u, err, sizeof(err)), 0);
    assert_int_equal(u.port, 601);
    assert_true(u.literal);
    assert_int_equal(zt_syslog_url_parse("tls://h:6514", &u, err, sizeof(err)), 0);
    assert_int_equal(u.transport, ZT_SYSLOG_TLS);
    assert_int_equal(u.port, 6514);
    assert_int_equal(zt_syslog_url_parse("tls://[2001:db8::1]:10514", &u, err, sizeof(err)), 0);
    assert_string_equal(u.host, "2001:db8::1");
    assert_true(u.literal);
    assert_int_equal(u.port, 10514);
    assert_int_equal(zt_syslog_url_parse("tls://[::1]", &u, err, sizeof(err)), 0);
    assert_int_equal(u.port, 6514);
}

static void test_syslog_url_errors(void **state)
{
    (void)state;
    static const struct {
        const char *url, *why;
    } bad[] = {
        {"https://h:6514", "unknown scheme"},
        {"TLS://h", "unknown scheme"},
        {"tls:/h", "unknown scheme"},
        {"tls://", "no host"},
        {"tls://:6514", "no host"},
        {"tls://h:0", "1-65535"},
        {"tls://h:65536", "1-65535"},
        {"tls://h:99999999999999999999", "1-65535"},
        {"tls://h:", "1-65535"},
        {"tls://h:6514x", "nothing may follow the port"},
        {"tls://h:6514/path", "nothing may follow the port"},
        {"tls://h/path", "no user, path or query"},
        {"tls://user@h", "no user, path or query"},
        {"tls://h h", "character a host name cannot have"},
        {"tls://[::1", "[ADDRESS]"},
        {"tls://[]:1", "[ADDRESS]"},
        {"tls://[nope]:1", "not an IPv6 address"},
        {"tls://[::1]x", "nothing may follow the host"},
    };
    struct zt_syslog_url u = {.port = 7};
    char err[512];

    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        err[0] = '\0';
        assert_int_equal(zt_syslog_url_parse(bad[i].url, &u, err, sizeof(err)), -EINVAL);
        if (!strstr(err, "'url'") || !strstr(err, bad[i].why)) {
            fail_msg("%s: got '%s', want '%s'", bad[i].url, err, bad[i].why);
        }
        assert_int_equal(u.port, 7); /* untouched */
    }
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    _cleanup_free_ char *url = zt_xasprintf("udp://%s", longname);
    assert_int_equal(zt_syslog_url_parse(url, &u, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "too long"));
}

static void test_syslog_facility_and_severity(void **state)
{
    (void)state;
    assert_int_equal(zt_syslog_facility_from_string("kern"), 0);
    assert_int_equal(zt_syslog_facility_from_string("auth"), 4);
    assert_int_equal(zt_syslog_facility_from_string("authpriv"), 10);
    assert_int_equal(zt_syslog_facility_from_string("local0"), 16);
    assert_int_equal(zt_syslog_facility_from_string("local7"), 23);
    assert_int_equal(zt_syslog_facility_from_string("local8"), -EINVAL);
    assert_int_equal(zt_syslog_facility_from_string("local"), -EINVAL);
    assert_int_equal(zt_syslog_facility_from_string("Local0"), -EINVAL);
    assert_int_equal(zt_syslog_facility_from_string(NULL), -EINVAL);
    assert_int_equal(zt_syslog_severity(4), 3); /* High: err */
    assert_int_equal(zt_syslog_severity(3), 4); /* Medium: warning */
    assert_int_equal(zt_syslog_severity(2), 5); /* Low: notice */
    assert_int_equal(zt_syslog_severity(1), 6); /* Informational: info */
    assert_int_equal(zt_syslog_severity(0), 6);
    assert_int_equal(zt_syslog_severity(5), 2);
}

/* ---- messages and frames -------------------------------------------------------------------- */

static void test_syslog_message_layout(void **state)
{
    (void)state;
    const char *text = "{\"kind\":\"function\",\"note\":\"caf\xc3\xa9 ]\\\" \"}";
    struct zt_sink_event ev = event("function", "identity.authentication", "initial", 4, text);
    _cleanup_free_ char *m = message(&ev, 16, false);
    _cleanup_free_ char *want = zt_xasprintf(
        "<131>1 2026-12-03T15:58:34.503Z web1.example.org ztmmd 42 function [ztmm@32473 "
        "id=\"" ID1 "\" function=\"identity.authentication\" stage=\"initial\"] %s",
        text);
    assert_string_equal(m, want);

    /* Framed: the octet count of the whole message (bytes, not characters), a space, the same. */
    _cleanup_free_ char *f = message(&ev, 16, true);
    _cleanup_free_ char *framed = zt_xasprintf("%zu %s", strlen(want), want);
    assert_string_equal(f, framed);

    /* PRI = facility * 8 + severity: auth (4) and a Medium event (warning, 4) make 36. */
    ev.severity = 3;
    _cleanup_free_ char *m2 = message(&ev, 4, false);
    assert_true(zt_startswith(m2, "<36>1 "));
    ev.severity = 1;
    _cleanup_free_ char *m3 = message(&ev, 23, false);
    assert_true(zt_startswith(m3, "<190>1 "));
}

static void test_syslog_sd_escaping_and_absent_params(void **state)
{
    (void)state;
    /* A scan has no function: the param is left out, not sent empty. */
    struct zt_sink_event ev = event("scan", NULL, "traditional", 3, "{}");
    _cleanup_free_ char *m = message(&ev, 16, false);
    assert_non_null(strstr(m, " scan [ztmm@32473 id=\"" ID1 "\" stage=\"traditional\"] {}"));
    assert_null(strstr(m, "function="));
    ev.stage = NULL;
    _cleanup_free_ char *m2 = message(&ev, 16, false);
    assert_non_null(strstr(m2, "[ztmm@32473 id=\"" ID1 "\"] {}"));

    /* '"', '\' and ']' in a PARAM-VALUE are escaped with a backslash; nothing else is. */
    ev.function = "we\"ird\\func]tion[x]";
    ev.stage = "a=b c";
    _cleanup_free_ char *m3 = message(&ev, 16, false);
    assert_non_null(strstr(m3, "function=\"we\\\"ird\\\\func\\]tion[x\\]\" stage=\"a=b c\"] {}"));
}

static void test_syslog_header_fields(void **state)
{
    (void)state;
    struct zt_sink_event ev = event("finding", NULL, NULL, 1, "CEF:0|x");
    /* A host name with a space or a non-ASCII byte: PRINTUSASCII only. */
    ev.host = "my host\xc3\xa9";
    _cleanup_free_ char *m = message(&ev, 16, false);
    assert_non_null(strstr(m, "Z my_host__ ztmmd 42 finding "));
    /* No host in the event: this machine's name. */
    ev.host = "";
    _cleanup_free_ char *m2 = message(&ev, 16, false);
    assert_non_null(strstr(m2, "Z me ztmmd 42 finding "));
    /* HOSTNAME is at most 255 characters, MSGID 32. */
    char longer[400];
    memset(longer, 'h', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    ev.host = longer;
    ev.kind = "a-kind-name-that-is-longer-than-thirty-two";
    _cleanup_free_ char *m3 = message(&ev, 16, false);
    char *host = strchr(m3, 'Z') + 2;
    assert_int_equal(strchr(host, ' ') - host, 255);
    assert_non_null(strstr(m3, " a-kind-name-that-is-longer-than- [ztmm@32473"));
    /* The NILVALUE where a field is unknown. */
    struct zt_syslog_buf b = {0};
    const struct zt_syslog_header h = {.facility = 1, .hostname = NULL, .procid = NULL};
    ev.host = NULL;
    ev.kind = "scan";
    zt_syslog_append(&b, &ev, &h, false);
    zt_syslog_buf_reserve(&b, 1);
    b.p[b.n] = '\0';
    assert_non_null(strstr(b.p, "Z - ztmmd - scan [ztmm@32473"));
    zt_syslog_buf_done(&b);
}

/* Split octet-counted frames; fails on a malformed one. Returns the count, frames in out. */
static size_t parse_frames(const char *p, size_t n, char **out, size_t max)
{
    size_t k = 0;
    while (n > 0) {
        char *end = NULL;
        assert_true(p[0] >= '1' && p[0] <= '9'); /* no leading zero */
        unsigned long len = strtoul(p, &end, 10);
        assert_int_equal(*end, ' ');
        size_t hdr = (size_t)(end - p) + 1;
        if (hdr + len > n) {
            break; /* an incomplete last frame */
        }
        assert_true(k < max);
        out[k++] = zt_xstrndup(p + hdr, len);
        p += hdr + len;
        n -= hdr + len;
    }
    return k;
}

static void test_syslog_frames_concatenate(void **state)
{
    (void)state;
    struct zt_syslog_buf b = {0};
    const struct zt_syslog_header h = {.facility = 16, .hostname = "me", .procid = "42"};
    const char *texts[] = {"{\"a\":1}", "{\"b\":\"12 <34>1 x\"}", "CEF:0|v|p|1|c|n|3|k=v\\=w"};
    char *frames[8];

    for (size_t i = 0; i < ZT_ELEMENTSOF(texts); i++) {
        struct zt_sink_event ev = event("finding", "data.inventory", "advanced", 2, texts[i]);
        zt_syslog_append(&b, &ev, &h, true);
    }
    assert_int_equal(parse_frames(b.p, b.n, frames, 8), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(zt_startswith(frames[i], "<133>1 "));
        assert_true(zt_endswith(frames[i], texts[i]));
        free(frames[i]);
    }
    zt_syslog_buf_done(&b);
}

/* ---- config --------------------------------------------------------------------------------- */

static void check_case(const char *const *kv, const char *want)
{
    struct sink_test t;
    char err[512] = "";
    int r = sink_test_bind(&t, &zt_sink_syslog, kv, err, sizeof(err));
    if (want) {
        assert_int_equal(r, -EINVAL);
        if (!strstr(err, want)) {
            fail_msg("got '%s', want '%s'", err, want);
        }
    } else if (r < 0) {
        fail_msg("unexpected: %s", err);
    }
    zt_options_free(t.sink->options, t.state);
    free(t.state);
}

static void test_syslog_check(void **state)
{
    (void)state;
    check_case((const char *const[]){"url", "tls://h:6514", "ca_file", "/etc/ca.pem", NULL}, NULL);
    check_case((const char *const[]){"url", "tcp://h", "facility", "auth", NULL}, NULL);
    check_case((const char *const[]){"url", "tls://h:6514", "cert_file", "/c.pem", "key_file",
                                     "/c.key", NULL},
               NULL);
    check_case((const char *const[]){"url", "syslog://h", NULL}, "'url' must be udp://");
    check_case((const char *const[]){"url", "udp://h", "facility", "local9", NULL},
               "'facility' must be one of");
    check_case((const char *const[]){"url", "udp://h", "ca_file", "/etc/ca.pem", NULL},
               "'ca_file' applies to tls:// only, and 'url' is udp://");
    check_case((const char *const[]){"url", "tcp://h", "key_file", "/k", NULL},
               "'key_file' applies to tls:// only");
    check_case((const char *const[]){"url", "tls://h", "cert_file", "/c.pem", NULL},
               "'cert_file' needs 'key_file'");
    check_case((const char *const[]){"url", "tls://h", "key_file", "/c.key", NULL},
               "'key_file' needs 'cert_file'");
}

/* ---- against sockets ------------------------------------------------------------------------ */

/* A listening (or bound, for UDP) socket on 127.0.0.1 and its port. */
static int listener(int type, int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    if (type == SOCK_STREAM) {
        assert_int_equal(listen(fd, 8), 0);
    }
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Everything the peer has sent on fd within ms (until it pauses), appended to b. */
static void read_all(int fd, struct zt_syslog_buf *b, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (poll(&p, 1, ms) > 0) {
        zt_syslog_buf_reserve(b, 65536);
        ssize_t k = recv(fd, b->p + b->n, 65536, 0);
        if (k <= 0) {
            break;
        }
        b->n += (size_t)k;
    }
}

struct batch {
    struct zt_sink_event ev[2000];
    char *text[2000];
    size_t n;
};

/* n finding events, each a JSON text of about size bytes naming its index. */
static void batch_make(struct batch *b, size_t n, size_t size)
{
    assert_true(n <= ZT_ELEMENTSOF(b->ev));
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        char *pad = zt_xmalloc(size + 1);
        memset(pad, 'x', size);
        pad[size] = '\0';
        b->text[i] = zt_xasprintf("{\"i\":%zu,\"pad\":\"%s\"}", i, pad);
        free(pad);
        b->ev[i] = event("finding", "networks.segmentation", "initial", 4, b->text[i]);
    }
}

static void batch_free(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->text[i]);
    }
}

static void open_sink(struct sink_test *t, const char *url, uint64_t timeout_ms)
{
    char err[512];
    const char *kv[] = {"url", url, NULL};
    if (sink_test_open(t, &zt_sink_syslog, "rs", ZT_FORMAT_JSON, timeout_ms, kv, err, sizeof(err)) <
        0) {
        fail_msg("open: %s", err);
    }
}

/* The i of every complete frame in b, checked to be an RFC 5424 message of the test. */
static size_t frame_indexes(const struct zt_syslog_buf *b, size_t *idx, size_t max)
{
    char **frames = zt_xcalloc(max, sizeof(*frames));
    size_t k = parse_frames(b->p, b->n, frames, max);
    for (size_t i = 0; i < k; i++) {
        assert_true(zt_startswith(frames[i], "<131>1 "));
        char *msg = strstr(frames[i], "] {\"i\":");
        assert_non_null(msg);
        idx[i] = strtoul(msg + 7, NULL, 10);
        free(frames[i]);
    }
    free(frames);
    return k;
}

static void test_syslog_tcp_frames_and_reconnect(void **state)
{
    (void)state;
    int port, lfd = listener(SOCK_STREAM, &port);
    _cleanup_free_ char *url = zt_xasprintf("tcp://127.0.0.1:%d", port);
    struct sink_test t;
    struct zt_sink_outcome out;
    struct batch b;
    struct zt_syslog_buf got = {0};
    size_t idx[16];

    batch_make(&b, 5, 100);
    open_sink(&t, url, 5000);
    assert_int_equal(sink_test_deliver(&t, b.ev, 3, &out), ZT_SINK_OK);
    int a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    assert_true(a >= 0);
    read_all(a, &got, 200);
    assert_int_equal(frame_indexes(&got, idx, 16), 3);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 1);
    assert_int_equal(idx[2], 2);
    /* The receiver goes away in order (it read everything): the next batch is not written into
     * the dead connection but on a new one. */
    close(a);
    usleep(50 * 1000);
    assert_int_equal(sink_test_deliver(&t, b.ev + 3, 2, &out), ZT_SINK_OK);
    int a2 = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    assert_true(a2 >= 0);
    got.n = 0;
    read_all(a2, &got, 200);
    assert_int_equal(frame_indexes(&got, idx, 16), 2);
    assert_int_equal(idx[0], 3);
    assert_int_equal(idx[1], 4);
    close(a2);
    /* Nobody listens any more: RETRY, nothing done, the reason named. */
    close(lfd);
    usleep(50 * 1000);
    assert_int_equal(sink_test_deliver(&t, b.ev, 2, &out), ZT_SINK_RETRY);
    assert_int_equal(out.done, 0);
    assert_non_null(strstr(out.message, url));
    assert_non_null(strstr(out.message, "Connection refused"));
    sink_test_close(&t);
    zt_syslog_buf_done(&got);
    batch_free(&b);
}

static void test_syslog_tcp_partial_batch(void **state)
{
    (void)state;
    int port, lfd = listener(SOCK_STREAM, &port);
    _cleanup_free_ char *url = zt_xasprintf("tcp://127.0.0.1:%d", port);
    struct sink_test t;
    struct zt_sink_outcome out;
    struct batch b;
    struct zt_syslog_buf got = {0};
    size_t *idx = zt_xcalloc(2000, sizeof(*idx));

    /* 2000 events of 8 KB: far more than the socket buffers hold, and nobody reads. */
    batch_make(&b, 2000, 8000);
    open_sink(&t, url, 700);
    assert_int_equal(sink_test_deliver(&t, b.ev, b.n, &out), ZT_SINK_RETRY);
    assert_non_null(strstr(out.message, "write: Connection timed out"));
    /* What the receiver's TCP acknowledged is done; those frames are there, whole. */
    assert_true(out.done > 0);
    assert_true(out.done < b.n);
    int a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    assert_true(a >= 0);
    read_all(a, &got, 300);
    size_t k = frame_indexes(&got, idx, 2000);
    assert_true(k >= out.done);
    for (size_t i = 0; i < k; i++) {
        assert_int_equal(idx[i], i);
    }
    close(a);
    close(lfd);
    sink_test_close(&t);
    zt_syslog_buf_done(&got);
    batch_free(&b);
    free(idx);
}

static void test_syslog_udp_datagrams(void **state)
{
    (void)state;
    int port, fd = listener(SOCK_DGRAM, &port);
    _cleanup_free_ char *url = zt_xasprintf("udp://127.0.0.1:%d", port);
    struct sink_test t;
    struct zt_sink_outcome out;
    struct batch b;
    char *buf = zt_xmalloc(65536);

    batch_make(&b, 4, 200);
    /* Event 2 is too large for one datagram. */
    free(b.text[2]);
    char pad[9000];
    memset(pad, 'y', sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    b.text[2] = zt_xasprintf("{\"i\":2,\"pad\":\"%s\"}", pad);
    b.ev[2].text = b.text[2];
    b.ev[2].len = strlen(b.text[2]);
    open_sink(&t, url, 2000);
    assert_int_equal(sink_test_deliver(&t, b.ev, b.n, &out), ZT_SINK_OK);
    assert_int_equal(out.rejected, 1);
    assert_non_null(strstr(out.message, ID1));
    assert_non_null(strstr(out.message, "8192"));
    /* One message per datagram, unframed. */
    size_t want[] = {0, 1, 3};
    for (size_t i = 0; i < ZT_ELEMENTSOF(want); i++) {
        ssize_t k = recv(fd, buf, 65536, MSG_DONTWAIT);
        assert_true(k > 0);
        buf[k] = '\0';
        assert_true(zt_startswith(buf, "<131>1 "));
        _cleanup_free_ char *tail = zt_xasprintf("] %s", b.text[want[i]]);
        assert_true(zt_endswith(buf, tail));
    }
    assert_true(recv(fd, buf, 65536, MSG_DONTWAIT) < 0);
    close(fd);
    sink_test_close(&t);
    batch_free(&b);
    free(buf);
}

/* A receiver that is down answers datagrams with ICMP "port unreachable": once that is seen,
 * every later attempt probes with one datagram and keeps it when it is refused, so nothing is
 * lost while the receiver stays down; when it is back, everything arrives. */
static void test_syslog_udp_refused_then_back(void **state)
{
    (void)state;
    int port, fd = listener(SOCK_DGRAM, &port);
    _cleanup_free_ char *url = zt_xasprintf("udp://127.0.0.1:%d", port);
    struct sink_test t;
    struct zt_sink_outcome out;
    struct batch b;
    char buf[2048];

    close(fd); /* nobody listens on port now */
    batch_make(&b, 200, 100);
    open_sink(&t, url, 2000);
    enum zt_sink_status st = sink_test_deliver(&t, b.ev, b.n, &out);
    for (int i = 0; i < 5 && st == ZT_SINK_OK; i++) { /* the ICMP may come late */
        usleep(100 * 1000);
        st = sink_test_deliver(&t, b.ev, b.n, &out);
    }
    assert_int_equal(st, ZT_SINK_RETRY);
    assert_non_null(strstr(out.message, "Connection refused"));
    /* Still down: the probe is refused and kept. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sink_test_deliver(&t, b.ev, b.n, &out), ZT_SINK_RETRY);
        assert_int_equal(out.done, 0);
        assert_non_null(strstr(out.message, "send: Connection refused"));
    }
    /* Back: the whole batch arrives, the probe first. */
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)port)};
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int big = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(sink_test_deliver(&t, b.ev, b.n, &out), ZT_SINK_OK);
    size_t got = 0;
    for (ssize_t k; (k = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0; got++) {
        buf[k] = '\0';
        _cleanup_free_ char *tail = zt_xasprintf("] %s", b.text[got]);
        assert_true(zt_endswith(buf, tail));
    }
    assert_int_equal(got, b.n);
    close(fd);
    sink_test_close(&t);
    batch_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syslog_url_forms),
        cmocka_unit_test(test_syslog_url_errors),
        cmocka_unit_test(test_syslog_facility_and_severity),
        cmocka_unit_test(test_syslog_message_layout),
        cmocka_unit_test(test_syslog_sd_escaping_and_absent_params),
        cmocka_unit_test(test_syslog_header_fields),
        cmocka_unit_test(test_syslog_frames_concatenate),
        cmocka_unit_test(test_syslog_check),
        cmocka_unit_test(test_syslog_tcp_frames_and_reconnect),
        cmocka_unit_test(test_syslog_tcp_partial_batch),
        cmocka_unit_test(test_syslog_udp_datagrams),
        cmocka_unit_test(test_syslog_udp_refused_then_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
