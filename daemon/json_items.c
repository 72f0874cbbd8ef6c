/* json_items.c - split a list page into its items without building the page's tree.
 *
 * Only the structure of the top-level object is read here: '{', member names, ':', ',' and the
 * items array's '[' ']'. Every value (names included) is parsed by json-c's tokener, which stops
 * at the end of one value and reports where; so the accepted grammar is json-c's, and a page that
 * splits also parses whole to the same items and members (tests/fuzz/fuzz_json_items.c checks). */
#include "json_items.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "util.h"

struct splitter {
    const char *body;
    size_t len, pos;
    struct json_tokener *tok;
    char *err;
    size_t errlen;
};

static int fail(struct splitter *s, const char *what)
{
    snprintf(s->err, s->errlen, "offset %zu: %s", s->pos, what);
    return -EBADMSG;
}

/* A failure about the items member itself, named. */
static int fail_items(struct splitter *s, const char *field, const char *what)
{
    snprintf(s->err, s->errlen, "offset %zu: \"%.40s\" %s", s->pos, field, what);
    return -EBADMSG;
}

static void skip_ws(struct splitter *s)
{
    while (s->pos < s->len && (s->body[s->pos] == ' ' || s->body[s->pos] == '\t' ||
                               s->body[s->pos] == '\n' || s->body[s->pos] == '\r')) {
        s->pos++;
    }
}

/* Skip whitespace, then consume c if it is next. */
static bool eat(struct splitter *s, char c)
{
    skip_ws(s);
    if (s->pos < s->len && s->body[s->pos] == c) {
        s->pos++;
        return true;
    }
    return false;
}

/* Parse one value at pos with the tokener (JSON null gives *ret NULL) and move past it. */
static int parse_value(struct splitter *s, struct json_object **ret)
{
    skip_ws(s);
    if (s->pos >= s->len) {
        return fail(s, "unexpected end of data");
    }
    json_tokener_reset(s->tok);
    *ret = json_tokener_parse_ex(s->tok, s->body + s->pos, (int)(s->len - s->pos));
    enum json_tokener_error jerr = json_tokener_get_error(s->tok);
    if (jerr != json_tokener_success) {
        json_object_put(*ret);
        *ret = NULL;
        return fail(s, jerr == json_tokener_continue ? "unexpected end of data"
                                                     : json_tokener_error_desc(jerr));
    }
    s->pos += json_tokener_get_parse_end(s->tok);
    return 0;
}

/* The elements of the items array (pos is past its '['). */
static int split_array(struct splitter *s, zt_json_item_fn on_item, void *data, size_t *count)
{
    if (eat(s, ']')) {
        return 0;
    }
    for (;;) {
        struct json_object *item = NULL;
        int r = parse_value(s, &item);
        if (r < 0) {
            return r;
        }
        r = on_item(data, item, *count);
        json_object_put(item);
        if (r < 0) {
            return r;
        }
        (*count)++;
        if (eat(s, ']')) {
            return 0;
        }
        if (!eat(s, ',')) {
            return fail(s, "expected ',' or ']' between items");
        }
    }
}

int zt_json_items_split(const char *body, size_t len, const char *items_field, int max_depth,
                        zt_json_item_fn on_item, void *data, struct json_object **envelope,
                        size_t *count, char *err, size_t errlen)
{
    struct splitter s = {.body = body, .len = len, .err = err, .errlen = errlen};
    _cleanup_json_ struct json_object *env = NULL;
    size_t n = 0;
    bool seen = false;
    int r = 0;

    if (len > INT_MAX) {
        return fail(&s, "body too large");
    }
    if (max_depth < 3) {
        max_depth = 3; /* the page, its array, an item */
    }
    /* Items are two levels down, other members one: the whole page's depth limit holds. */
    s.tok = json_tokener_new_ex(max_depth - 1);
    struct json_tokener *item_tok = json_tokener_new_ex(max_depth - 2);
    if (!s.tok || !item_tok) {
        r = -ENOMEM;
        goto out;
    }
    if (!eat(&s, '{')) {
        r = fail(&s, "expected a JSON object");
        goto out;
    }
    env = json_object_new_object();
    if (eat(&s, '}')) {
        goto end;
    }
    for (;;) {
        struct json_object *name = NULL, *v = NULL;
        skip_ws(&s);
        if (s.pos >= s.len || s.body[s.pos] != '"') {
            r = fail(&s, "expected a member name");
            goto out;
        }
        r = parse_value(&s, &name);
        if (r < 0) {
            goto out;
        }
        if (!json_object_is_type(name, json_type_string)) { /* cannot happen after '"' */
            json_object_put(name);
            r = fail(&s, "expected a member name");
            goto out;
        }
        if (!eat(&s, ':')) {
            json_object_put(name);
            r = fail(&s, "expected ':'");
            goto out;
        }
        const char *key = json_object_get_string(name);
        if (strcmp(key, items_field) == 0) {
            json_object_put(name);
            if (seen) {
                r = fail_items(&s, items_field, "appears twice");
                goto out;
            }
            seen = true;
            if (!eat(&s, '[')) {
                r = fail_items(&s, items_field, "is not an array");
                goto out;
            }
            struct json_tokener *page_tok = s.tok;
            s.tok = item_tok;
            r = split_array(&s, on_item, data, &n);
            s.tok = page_tok;
            if (r < 0) {
                goto out;
            }
        } else {
            r = parse_value(&s, &v);
            if (r < 0) {
                json_object_put(name);
                goto out;
            }
            json_object_object_add(env, key, v); /* a repeated name: the last wins, as json-c */
            json_object_put(name);
        }
        if (eat(&s, '}')) {
            break;
        }
        if (!eat(&s, ',')) {
            r = fail(&s, "expected ',' or '}'");
            goto out;
        }
    }
end:
    skip_ws(&s);
    if (s.pos != s.len) {
        r = fail(&s, "trailing data");
        goto out;
    }
    if (!seen) {
        snprintf(err, errlen, "no \"%s\" array", items_field);
        r = -EBADMSG;
        goto out;
    }
    if (count) {
        *count = n;
    }
    *envelope = TAKE_PTR(env);
out:
    if (s.tok) {
        json_tokener_free(s.tok);
    }
    if (item_tok) {
        json_tokener_free(item_tok);
    }
    return r;
}
