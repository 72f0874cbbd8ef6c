/* util.h - small shared helpers: scope cleanup, bounded file reads, strings, time, durations. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ZT_ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Scope-exit cleanup in the systemd style. Never mix these with goto in one function. */
#define _cleanup_(f)     __attribute__((cleanup(f)))
#define _cleanup_free_   _cleanup_(zt_freep)
#define _cleanup_close_  _cleanup_(zt_closep)
#define _cleanup_fclose_ _cleanup_(zt_fclosep)
#define _cleanup_json_   _cleanup_(zt_json_putp)
#define _printf_(a, b)   __attribute__((format(printf, a, b)))
#define _unused_         __attribute__((unused))

/* Hand ownership out of a cleanup variable: returns the pointer and clears the variable. */
#define TAKE_PTR(p)                                                                                \
    __extension__({                                                                                \
        __typeof__(p) _tp = (p);                                                                   \
        (p) = NULL;                                                                                \
        _tp;                                                                                       \
    })
#define TAKE_FD(fd)                                                                                \
    __extension__({                                                                                \
        int _tf = (fd);                                                                            \
        (fd) = -1;                                                                                 \
        _tf;                                                                                       \
    })

struct json_object;

void zt_freep(void *p);
void zt_closep(int *fd);
void zt_fclosep(FILE **f);
void zt_json_putp(struct json_object **o);

/* The array member key of o (borrowed), or NULL when o is not an object, lacks key, or key is not
 * an array. json-c asserts on json_object_array_length() of anything else: documents read back
 * from disk, a pipe or a socket go through this, never through a bare get. */
struct json_object *zt_json_array(struct json_object *o, const char *key);
/* The string member key of o (borrowed), or NULL when o is not an object, lacks key, or key is
 * not a string. */
const char *zt_json_str(struct json_object *o, const char *key);
/* A new object {"names[i]": counts[i], ...} of the non-zero counters among the first n (a
 * breakdown for an evidence detail: machines per health state, hosts per platform). */
struct json_object *zt_json_counts(const char *const *names, const uint64_t *counts, size_t n);

/* Parse text[0..len) as exactly one JSON value nested at most depth deep; only whitespace may
 * follow it. Returns 0 and the value in *ret (NULL for a JSON null), or -EBADMSG with
 * "byte N: reason" in err (callers say "not valid JSON at %s"). */
int zt_json_parse(const char *text, size_t len, int depth, struct json_object **ret, char *err,
                  size_t errlen);

/* Allocation that aborts on exhaustion: the daemon cannot do anything useful without memory,
 * and the scan worker's memory limit turns a runaway into a reported failure. */
void *zt_xmalloc(size_t n);
void *zt_xcalloc(size_t n, size_t size);
void *zt_xrealloc(void *p, size_t n);
char *zt_xstrdup(const char *s);
char *zt_xstrndup(const char *s, size_t n);
char *zt_xasprintf(const char *fmt, ...) _printf_(1, 2);

/* Read a whole file (at most max_bytes, else -EFBIG) into a NUL-terminated buffer.
 * Returns 0 and hands the buffer out through *ret (and its length through *len if non-NULL),
 * or a negative errno. For the daemon's own files (config, catalog, state): files of a host tree
 * are read with zt_rootfs_read() (rootfs.h), which also refuses FIFOs and devices. */
int zt_read_file(const char *path, size_t max_bytes, char **ret, size_t *len);
/* Read fd to EOF into a NUL-terminated buffer, like zt_read_file(); with head, the first
 * max_bytes are handed out instead of -EFBIG. -EAGAIN when a non-blocking fd has no data. */
int zt_read_fd(int fd, size_t max_bytes, bool head, char **ret, size_t *len);
/* Join root and an absolute path into a newly allocated string. */
char *zt_path_join(const char *root, const char *path);

bool zt_streq(const char *a, const char *b);
bool zt_startswith(const char *s, const char *prefix);
bool zt_endswith(const char *s, const char *suffix);
/* The length of a base URL without its trailing slashes; the "scheme://" is never cut. */
size_t zt_url_base_len(const char *url);
/* base without its trailing slashes, then rest: newly allocated. */
char *zt_url_join(const char *base, const char *rest);
/* Trim ASCII whitespace in place at both ends; returns s (moved past leading space). */
char *zt_strstrip(char *s);

/* Parse "90", "90s", "15m", "6h", "1d", "500ms" into milliseconds. Returns 0 or -EINVAL/-ERANGE. */
int zt_parse_duration_ms(const char *s, uint64_t *ret);
/* Write ms in the largest unit that divides it exactly ("6h", "90s", "250ms"), as the parser
 * above reads it back. */
void zt_format_duration_ms(uint64_t ms, char *buf, size_t len);
/* Write a byte count in the largest unit that divides it exactly ("2G", "512K", "100"). */
void zt_format_size(uint64_t bytes, char *buf, size_t len);
/* Parse "512", "64K", "10M", "1G" (binary units) into bytes. */
int zt_parse_size(const char *s, uint64_t *ret);
/* Parse a boolean as systemd does: yes/no, true/false, on/off, 1/0. */
int zt_parse_bool(const char *s, bool *ret);
/* Parse an unsigned decimal integer. */
int zt_parse_uint64(const char *s, uint64_t *ret);

/* Units of time. Durations (configuration, timeouts, intervals, delays) are milliseconds,
 * `_ms`; points in time (the clocks below, sd-event timers) are microseconds, `_usec`. Convert
 * only through these, never with a bare * 1000. */
#define ZT_USEC_PER_MS  UINT64_C(1000)
#define ZT_USEC_PER_SEC UINT64_C(1000000)
#define ZT_MS_PER_SEC   UINT64_C(1000)
/* A duration as microseconds, to add to a point in time (saturates at UINT64_MAX). */
static inline uint64_t zt_ms_to_usec(uint64_t ms)
{
    return ms > UINT64_MAX / ZT_USEC_PER_MS ? UINT64_MAX : ms * ZT_USEC_PER_MS;
}
/* The milliseconds between two points in time (rounded down), or of a microsecond span. */
static inline uint64_t zt_usec_to_ms(uint64_t usec)
{
    return usec / ZT_USEC_PER_MS;
}
/* The same rounded up: a wait of 1 usec is a wait of 1 ms, not 0. */
static inline uint64_t zt_usec_to_ms_ceil(uint64_t usec)
{
    return usec / ZT_USEC_PER_MS + (usec % ZT_USEC_PER_MS != 0);
}
/* A point in time as a struct timespec of the same clock. */
static inline struct timespec zt_usec_to_timespec(uint64_t usec)
{
    return (struct timespec){.tv_sec = (time_t)(usec / ZT_USEC_PER_SEC),
                             .tv_nsec = (long)(usec % ZT_USEC_PER_SEC) * 1000L};
}

/* Monotonic and wall clocks in microseconds. */
uint64_t zt_now_mono_usec(void);
uint64_t zt_now_real_usec(void);
/* Format a wall-clock time in microseconds as RFC 3339 UTC with millisecond precision into buf
 * (at least 32 bytes). Returns buf. */
char *zt_format_rfc3339(uint64_t usec, char *buf, size_t len);
/* Parse an RFC 3339 date-time ("2026-11-22T16:40:00.123Z", "...+02:00"; fraction digits beyond
 * microseconds are ignored; 'T'/'Z' in either case) into wall-clock microseconds since the epoch.
 * Returns 0 or -EINVAL for anything else (trailing text included). */
int zt_parse_rfc3339(const char *s, uint64_t *ret);
/* The one date-time parser. Strict (flags 0) is RFC 3339 as above, any year from 0001; with
 * ZT_TIME_LENIENT it also takes what some APIs send: a space for 'T', "+HHMM", and no zone at
 * all (read as UTC). Writes signed microseconds since the epoch ("0001-01-01T00:00:00Z", an
 * API's "never", is far negative). Returns 0 or -EINVAL. */
#define ZT_TIME_LENIENT (1u << 0)
int zt_parse_time(const char *s, unsigned flags, int64_t *ret_usec);

/* Write all of buf to fd, retrying on EINTR and short writes. Returns 0 or -errno. */
int zt_write_all(int fd, const void *buf, size_t len);

/* A fresh random (version 4) UUID, lowercase with dashes, into buf (libsystemd's sd_id128). */
#define ZT_UUID_STRING_MAX 37
void zt_uuid4(char buf[ZT_UUID_STRING_MAX]);
