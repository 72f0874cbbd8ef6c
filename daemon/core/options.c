/* options.c - table-driven binding of config keys to struct fields. */
#include "options.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *zt_opt_type_to_string(enum zt_opt_type t)
{
    static const char *const names[_ZT_OPT_TYPE_MAX] = {
        [ZT_OPT_STRING] = "string", [ZT_OPT_PATH] = "path",    [ZT_OPT_URL] = "url",
        [ZT_OPT_BOOL] = "boolean",  [ZT_OPT_UINT] = "integer", [ZT_OPT_DURATION] = "duration",
        [ZT_OPT_SIZE] = "size",     [ZT_OPT_STRLIST] = "list",
    };
    return t < _ZT_OPT_TYPE_MAX ? names[t] : "?";
}

const struct zt_option *zt_options_find(const struct zt_option *table, const char *key)
{
    for (const struct zt_option *o = table; o && o->key; o++) {
        if (strcmp(o->key, key) == 0) {
            return o;
        }
    }
    return NULL;
}

static void strv_append(struct zt_strv *sv, const char *s, size_t n)
{
    sv->v = zt_xrealloc(sv->v, (sv->n + 2) * sizeof(char *));
    sv->v[sv->n++] = zt_xstrndup(s, n);
    sv->v[sv->n] = NULL;
}

void zt_strv_push(struct zt_strv *sv, const char *s)
{
    strv_append(sv, s, strlen(s));
}

bool zt_strv_contains(const struct zt_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++) {
        if (strcmp(sv->v[i], s) == 0) {
            return true;
        }
    }
    return false;
}

void zt_strv_clear(struct zt_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++) {
        free(sv->v[i]);
    }
    free(sv->v);
    sv->v = NULL;
    sv->n = 0;
}

static int set_string(const struct zt_option *opt, char **field, const char *value, char *err,
                      size_t errlen)
{
    if (opt->type == ZT_OPT_PATH && value[0] != '/') {
        snprintf(err, errlen, "'%s' must be an absolute path, got '%s'", opt->key, value);
        return -EINVAL;
    }
    if (opt->type == ZT_OPT_URL && !zt_startswith(value, "https://")) {
        snprintf(err, errlen, "'%s' must be an https:// URL, got '%s'", opt->key, value);
        return -EINVAL;
    }
    free(*field);
    *field = zt_xstrdup(value);
    return 0;
}

/* "'keep' must be between 0 and 1000, got '2000'", with durations and sizes in their units. */
static void range_error(const struct zt_option *opt, const char *value, char *err, size_t errlen)
{
    char lo[32], hi[32];

    if (opt->type == ZT_OPT_DURATION) {
        zt_format_duration_ms(opt->min, lo, sizeof(lo));
        zt_format_duration_ms(opt->max, hi, sizeof(hi));
    } else if (opt->type == ZT_OPT_SIZE) {
        zt_format_size(opt->min, lo, sizeof(lo));
        zt_format_size(opt->max, hi, sizeof(hi));
    } else {
        snprintf(lo, sizeof(lo), "%" PRIu64, opt->min);
        snprintf(hi, sizeof(hi), "%" PRIu64, opt->max);
    }
    snprintf(err, errlen, "'%s' must be between %s and %s, got '%s'", opt->key, lo, hi, value);
}

static int set_number(const struct zt_option *opt, uint64_t *field, const char *value, char *err,
                      size_t errlen)
{
    static const char *const hint[] = {
        [ZT_OPT_UINT] = "a non-negative integer",
        [ZT_OPT_DURATION] = "a duration such as 30s, 15m, 6h or 1d",
        [ZT_OPT_SIZE] = "a size such as 512K or 10M",
    };
    uint64_t v = 0;
    int r = opt->type == ZT_OPT_UINT       ? zt_parse_uint64(value, &v)
            : opt->type == ZT_OPT_DURATION ? zt_parse_duration_ms(value, &v)
                                           : zt_parse_size(value, &v);
    if (r < 0) {
        snprintf(err, errlen, "'%s' must be %s, got '%s'", opt->key, hint[opt->type], value);
        return -EINVAL;
    }
    if (opt->max > 0 && (v < opt->min || v > opt->max)) {
        range_error(opt, value, err, errlen);
        return -EINVAL;
    }
    *field = v;
    return 0;
}

int zt_option_set(const struct zt_option *opt, void *base, const char *value, char *err,
                  size_t errlen)
{
    void *field = (char *)base + opt->offset;

    switch (opt->type) {
    case ZT_OPT_STRING:
    case ZT_OPT_PATH:
    case ZT_OPT_URL:
        return set_string(opt, field, value, err, errlen);
    case ZT_OPT_BOOL:
        if (zt_parse_bool(value, field) < 0) {
            snprintf(err, errlen,
                     "'%s' must be a boolean (yes/no, true/false, on/off, 1/0), got '%s'", opt->key,
                     value);
            return -EINVAL;
        }
        return 0;
    case ZT_OPT_UINT:
    case ZT_OPT_DURATION:
    case ZT_OPT_SIZE:
        return set_number(opt, field, value, err, errlen);
    case ZT_OPT_STRLIST: {
        struct zt_strv *sv = field;
        for (const char *p = value; *p;) {
            size_t skip = strspn(p, " \t,");
            p += skip;
            size_t len = strcspn(p, " \t,");
            if (len > 0) {
                strv_append(sv, p, len);
            }
            p += len;
        }
        return 0;
    }
    case _ZT_OPT_TYPE_MAX:
        break;
    }
    snprintf(err, errlen, "'%s' has an unknown option type", opt->key);
    return -EINVAL;
}

int zt_options_defaults(const struct zt_option *table, void *base, char *err, size_t errlen)
{
    for (const struct zt_option *o = table; o && o->key; o++) {
        if (o->def) {
            int r = zt_option_set(o, base, o->def, err, errlen);
            if (r < 0) {
                return r;
            }
        }
    }
    return 0;
}

void zt_options_free(const struct zt_option *table, void *base)
{
    for (const struct zt_option *o = table; o && o->key; o++) {
        void *field = (char *)base + o->offset;
        switch (o->type) {
        case ZT_OPT_STRING:
        case ZT_OPT_PATH:
        case ZT_OPT_URL: {
            char **s = field;
            free(*s);
            *s = NULL;
            break;
        }
        case ZT_OPT_STRLIST:
            zt_strv_clear(field);
            break;
        default:
            break;
        }
    }
}

bool zt_option_is_set(const struct zt_option *o, const void *base)
{
    const void *field = (const char *)base + o->offset;
    switch (o->type) {
    case ZT_OPT_STRING:
    case ZT_OPT_PATH:
    case ZT_OPT_URL:
        return *(char *const *)field != NULL;
    case ZT_OPT_STRLIST:
        return ((const struct zt_strv *)field)->n > 0;
    default:
        return true;
    }
}
