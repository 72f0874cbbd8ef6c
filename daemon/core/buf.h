/* buf.h - a growing text buffer with a maximum size: text is built without fixed-size arrays,
 * and a text that would pass the maximum is refused as a whole, never cut. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct zt_buf {
    char *p;       /* NUL-terminated once anything was added; NULL before */
    size_t n, cap; /* bytes used (without the NUL), bytes allocated */
    size_t max;    /* most bytes the text may hold; 0: no limit but memory */
    bool overflow; /* an append would have passed max: it and every later one were dropped */
};

/* Append len bytes of s (s need not be NUL-terminated). */
void zt_buf_put(struct zt_buf *b, const char *s, size_t len);
/* Append the NUL-terminated s; NULL appends nothing. */
void zt_buf_puts(struct zt_buf *b, const char *s);
/* Append formatted text. */
void zt_buf_printf(struct zt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reading straight into the buffer (read(2) and the like): zt_buf_space() makes room for up to
 * len more bytes and returns where to write them (NULL once overflowed); zt_buf_commit() then
 * counts the n bytes written, and returns false (overflow set) when the text passed max. */
char *zt_buf_space(struct zt_buf *b, size_t len);
bool zt_buf_commit(struct zt_buf *b, size_t n);
/* Hand the text out through *ret (free() it; "" when nothing was added) and its length through
 * *len (may be NULL), and reset b. Returns 0, or -E2BIG when b overflowed (b is freed then and
 * *ret untouched). */
int zt_buf_take(struct zt_buf *b, char **ret, size_t *len);
/* Free the text and reset b (max is kept). */
void zt_buf_free(struct zt_buf *b);
