/* options.h - table-driven binding of config keys to struct fields (the Fluent Bit config map). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum zt_opt_type {
    ZT_OPT_STRING,   /* char *                                               */
    ZT_OPT_PATH,     /* char *, must be absolute                             */
    ZT_OPT_URL,      /* char *, must start with https://                     */
    ZT_OPT_BOOL,     /* bool                                                 */
    ZT_OPT_UINT,     /* uint64_t                                             */
    ZT_OPT_DURATION, /* uint64_t milliseconds ("30s", "15m", "6h")           */
    ZT_OPT_SIZE,     /* uint64_t bytes ("64K", "10M")                        */
    ZT_OPT_STRLIST,  /* struct zt_strv; whitespace/comma separated; repeats append */
    _ZT_OPT_TYPE_MAX,
};

enum {
    ZT_OPT_REQUIRED = 1u << 0, /* must be set in the config                         */
    /* A path option naming a secret file: the scan's network half opens it before it drops its
     * capabilities (zt_secret_preopen()), so a root-owned 0600 file stays readable. */
    ZT_OPT_SECRET = 1u << 1,
};

/* Bounds for option ranges, in the fields' units. */
#define ZT_MS_PER_HOUR (3600u * 1000u)
#define ZT_MS_PER_DAY  (24u * ZT_MS_PER_HOUR)
#define ZT_SIZE_G(n)   ((uint64_t)(n)*1024u * 1024u * 1024u)

/* A list of strings; the binder owns it, zt_options_free() releases it. */
struct zt_strv {
    char **v;
    size_t n;
};

/* One row of an options table. Tables end with a row whose key is NULL. */
struct zt_option {
    const char *key;
    enum zt_opt_type type;
    const char *def; /* default, written as it would be in the config; NULL for none */
    size_t offset;   /* offsetof() the field in the bound struct */
    unsigned flags;
    const char *doc; /* one line for `ztmmd --help-options` and the docs */
    /* Numbers (integers, durations in milliseconds, sizes in bytes): the accepted range, checked
     * where the value is set, so the error names the key and the value as written. max 0: no
     * range (min is then ignored). */
    uint64_t min, max;
};

const char *zt_opt_type_to_string(enum zt_opt_type t);

/* Find a row by key, or NULL. */
const struct zt_option *zt_options_find(const struct zt_option *table, const char *key);
/* Set every field of base to its default. Returns 0 or -EINVAL with a message in err
 * (a bad default is a programming error, caught by the unit tests). */
int zt_options_defaults(const struct zt_option *table, void *base, char *err, size_t errlen);
/* Parse value into the field of opt (numbers within [min, max] when max is set). Returns 0, or
 * -EINVAL with a message in err. */
int zt_option_set(const struct zt_option *opt, void *base, const char *value, char *err,
                  size_t errlen);
/* Whether the field of o has a value (strings and lists; numbers and booleans always do). */
bool zt_option_is_set(const struct zt_option *o, const void *base);
/* Lists: append and clear; zt_strv_contains() compares exactly. */
void zt_strv_push(struct zt_strv *sv, const char *s);
void zt_strv_clear(struct zt_strv *sv);
bool zt_strv_contains(const struct zt_strv *sv, const char *s);

/* Free every string and list the table bound in base. */
void zt_options_free(const struct zt_option *table, void *base);
