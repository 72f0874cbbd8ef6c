/* buf.c - a growing text buffer with a maximum size. */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* Make room for len more bytes and the NUL, whatever max says. */
static void grow(struct zt_buf *b, size_t len)
{
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + len + 1) {
            cap *= 2;
        }
        b->p = zt_xrealloc(b->p, cap);
        b->cap = cap;
    }
}

/* Make room for len more bytes and the NUL. Returns false (and marks overflow) past max. */
static bool reserve(struct zt_buf *b, size_t len)
{
    if (b->overflow || len > SIZE_MAX / 2 - b->n - 1 || (b->max && b->n + len > b->max)) {
        b->overflow = true;
        return false;
    }
    grow(b, len);
    return true;
}

char *zt_buf_space(struct zt_buf *b, size_t len)
{
    if (b->overflow || len > SIZE_MAX / 2 - b->n - 1) {
        b->overflow = true;
        return NULL;
    }
    grow(b, len);
    return b->p + b->n;
}

bool zt_buf_commit(struct zt_buf *b, size_t n)
{
    if (b->overflow || !b->p || n > b->cap - b->n - 1) {
        b->overflow = true;
        return false;
    }
    b->n += n;
    b->p[b->n] = '\0';
    if (b->max && b->n > b->max) {
        b->overflow = true;
    }
    return !b->overflow;
}

void zt_buf_put(struct zt_buf *b, const char *s, size_t len)
{
    if (!reserve(b, len)) {
        return;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

void zt_buf_puts(struct zt_buf *b, const char *s)
{
    if (s) {
        zt_buf_put(b, s, strlen(s));
    }
}

void zt_buf_printf(struct zt_buf *b, const char *fmt, ...)
{
    va_list ap, aq;

    va_start(ap, fmt);
    va_copy(aq, ap);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k >= 0 && reserve(b, (size_t)k)) {
        vsnprintf(b->p + b->n, (size_t)k + 1, fmt, aq);
        b->n += (size_t)k;
    }
    va_end(aq);
}

int zt_buf_take(struct zt_buf *b, char **ret, size_t *len)
{
    if (b->overflow) {
        zt_buf_free(b);
        return -E2BIG;
    }
    *ret = b->p ? b->p : zt_xstrdup("");
    if (len) {
        *len = b->n;
    }
    *b = (struct zt_buf){.max = b->max};
    return 0;
}

void zt_buf_free(struct zt_buf *b)
{
    free(b->p);
    *b = (struct zt_buf){.max = b->max};
}
