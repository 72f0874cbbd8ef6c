/* aws_sigv4.c - AWS Signature Version 4: canonical request, string to sign and signature with
 * OpenSSL's SHA-256 and HMAC. Pure functions over caller buffers; no allocation, no I/O. */
#include "aws_sigv4.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "crypto_load.h"

#define SIGV4_SEGMENTS_MAX 128u  /* path segments kept while normalising */
#define SIGV4_PARAMS_MAX   64u   /* query parameters */
#define SIGV4_PARAM_MAX    1024u /* one encoded key or value */

/* A bounded output buffer: appends past the end set overflow instead of writing. */
struct sb {
    char *buf;
    size_t len, cap;
    bool overflow;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
    if (b->overflow || b->len + n + 1 > b->cap) {
        b->overflow = true;
        return;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_putc(struct sb *b, char c)
{
    sb_add(b, &c, 1);
}

static int sb_result(const struct sb *b)
{
    return b->overflow ? -ENOBUFS : 0;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void zt_sigv4_sha256_hex(const void *data, size_t len, char *out)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data, len, md);
    hex(md, sizeof(md), out);
}

static bool unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

static void encode_into(struct sb *b, const char *src, size_t n, bool keep_slash)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            sb_putc(b, (char)c);
        } else {
            char e[3] = {'%', digits[c >> 4], digits[c & 15]};
            sb_add(b, e, 3);
        }
    }
}

int zt_sigv4_uri_encode(const char *src, size_t n, bool keep_slash, char *buf, size_t len)
{
    struct sb b = {.buf = buf, .cap = len};
    if (len) {
        buf[0] = '\0';
    }
    encode_into(&b, src, n, keep_slash);
    return b.overflow ? -ENOBUFS : (int)b.len;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode src[0..n) into out (cap bytes); invalid escapes stay literal. */
static int decode(const char *src, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '%' && i + 2 < n && hexval(src[i + 1]) >= 0 && hexval(src[i + 2]) >= 0) {
            c = (char)(hexval(src[i + 1]) * 16 + hexval(src[i + 2]));
            i += 2;
        }
        if (o + 1 >= cap) {
            return -ENOBUFS;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return (int)o;
}

/* The canonical URI. Non-S3: drop empty and "." segments, resolve "..", keep a trailing slash,
 * then encode the path as sent once more (so "%2F" becomes "%252F", as AWS expects). S3: the
 * path as sent. */
static void canonical_uri(struct sb *b, const char *path, bool s3)
{
    const char *seg[SIGV4_SEGMENTS_MAX];
    size_t seglen[SIGV4_SEGMENTS_MAX], n = 0;

    if (!path || !path[0]) {
        sb_putc(b, '/');
        return;
    }
    if (s3) {
        sb_puts(b, path);
        return;
    }
    for (const char *p = path; *p;) {
        while (*p == '/') {
            p++;
        }
        size_t l = strcspn(p, "/");
        if (l == 0) {
            break;
        }
        if (l == 1 && p[0] == '.') {
            /* skip */
        } else if (l == 2 && p[0] == '.' && p[1] == '.') {
            if (n > 0) {
                n--;
            }
        } else if (n < SIGV4_SEGMENTS_MAX) {
            seg[n] = p;
            seglen[n++] = l;
        } else {
            b->overflow = true;
            return;
        }
        p += l;
    }
    size_t plen = strlen(path);
    bool trailing = plen > 0 && path[plen - 1] == '/';
    for (size_t i = 0; i < n; i++) {
        sb_putc(b, '/');
        encode_into(b, seg[i], seglen[i], false);
    }
    if (n == 0 || trailing) {
        sb_putc(b, '/');
    }
}

/* One query parameter as sent: pointers into the query string. */
struct param {
    const char *key, *value;
    size_t klen, vlen;
};

/* Decode then re-encode one key or value into out (SIGV4_PARAM_MAX bytes). */
static int canonical_component(const char *s, size_t n, char *out)
{
    char raw[SIGV4_PARAM_MAX];
    int r = decode(s, n, raw, sizeof(raw));
    if (r < 0) {
        return r;
    }
    return zt_sigv4_uri_encode(raw, (size_t)r, false, out, SIGV4_PARAM_MAX) < 0 ? -ENOBUFS : 0;
}

/* Order of two parameters by canonical key, then canonical value. */
static int param_cmp(const struct param *a, const struct param *b)
{
    char x[SIGV4_PARAM_MAX], y[SIGV4_PARAM_MAX];
    canonical_component(a->key, a->klen, x);
    canonical_component(b->key, b->klen, y);
    int c = strcmp(x, y);
    if (c) {
        return c;
    }
    canonical_component(a->value, a->vlen, x);
    canonical_component(b->value, b->vlen, y);
    return strcmp(x, y);
}

/* Sorted "k=v&k=v" of the query string (components decoded, then encoded the AWS way). */
static int canonical_query(struct sb *b, const char *query)
{
    struct param params[SIGV4_PARAMS_MAX];
    char out[SIGV4_PARAM_MAX];
    size_t n = 0;

    for (const char *p = query; p && *p;) {
        size_t l = strcspn(p, "&");
        if (l > 0) {
            if (n == SIGV4_PARAMS_MAX) {
                return -ENOBUFS;
            }
            const char *eq = memchr(p, '=', l);
            size_t kl = eq ? (size_t)(eq - p) : l;
            params[n] = (struct param){p, eq ? eq + 1 : "", kl, eq ? l - kl - 1 : 0};
            if (canonical_component(params[n].key, params[n].klen, out) < 0 ||
                canonical_component(params[n].value, params[n].vlen, out) < 0) {
                return -ENOBUFS;
            }
            /* insertion sort: stable, and n is small */
            for (size_t i = n++; i > 0 && param_cmp(&params[i - 1], &params[i]) > 0; i--) {
                struct param t = params[i - 1];
                params[i - 1] = params[i];
                params[i] = t;
            }
        }
        p += l;
        if (*p == '&') {
            p++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (i) {
            sb_putc(b, '&');
        }
        canonical_component(params[i].key, params[i].klen, out);
        sb_puts(b, out);
        sb_putc(b, '=');
        canonical_component(params[i].value, params[i].vlen, out);
        sb_puts(b, out);
    }
    return 0;
}

struct hdr {
    char name[128];
    const char *value;
    size_t order;
};

/* Append value trimmed, with runs of whitespace (including folded lines) collapsed to one
 * space. */
static void put_trimmed(struct sb *b, const char *v)
{
    bool space = false, any = false;
    for (; *v; v++) {
        if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') {
            space = any;
            continue;
        }
        if (space) {
            sb_putc(b, ' ');
            space = false;
        }
        sb_putc(b, *v);
        any = true;
    }
}

static int hdr_cmp(const struct hdr *a, const struct hdr *b)
{
    int c = strcmp(a->name, b->name);
    return c ? c : (a->order > b->order) - (a->order < b->order);
}

/* Lowercased, sorted headers (stable for duplicates). Returns how many, or -EINVAL. */
static int sorted_headers(const struct zt_sigv4_request *req, struct hdr *h)
{
    if (req->n_headers > ZT_SIGV4_MAX_HEADERS) {
        return -EINVAL;
    }
    for (size_t i = 0; i < req->n_headers; i++) {
        const char *name = req->headers[i].name;
        size_t l = name ? strlen(name) : 0;
        if (l == 0 || l >= sizeof(h[i].name) || !req->headers[i].value) {
            return -EINVAL;
        }
        for (size_t j = 0; j <= l; j++) {
            h[i].name[j] = (char)tolower((unsigned char)name[j]);
        }
        /* an HTTP token (RFC 9110): no ';' that would split SignedHeaders, no spaces */
        if (strspn(h[i].name, "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~") != l) {
            return -EINVAL;
        }
        h[i].value = req->headers[i].value;
        h[i].order = i;
        for (size_t k = i; k > 0 && hdr_cmp(&h[k - 1], &h[k]) > 0; k--) {
            struct hdr t = h[k - 1];
            h[k - 1] = h[k];
            h[k] = t;
        }
    }
    return (int)req->n_headers;
}

static bool is_amz_date(const char *s)
{
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z') {
        return false;
    }
    for (int i = 0; i < 15; i++) {
        if (i != 8 && !isdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

static const char *header_value(const struct zt_sigv4_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (req->headers[i].name && strcasecmp(req->headers[i].name, name) == 0) {
            return req->headers[i].value;
        }
    }
    return NULL;
}

int zt_sigv4_canonical_request(const struct zt_sigv4_request *req, char *buf, size_t len,
                               char *signed_headers, size_t sh_len)
{
    struct hdr h[ZT_SIGV4_MAX_HEADERS];
    struct sb b = {.buf = buf, .cap = len}, sh = {.buf = signed_headers, .cap = sh_len};

    if (!len || !sh_len) {
        return -ENOBUFS;
    }
    buf[0] = signed_headers[0] = '\0';
    if (!req->method || !req->method[0] || strcspn(req->method, " \t\r\n") != strlen(req->method) ||
        !req->payload_hash || !header_value(req, "host") ||
        !is_amz_date(header_value(req, "x-amz-date"))) {
        return -EINVAL;
    }
    int n = sorted_headers(req, h);
    if (n < 0) {
        return n;
    }
    sb_puts(&b, req->method);
    sb_putc(&b, '\n');
    canonical_uri(&b, req->path, req->s3);
    sb_putc(&b, '\n');
    int r = canonical_query(&b, req->query);
    if (r < 0) {
        return r;
    }
    sb_putc(&b, '\n');
    for (int i = 0; i < n; i++) {
        bool dup = i > 0 && strcmp(h[i - 1].name, h[i].name) == 0;
        if (dup) {
            sb_putc(&b, ',');
        } else {
            if (i > 0) {
                sb_putc(&b, '\n');
                sb_putc(&sh, ';');
            }
            sb_puts(&b, h[i].name);
            sb_putc(&b, ':');
            sb_puts(&sh, h[i].name);
        }
        put_trimmed(&b, h[i].value);
    }
    sb_puts(&b, "\n\n");
    sb_puts(&b, sh.overflow ? "" : signed_headers);
    sb_putc(&b, '\n');
    sb_puts(&b, req->payload_hash);
    return sb_result(&b) < 0 ? -ENOBUFS : sb_result(&sh);
}

int zt_sigv4_string_to_sign(const char *amz_date, const char *region, const char *service,
                            const char *canonical_request, char *buf, size_t len)
{
    char h[ZT_SIGV4_HEX_LEN + 1];

    if (!is_amz_date(amz_date) || !region || !service) {
        return -EINVAL;
    }
    zt_sigv4_sha256_hex(canonical_request, strlen(canonical_request), h);
    int n = snprintf(buf, len, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s", amz_date,
                     amz_date, region, service, h);
    return n < 0 || (size_t)n >= len ? -ENOBUFS : 0;
}

static void hmac(const void *key, size_t klen, const char *msg, unsigned char *out)
{
    unsigned int olen = SHA256_DIGEST_LENGTH;
    HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &olen);
}

int zt_sigv4_signature(const char *secret, const char *amz_date, const char *region,
                       const char *service, const char *string_to_sign, char *out)
{
    unsigned char k[SHA256_DIGEST_LENGTH], k2[SHA256_DIGEST_LENGTH];
    char date[9], key[256];

    if (!secret || !is_amz_date(amz_date) || !region || !service ||
        snprintf(key, sizeof(key), "AWS4%s", secret) >= (int)sizeof(key)) {
        explicit_bzero(key, sizeof(key));
        return -EINVAL;
    }
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    hmac(key, strlen(key), date, k);
    hmac(k, sizeof(k), region, k2);
    hmac(k2, sizeof(k2), service, k);
    hmac(k, sizeof(k), "aws4_request", k2);
    hmac(k2, sizeof(k2), string_to_sign, k);
    hex(k, sizeof(k), out);
    explicit_bzero(key, sizeof(key));
    explicit_bzero(k, sizeof(k));
    explicit_bzero(k2, sizeof(k2));
    return 0;
}

int zt_sigv4_authorization(const struct zt_sigv4_request *req,
                           const struct zt_sigv4_credentials *cred, const char *region,
                           const char *service, char *buf, size_t len)
{
    char creq[16384], sh[1024], sts[512], sig[ZT_SIGV4_HEX_LEN + 1];

    if (!cred->access_key_id || !cred->secret_access_key) {
        return -EINVAL;
    }
    int r = zt_sigv4_canonical_request(req, creq, sizeof(creq), sh, sizeof(sh));
    if (r < 0) {
        return r;
    }
    const char *amz_date = header_value(req, "x-amz-date");
    r = zt_sigv4_string_to_sign(amz_date, region, service, creq, sts, sizeof(sts));
    if (r < 0) {
        return r;
    }
    r = zt_sigv4_signature(cred->secret_access_key, amz_date, region, service, sts, sig);
    if (r < 0) {
        return r;
    }
    int n = snprintf(buf, len,
                     "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, SignedHeaders=%s, "
                     "Signature=%s",
                     cred->access_key_id, amz_date, region, service, sh, sig);
    return n < 0 || (size_t)n >= len ? -ENOBUFS : 0;
}
