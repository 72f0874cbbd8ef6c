/* util.c - small shared helpers: scope cleanup, bounded file reads, strings, time, durations. */
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <stdarg.h>
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

/* Read all of fd (at most max_bytes, else -EFBIG). */
static int read_fd(int fd, size_t max_bytes, char **ret, size_t *len)
{
    struct stat st;

    if (fstat(fd, &st) < 0) {
        return -errno;
    }
    if (S_ISDIR(st.st_mode)) {
        return -EISDIR;
    }
    /* /proc and /sys files report size 0: read until EOF, bounded by max_bytes. */
    size_t cap = st.st_size > 0 && (uint64_t)st.st_size < max_bytes ? (size_t)st.st_size + 1 : 4096;
    _cleanup_free_ char *buf = zt_xmalloc(cap + 1);
    size_t n = 0;

    for (;;) {
        if (n == cap) {
            if (cap > max_bytes) {
                return -EFBIG;
            }
            cap *= 2;
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
    return read_fd(fd, max_bytes, ret, len);
}

int zt_read_file_at(const char *root, const char *path, size_t max_bytes, char **ret, size_t *len)
{
    while (*path == '/') {
        path++;
    }
    if (root[strspn(root, "/")] == '\0') {
        _cleanup_free_ char *abs = zt_xasprintf("/%s", path);
        return zt_read_file(abs, max_bytes, ret, len);
    }
    /* Resolve inside root, so that an absolute or ".." symlink in a mounted image or fake tree
     * cannot make us read the real host's files instead. */
    _cleanup_close_ int dirfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        return -errno;
    }
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY, .resolve = RESOLVE_IN_ROOT};
    _cleanup_close_ int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
    if (fd < 0 && errno == ENOSYS) { /* kernel older than 5.6 */
        _cleanup_free_ char *full = zt_path_join(root, path);
        return zt_read_file(full, max_bytes, ret, len);
    }
    if (fd < 0) {
        return -errno;
    }
    return read_fd(fd, max_bytes, ret, len);
}

bool zt_streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

bool zt_startswith(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
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
