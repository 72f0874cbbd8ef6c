/* utf8.c - the one UTF-8 check: well-formed sequences, and repairing text where it enters. */
#include "utf8.h"

#include <json-c/json.h>
#include <string.h>

#include "buf.h"
#include "util.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

size_t zt_utf8_seq(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len;

    if (n == 0) {
        return 0;
    }
    if (p[0] < 0x80) {
        return 1;
    }
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        len = 3;
        lo = p[0] == 0xe0 ? 0xa0 : lo; /* no overlong forms */
        hi = p[0] == 0xed ? 0x9f : hi; /* no surrogates */
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4;
        lo = p[0] == 0xf0 ? 0x90 : lo;
        hi = p[0] == 0xf4 ? 0x8f : hi; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (len > n || p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < len; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) {
            return 0;
        }
    }
    return len;
}

bool zt_utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = zt_utf8_seq(s + i, n - i);
        if (len == 0) {
            return false;
        }
        i += len;
    }
    return true;
}

char *zt_utf8_repair(const char *s, size_t n)
{
    char *out = zt_xmalloc(n * 3 + 1), *o = out;

    for (size_t i = 0; i < n;) {
        size_t len = zt_utf8_seq(s + i, n - i);
        if (len == 0) {
            memcpy(o, REPLACEMENT, 3);
            o += 3;
            i++;
        } else {
            memcpy(o, s + i, len);
            o += len;
            i += len;
        }
    }
    *o = '\0';
    return out;
}

static size_t repair_object(struct json_object *o)
{
    size_t fixed = 0, n_bad = 0;
    const char *bad[16];

    json_object_object_foreach(o, key, value)
    {
        fixed += zt_utf8_repair_json(value);
        if (!zt_utf8_valid(key, strlen(key)) && n_bad < ZT_ELEMENTSOF(bad)) {
            bad[n_bad++] = key;
        }
    }
    /* Renamed after the walk: members cannot be added or removed while iterating. Keys are
     * rare outside input; past 16 bad ones in one object the rest go with the next call. */
    for (size_t i = 0; i < n_bad; i++) {
        _cleanup_free_ char *name = zt_utf8_repair(bad[i], strlen(bad[i]));
        struct json_object *v = json_object_get(json_object_object_get(o, bad[i]));
        json_object_object_del(o, bad[i]);
        json_object_object_add(o, name, v);
        fixed++;
    }
    return fixed + (n_bad == ZT_ELEMENTSOF(bad) ? repair_object(o) : 0);
}

size_t zt_utf8_repair_json(struct json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_string: {
        const char *s = json_object_get_string(o);
        size_t n = (size_t)json_object_get_string_len(o);
        if (zt_utf8_valid(s, n)) {
            return 0;
        }
        _cleanup_free_ char *fixed = zt_utf8_repair(s, n);
        json_object_set_string(o, fixed);
        return 1;
    }
    case json_type_array: {
        size_t fixed = 0;
        for (size_t i = 0; i < json_object_array_length(o); i++) {
            fixed += zt_utf8_repair_json(json_object_array_get_idx(o, i));
        }
        return fixed;
    }
    case json_type_object:
        return repair_object(o);
    default:
        return 0;
    }
}
