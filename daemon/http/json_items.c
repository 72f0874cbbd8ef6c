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
    struct json_tokener *tok, *item_tok;
    const char *items_field;
    zt_json_item_fn on_item;
    void *data;
    size_t count; /* items handed to on_item */
    bool seen;    /* the items member was read */
    bool head;    /* zt_json_items_head(): the data may stop anywhere, and stops at the array */
    char *err;
    size_t errlen;
};

/* Running out of data is no error while reading a head: more may come. */
static bool need_more(const struct splitter *s)
{
    return s->head && s->pos >= s->len;
}

static int fail(struct splitter *s, const char *what)
{
    if (need_more(s)) {
        return -EAGAIN;
    }
    snprintf(s->err, s->errlen, "offset %zu: %s", s->pos, what);
    return -EBADMSG;
}

/* A failure about the items member itself, named. */
static int fail_items(struct splitter *s, const char *what)
{
    if (need_more(s)) {
        return -EAGAIN;
    }
    snprintf(s->err, s->errlen, "offset %zu: \"%.40s\" %s", s->pos, s->items_field, what);
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
        if (s->head && jerr == json_tokener_continue) {
            return -EAGAIN; /* the value goes on past the data received so far */
        }
        return fail(s, jerr == json_tokener_continue ? "unexpected end of data"
                                                     : json_tokener_error_desc(jerr));
    }
    s->pos += json_tokener_get_parse_end(s->tok);
    return 0;
}

/* The elements of the items array (pos is past its '['). */
static int split_array(struct splitter *s)
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
        r = s->on_item(s->data, item, s->count);
        json_object_put(item);
        if (r < 0) {
            return r;
        }
        s->count++;
        if (eat(s, ']')) {
            return 0;
        }
        if (!eat(s, ',')) {
            return fail(s, "expected ',' or ']' between items");
        }
    }
}

/* The items member, after its ':'. A head stops after the '[' (1); a split reads the items (0). */
static int read_items(struct splitter *s)
{
    if (s->seen) {
        return fail_items(s, "appears twice");
    }
    s->seen = true;
    if (!eat(s, '[')) {
        return fail_items(s, "is not an array");
    }
    if (s->head) {
        return 1;
    }
    struct json_tokener *page_tok = s->tok;
    s->tok = s->item_tok;
    int r = split_array(s);
    s->tok = page_tok;
    return r;
}

/* The members of the top-level object (pos is past its '{'), every one but the items set in env:
 * 0 at the object's '}', 1 when a head has reached the items array, or a negative errno. */
static int read_members(struct splitter *s, struct json_object *env)
{
    if (eat(s, '}')) {
        return 0;
    }
    for (;;) {
        struct json_object *name = NULL, *v = NULL;
        skip_ws(s);
        if (s->pos >= s->len || s->body[s->pos] != '"') {
            return fail(s, "expected a member name");
        }
        int r = parse_value(s, &name);
        if (r < 0) {
            return r;
        }
        if (!json_object_is_type(name, json_type_string)) { /* cannot happen after '"' */
            json_object_put(name);
            return fail(s, "expected a member name");
        }
        if (!eat(s, ':')) {
            json_object_put(name);
            return fail(s, "expected ':'");
        }
        const char *key = json_object_get_string(name);
        if (strcmp(key, s->items_field) == 0) {
            json_object_put(name);
            r = read_items(s);
            if (r != 0) {
                return r;
            }
        } else {
            r = parse_value(s, &v);
            if (r < 0) {
                json_object_put(name);
                return r;
            }
            json_object_object_add(env, key, v); /* a repeated name: the last wins, as json-c */
            json_object_put(name);
        }
        if (eat(s, '}')) {
            return 0;
        }
        if (!eat(s, ',')) {
            return fail(s, "expected ',' or '}'");
        }
    }
}

/* Items are two levels down, other members one: the whole page's depth limit holds. */
static int splitter_init(struct splitter *s, int max_depth)
{
    if (s->len > INT_MAX) {
        return fail(s, "body too large");
    }
    if (max_depth < 3) {
        max_depth = 3; /* the page, its array, an item */
    }
    s->tok = json_tokener_new_ex(max_depth - 1);
    s->item_tok = json_tokener_new_ex(max_depth - 2);
    return s->tok && s->item_tok ? 0 : -ENOMEM;
}

static void splitter_done(struct splitter *s)
{
    if (s->tok) {
        json_tokener_free(s->tok);
    }
    if (s->item_tok) {
        json_tokener_free(s->item_tok);
    }
}

/* The page object up to its end (split: 0) or up to its items array (head: 1), the members but
 * the items in *env (a new object, also on failure). */
static int read_page(struct splitter *s, int max_depth, struct json_object **env)
{
    int r = splitter_init(s, max_depth);
    if (r < 0) {
        return r;
    }
    if (!eat(s, '{')) {
        return fail(s, "expected a JSON object");
    }
    *env = json_object_new_object();
    return read_members(s, *env);
}

int zt_json_items_split(const char *body, size_t len, const char *items_field, int max_depth,
                        zt_json_item_fn on_item, void *data, struct json_object **envelope,
                        size_t *count, char *err, size_t errlen)
{
    struct splitter s = {.body = body,
                         .len = len,
                         .items_field = items_field,
                         .on_item = on_item,
                         .data = data,
                         .err = err,
                         .errlen = errlen};
    _cleanup_json_ struct json_object *env = NULL;

    int r = read_page(&s, max_depth, &env);
    if (r < 0) {
        goto out;
    }
    skip_ws(&s);
    if (s.pos != s.len) {
        r = fail(&s, "trailing data");
        goto out;
    }
    if (!s.seen) {
        snprintf(err, errlen, "no \"%s\" array", items_field);
        r = -EBADMSG;
        goto out;
    }
    if (count) {
        *count = s.count;
    }
    *envelope = TAKE_PTR(env);
out:
    splitter_done(&s);
    return r;
}

int zt_json_items_head(const char *body, size_t len, const char *items_field, int max_depth,
                       struct json_object **envelope)
{
    struct splitter s = {.body = body, .len = len, .items_field = items_field, .head = true};
    _cleanup_json_ struct json_object *env = NULL;

    int r = read_page(&s, max_depth, &env);
    if (r == 1) {
        *envelope = TAKE_PTR(env);
    } else if (r == -EAGAIN) {
        r = 0; /* the data ends before the array: more may come */
    } else if (r == 0 || r == -EBADMSG) {
        r = -EBADMSG; /* ended or went wrong before the array: not the start of a list page */
    }
    splitter_done(&s);
    return r;
}
