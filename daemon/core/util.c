/* util.c - small shared helpers: scope cleanup, bounded file reads, strings, time, durations. */
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

void zt_freep(void *p)
{
    free(*(void **)p);
}

void zt_closep(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
    }
}

void zt_fclosep(FILE **f)
{
    if (*f) {
        fclose(*f);
    }
}

void zt_json_putp(struct json_object **o)
{
    json_object_put(*o);
}

struct json_object *zt_json_array(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_array) ? v
                                                                                            : NULL;
}

const char *zt_json_str(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

struct json_object *zt_json_counts(const char *const *names, const uint64_t *counts, size_t n)
{
    struct json_object *o = json_object_new_object();
    for (size_t i = 0; i < n; i++) {
        if (counts[i]) {
            json_object_object_add(o, names[i], json_object_new_int64((int64_t)counts[i]));
        }
    }
    return o;
}

int zt_json_parse(const char *text, size_t len, int depth, struct json_object **ret, char *err,
                  size_t errlen)
{
    *ret = NULL;
    if (len > INT_MAX) {
        snprintf(err, errlen, "byte %d: too large", INT_MAX);
        return -EBADMSG;
    }
    struct json_tokener *tok = json_tokener_new_ex(depth);
    if (!tok) {
        snprintf(err, errlen, "byte 0: out of memory");
        return -ENOMEM;
    }
    struct json_object *doc = json_tokener_parse_ex(tok, text ? text : "", (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (jerr == json_tokener_continue && len > 0) {
        doc = json_tokener_parse_ex(tok, " ", 1); /* end of input: completes a bare number */
        jerr = json_tokener_get_error(tok);
        end = len; /* all of text was consumed */
    }
    json_tokener_free(tok);
    if (jerr != json_tokener_success) {
        json_object_put(doc);
        snprintf(err, errlen, "byte %zu: %s", end,
                 jerr == json_tokener_continue ? "unexpected end of data"
                                               : json_tokener_error_desc(jerr));
        return -EBADMSG;
    }
    while (end < len && strchr(" \t\r\n", text[end]) && text[end] != '\0') {
        end++;
    }
    if (end < len) {
        json_object_put(doc);
        snprintf(err, errlen, "byte %zu: trailing data", end);
        return -EBADMSG;
    }
    *ret = doc;
    return 0;
}

static void *oom(void)
{
    fputs("ztmmd: out of memory\n", stderr);
    abort();
}

void *zt_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    return p ? p : oom();
}

void *zt_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    return p ? p : oom();
}

void *zt_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    return q ? q : oom();
}

char *zt_xstrdup(const char *s)
{
    char *p = strdup(s);
    return p ? p : oom();
}

char *zt_xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    return p ? p : oom();
}

char *zt_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;

    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    return r < 0 ? oom() : s;
}

char *zt_path_join(const char *root, const char *path)
{
    size_t rl = strlen(root);

    while (rl > 0 && root[rl - 1] == '/') {
        rl--;
    }
    while (*path == '/') {
        path++;
    }
    return zt_xasprintf("%.*s/%s", (int)rl, root, path);
}

int zt_read_fd(int fd, size_t max_bytes, bool head, char **ret, size_t *len)
{
    struct stat st;

    if (fstat(fd, &st) < 0) {
        return -errno;
    }
    if (S_ISDIR(st.st_mode)) {
        return -EISDIR;
    }
    if (!head && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_bytes) {
        return -EFBIG; /* refused without reading it (a sparse file of terabytes, say) */
    }
    /* /proc and /sys files report size 0: read until EOF, bounded by max_bytes. */
    size_t cap = st.st_size > 0 && (uint64_t)st.st_size < max_bytes ? (size_t)st.st_size + 1 : 4096;
    if (head && cap > max_bytes) {
        cap = max_bytes;
    }
    _cleanup_free_ char *buf = zt_xmalloc(cap + 1);
    size_t n = 0;

    for (;;) {
        if (n == cap) {
            if (head && n >= max_bytes) {
                break;
            }
            if (cap > max_bytes) {
                return -EFBIG;
            }
            cap = head && cap * 2 > max_bytes ? max_bytes : cap * 2;
            buf = zt_xrealloc(buf, cap + 1);
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (k == 0) {
            break;
        }
        n += (size_t)k;
        if (n > max_bytes) {
            return -EFBIG;
        }
    }
    buf[n] = '\0';
    if (len) {
        *len = n;
    }
    *ret = TAKE_PTR(buf);
    return 0;
}

int zt_read_file(const char *path, size_t max_bytes, char **ret, size_t *len)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0) {
        return -errno;
    }
    return zt_read_fd(fd, max_bytes, false, ret, len);
}

bool zt_streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

bool zt_startswith(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

size_t zt_url_base_len(const char *url)
{
    const char *scheme = strstr(url, "://");
    size_t min = scheme ? (size_t)(scheme - url) + 3 : 0, n = strlen(url);

    while (n > min && url[n - 1] == '/') {
        n--;
    }
    return n;
}

char *zt_url_join(const char *base, const char *rest)
{
    return zt_xasprintf("%.*s%s", (int)zt_url_base_len(base), base, rest);
}

bool zt_endswith(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

char *zt_strstrip(char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

int zt_parse_uint64(const char *s, uint64_t *ret)
{
    char *end = NULL;

    if (!s || !isdigit((unsigned char)*s)) {
        return -EINVAL;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE) {
        return -ERANGE;
    }
    if (*end != '\0') {
        return -EINVAL;
    }
    *ret = v;
    return 0;
}

/* Parse "<number><unit>" where unit is looked up in table; a bare number uses the empty unit. */
struct unit {
    const char *suffix;
    uint64_t factor;
};

static int parse_with_units(const char *s, const struct unit *units, size_t n_units, uint64_t *ret)
{
    char *end = NULL;

    if (!s || !isdigit((unsigned char)*s)) {
        return -EINVAL;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE) {
        return -ERANGE;
    }
    while (*end == ' ') {
        end++;
    }
    for (size_t i = 0; i < n_units; i++) {
        if (strcmp(end, units[i].suffix) == 0) {
            if (v > UINT64_MAX / units[i].factor) {
                return -ERANGE;
            }
            *ret = v * units[i].factor;
            return 0;
        }
    }
    return -EINVAL;
}

int zt_parse_duration_ms(const char *s, uint64_t *ret)
{
    static const struct unit units[] = {
        {"", 1000},     {"s", 1000},    {"sec", 1000},   {"ms", 1},           {"m", 60000},
        {"min", 60000}, {"h", 3600000}, {"d", 86400000}, {"w", 604800000ULL},
    };
    return parse_with_units(s, units, ZT_ELEMENTSOF(units), ret);
}

/* value in the first (largest) unit that divides it exactly, else bare with suffix `rest`: the
 * inverse of parse_with_units() for the same table. */
static void format_with_units(uint64_t value, const struct unit *units, size_t n, const char *rest,
                              char *buf, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (value > 0 && value % units[i].factor == 0) {
            snprintf(buf, len, "%" PRIu64 "%s", value / units[i].factor, units[i].suffix);
            return;
        }
    }
    snprintf(buf, len, "%" PRIu64 "%s", value, rest);
}

void zt_format_duration_ms(uint64_t ms, char *buf, size_t len)
{
    static const struct unit units[] = {
        {"d", 86400000},
        {"h", 3600000},
        {"min", 60000},
        {"s", 1000},
    };
    format_with_units(ms, units, ZT_ELEMENTSOF(units), "ms", buf, len);
}

void zt_format_size(uint64_t bytes, char *buf, size_t len)
{
    static const struct unit units[] = {
        {"G", 1024ULL * 1024 * 1024},
        {"M", 1024 * 1024},
        {"K", 1024},
    };
    format_with_units(bytes, units, ZT_ELEMENTSOF(units), "", buf, len);
}

int zt_parse_size(const char *s, uint64_t *ret)
{
    static const struct unit units[] = {
        {"", 1}, {"B", 1}, {"K", 1024}, {"M", 1024 * 1024}, {"G", 1024ULL * 1024 * 1024},
    };
    return parse_with_units(s, units, ZT_ELEMENTSOF(units), ret);
}

int zt_parse_bool(const char *s, bool *ret)
{
    static const char *const yes[] = {"1", "yes", "true", "on"};
    static const char *const no[] = {"0", "no", "false", "off"};

    for (size_t i = 0; i < ZT_ELEMENTSOF(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *ret = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *ret = false;
            return 0;
        }
    }
    return -EINVAL;
}

static uint64_t clock_usec(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t zt_now_mono_usec(void)
{
    return clock_usec(CLOCK_MONOTONIC);
}

uint64_t zt_now_real_usec(void)
{
    return clock_usec(CLOCK_REALTIME);
}

char *zt_format_rfc3339(uint64_t usec, char *buf, size_t len)
{
    time_t t = (time_t)(usec / 1000000u);
    struct tm tm;
    char base[24];

    gmtime_r(&t, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03uZ", base, (unsigned)((usec / 1000u) % 1000u));
    return buf;
}

static bool digits(const char *s, size_t n, int *ret)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *ret = v;
    return true;
}

int zt_parse_time(const char *s, unsigned flags, int64_t *ret_usec)
{
    bool lenient = flags & ZT_TIME_LENIENT;
    int Y, M, D, h, m, sec, oh = 0, om = 0;
    int64_t frac = 0, scale = 1000000;

    if (!s || strlen(s) < 19 || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) ||
        s[7] != '-' || !digits(s + 8, 2, &D) ||
        (s[10] != 'T' && s[10] != 't' && !(lenient && s[10] == ' ')) || !digits(s + 11, 2, &h) ||
        s[13] != ':' || !digits(s + 14, 2, &m) || s[16] != ':' || !digits(s + 17, 2, &sec)) {
        return -EINVAL;
    }
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') {
            return -EINVAL;
        }
        for (; *p >= '0' && *p <= '9'; p++) { /* digits beyond microseconds are dropped */
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
        }
    }
    int sign = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh)) {
        sign = *p == '+' ? 1 : -1;
        p += 3;
        if (*p == ':') {
            p++;
        } else if (!lenient) {
            return -EINVAL;
        }
        if (!digits(p, 2, &om)) {
            return -EINVAL;
        }
        p += 2;
    } else if (!(lenient && *p == '\0')) { /* lenient: no zone means UTC */
        return -EINVAL;
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (*p || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 || sec > 60 ||
        oh > 23 || om > 59) {
        return -EINVAL;
    }
    struct tm tm = {.tm_year = Y - 1900,
                    .tm_mon = M - 1,
                    .tm_mday = D,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = sec > 59 ? 59 : sec}; /* a leap second is the second before */
    int64_t t = (int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60);
    *ret_usec = t * 1000000 + frac;
    return 0;
}

int zt_parse_rfc3339(const char *s, uint64_t *ret)
{
    int64_t usec;
    int r = zt_parse_time(s, 0, &usec);

    if (r < 0 || usec < 0) {
        return -EINVAL;
    }
    *ret = (uint64_t)usec;
    return 0;
}

int zt_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t k = write(fd, p, len);
        if (k < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

void zt_uuid4(char buf[ZT_UUID_STRING_MAX])
{
    uint8_t b[16];

    if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
        /* No entropy yet (early boot): a time and pid derived id rather than failing a scan;
         * its uniqueness is all that is needed. */
        uint64_t t = zt_now_real_usec(), p = (uint64_t)getpid();
        memcpy(b, &t, 8);
        memcpy(b + 8, &p, 8);
    }
    b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
    b[8] = (b[8] & 0x3f) | 0x80; /* variant 1 (RFC 9562) */
    snprintf(buf, ZT_UUID_STRING_MAX,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}
