/* fuzz_syslog.c - the syslog sink's url parser and message builder. Input: a url line, then
 * newline-separated kind, function, stage, host and the MSG text. A url that parses must come
 * back the same when written out again; every message must read back as RFC 5424 (PRI and
 * version, five header fields of printable ASCII, one SD element whose escaped values end where
 * they should, MSG byte for byte), and its frame must count its bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink_syslog.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next field of [*p, end) up to a newline (the last one takes the rest). */
static char *field(const char **p, const char *end, bool last)
{
    const char *nl = last ? NULL : memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    char *s = zt_xstrndup(*p, (size_t)(stop - *p));
    *p = nl ? nl + 1 : end;
    return s;
}

static void check_url(const char *url)
{
    struct zt_syslog_url u, again;
    char err[512], buf[320];

    if (zt_syslog_url_parse(url, &u, err, sizeof(err)) < 0) {
        if (!strstr(err, "'url'")) {
            abort();
        }
        return;
    }
    if (!u.host[0] || u.port == 0) {
        abort();
    }
    bool v6 = strchr(u.host, ':') != NULL;
    snprintf(buf, sizeof(buf), "%s://%s%s%s:%u", zt_syslog_transport_to_string(u.transport),
             v6 ? "[" : "", u.host, v6 ? "]" : "", (unsigned)u.port);
    if (zt_syslog_url_parse(buf, &again, err, sizeof(err)) < 0 || again.port != u.port ||
        again.transport != u.transport || strcmp(again.host, u.host) != 0) {
        abort();
    }
}

/* Skip one header field: 1+ PRINTUSASCII characters and a space. */
static const char *header_field(const char *p, const char *end)
{
    const char *s = p;
    while (p < end && *p != ' ') {
        if ((unsigned char)*p < 33 || (unsigned char)*p > 126) {
            abort();
        }
        p++;
    }
    if (p == s || p == end) {
        abort();
    }
    return p + 1;
}

static void check_message(const char *m, size_t n, const struct zt_sink_event *ev)
{
    const char *p = m, *end = m + n;
    if (n < 4 || *p != '<') {
        abort();
    }
    p = strchr(p, '>');
    if (!p || strncmp(p, ">1 ", 3) != 0 || strtol(m + 1, NULL, 10) > 191) {
        abort();
    }
    p += 3;
    for (int i = 0; i < 5; i++) { /* TIMESTAMP HOSTNAME APP-NAME PROCID MSGID */
        p = header_field(p, end);
    }
    if (end - p < 2 || *p != '[') {
        abort();
    }
    while (p < end && *p != ']') {
        if (*p == '\\') {
            if (p + 1 >= end || (p[1] != '"' && p[1] != '\\' && p[1] != ']')) {
                abort();
            }
            p++;
        } else if (*p == '"') { /* a value: only escaped quotes, backslashes and brackets */
            p++;
            while (p < end && *p != '"') {
                p += *p == '\\' ? 2 : 1;
            }
        }
        p++;
    }
    if (p + 2 > end || p[1] != ' ' || (size_t)(end - p - 2) != ev->len ||
        memcmp(p + 2, ev->text, ev->len) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    _cleanup_free_ char *url = field(&p, end, false);
    _cleanup_free_ char *kind = field(&p, end, false);
    _cleanup_free_ char *function = field(&p, end, false);
    _cleanup_free_ char *stage = field(&p, end, false);
    _cleanup_free_ char *host = field(&p, end, false);
    _cleanup_free_ char *text = field(&p, end, true);

    if (strlen(url) == 0 || memchr(url, '\0', strlen(url) + 1) != url + strlen(url)) {
        return 0;
    }
    check_url(url);
    struct zt_sink_event ev = {.id = "0123456789abcdef0123456789abcdef",
                               .kind = kind,
                               .function = function[0] ? function : NULL,
                               .stage = stage[0] ? stage : NULL,
                               .host = host,
                               .time_usec = 1796313514503123ull,
                               .severity = (int)(size % 7),
                               .text = text,
                               .len = strlen(text)};
    const struct zt_syslog_header h = {
        .facility = (int)(size % 24), .hostname = "h", .procid = "1"};
    struct zt_syslog_buf b = {0};
    size_t plain = zt_syslog_append(&b, &ev, &h, false);
    check_message(b.p, plain, &ev);
    size_t framed = zt_syslog_append(&b, &ev, &h, true);
    char *sp = memchr(b.p + plain, ' ', framed);
    if (!sp || strtoul(b.p + plain, NULL, 10) != plain ||
        (size_t)(sp - (b.p + plain)) + 1 + plain != framed || memcmp(sp + 1, b.p, plain) != 0) {
        abort();
    }
    zt_syslog_buf_done(&b);
    return 0;
}
