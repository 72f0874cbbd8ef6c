/* test_json_items.c - splitting a list page into its items: the items and the rest of the page
 * must be what a whole parse gives, and every malformed page must be refused with its offset.
 * Also zt_json_items_head(), the start of a page that is still arriving, and zt_json_parse(), the
 * whole-document parse every other reader of outside JSON uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "json_items.h"
#include "util.h"

struct seen {
    struct json_object *items; /* array of what on_item got */
    size_t fail_at;            /* return -EIO at this index (SIZE_MAX: never) */
};

static int collect(void *data, struct json_object *item, size_t index)
{
    struct seen *s = data;
    assert_int_equal(index, json_object_array_length(s->items));
    if (index == s->fail_at) {
        return -EIO;
    }
    json_object_array_add(s->items, json_object_get(item));
    return 0;
}

/* Split body; on success check it against a whole parse of the same body. */
static int split(const char *body, struct seen *s, struct json_object **env, char *err)
{
    size_t n = 0;
    s->items = json_object_new_array();
    int r = zt_json_items_split(body, strlen(body), "value", 32, collect, s, env, &n, err, 160);
    if (r == 0) {
        struct json_object *whole = json_tokener_parse(body);
        struct json_object *value = NULL;
        assert_non_null(whole);
        assert_true(json_object_object_get_ex(whole, "value", &value));
        assert_true(json_object_equal(value, s->items));
        assert_int_equal(n, json_object_array_length(value));
        json_object_object_del(whole, "value");
        assert_true(json_object_equal(whole, *env));
        json_object_put(whole);
    }
    return r;
}

static void test_json_items_page(void **state)
{
    struct seen s = {.fail_at = SIZE_MAX};
    struct json_object *env = NULL;
    char err[160];

    /* A Graph page: context first, items, nextLink last; scalars, nesting, escapes, unicode. */
    const char *page =
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#x\",\n"
        " \"value\" : [ {\"id\":\"a\",\"n\":[1,2,{\"x\":null}]} , 12 ,-3.5e2,\"s,]}\\\"\",true,"
        "false,null,[],{}, {\"k\":\"\\u00e9\\n\"} ],\r\n"
        " \"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/x?$skiptoken=1\"}\n";
    assert_int_equal(split(page, &s, &env, err), 0);
    assert_int_equal(json_object_array_length(s.items), 10);
    assert_string_equal(json_object_get_string(json_object_object_get(env, "@odata.nextLink")),
                        "https://graph.microsoft.com/v1.0/x?$skiptoken=1");
    assert_int_equal(json_object_object_length(env), 2);
    json_object_put(env);
    json_object_put(s.items);

    /* Items member first, last, alone; an empty array; numbers right before ']' and '}'. */
    const char *ok[] = {
        "{\"value\":[]}",
        " { \"value\" : [ ] } ",
        "{\"value\":[1],\"@odata.count\":1}",
        "{\"a\":0,\"value\":[0]}",
        "{\"value\":[{\"v\":[[[]]]}],\"b\":{\"value\":[1,2]}}",
        "{\"value\":[\"\\\"]\"],\"v\":\"value\"}",
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(ok); i++) {
        env = NULL;
        assert_int_equal(split(ok[i], &s, &env, err), 0);
        json_object_put(env);
        json_object_put(s.items);
    }
}

static void test_json_items_refused(void **state)
{
    static const struct {
        const char *body, *why;
    } bad[] = {
        {"", "expected a JSON object"},
        {"[1,2]", "expected a JSON object"},
        {"{}", "no \"value\" array"},
        {"{\"values\":[]}", "no \"value\" array"},
        {"{\"value\":{\"id\":1}}", "not an array"},
        {"{\"value\":null}", "not an array"},
        {"{\"value\":[],\"value\":[]}", "appears twice"},
        {"{\"value\":[{\"id\":1},{\"id\":", "unexpected end"},
        {"{\"value\":[{\"id\":1}", "expected ',' or ']'"},
        {"{\"value\":[1 2]}", "expected ',' or ']'"},
        {"{\"value\":[1,]}", "offset 12"},
        {"{\"value\":[] \"a\":1}", "expected ',' or '}'"},
        {"{\"value\":[]}}", "trailing data"},
        {"{\"value\":[]} x", "offset 13: trailing data"},
        {"{value:[]}", "expected a member name"},
        {"{\"value\" []}", "expected ':'"},
        {"{\"value\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
         "nesting too deep"},
    };
    char err[160];

    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        struct seen s = {.fail_at = SIZE_MAX};
        struct json_object *env = NULL;
        err[0] = '\0';
        assert_int_equal(split(bad[i].body, &s, &env, err), -EBADMSG);
        assert_null(env);
        if (!strstr(err, bad[i].why)) {
            fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].body, err, bad[i].why);
        }
        json_object_put(s.items);
    }
}

/* The consumer's error stops the split at once and is returned as is; a NUL inside the body is
 * not the end of it. */
static void test_json_items_consumer_error(void **state)
{
    struct seen s = {.fail_at = 2};
    struct json_object *env = NULL;
    char err[160] = "";
    const char body[] = "{\"value\":[1,2,3,4]}";

    assert_int_equal(split(body, &s, &env, err), -EIO);
    assert_null(env);
    assert_int_equal(json_object_array_length(s.items), 2);
    json_object_put(s.items);

    const char nul[] = "{\"value\":[1]}\0{";
    s = (struct seen){.fail_at = SIZE_MAX, .items = json_object_new_array()};
    assert_int_equal(zt_json_items_split(nul, sizeof(nul) - 1, "value", 32, collect, &s, &env, NULL,
                                         err, sizeof(err)),
                     -EBADMSG);
    assert_non_null(strstr(err, "trailing data"));
    json_object_put(s.items);
}

/* zt_json_parse(): one whole value, whitespace after it, the reason and byte of a refusal. */
static void test_json_parse_whole(void **state)
{
    struct json_object *o = NULL;
    char err[128];

    assert_int_equal(zt_json_parse(" {\"a\": [1]} \r\n", 14, 8, &o, err, sizeof(err)), 0);
    assert_true(json_object_is_type(o, json_type_object));
    json_object_put(o);
    assert_int_equal(zt_json_parse("123", 3, 8, &o, err, sizeof(err)), 0); /* bare number */
    assert_int_equal(json_object_get_int(o), 123);
    json_object_put(o);
    assert_int_equal(zt_json_parse("null", 4, 8, &o, err, sizeof(err)), 0);
    assert_null(o);

    static const struct {
        const char *text;
        size_t len;
        const char *why;
    } bad[] = {
        {"", 0, "byte 0: unexpected end of data"},
        {"{\"a\":", 5, "byte 5: unexpected end of data"},
        {"{} x", 4, "byte 3: trailing data"},
        {"{}{}", 4, "byte 2: trailing data"},
        {"{}\0", 3, "byte 2: trailing data"},
        {"[[[[1]]]]", 9, "nesting too deep"},
        {"{,}", 3, "byte 1: "},
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        o = (struct json_object *)&o; /* must be reset */
        err[0] = '\0';
        assert_int_equal(zt_json_parse(bad[i].text, bad[i].len, 3, &o, err, sizeof(err)), -EBADMSG);
        assert_null(o);
        if (!strstr(err, bad[i].why)) {
            fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].text, err, bad[i].why);
        }
    }
}

/* zt_json_items_head() over every prefix of a page: nothing until the items array's '[' has
 * arrived, then the members before it, the same at every longer prefix; never a refusal. */
static void head_prefixes(const char *page, const char *items_field, const char *const *keys,
                          size_t n_keys)
{
    size_t len = strlen(page), open = strchr(strstr(page, items_field), '[') - page;
    struct json_object *first = NULL;

    for (size_t k = 0; k <= len; k++) {
        struct json_object *env = NULL;
        int r = zt_json_items_head(page, k, items_field, 32, &env);
        if (k <= open) {
            assert_int_equal(r, 0);
            assert_null(env);
            continue;
        }
        assert_int_equal(r, 1);
        if (!first) {
            first = env;
            continue;
        }
        assert_true(json_object_equal(env, first));
        json_object_put(env);
    }
    assert_int_equal(json_object_object_length(first), n_keys);
    for (size_t i = 0; i < n_keys; i++) {
        assert_non_null(json_object_object_get(first, keys[i]));
    }
    json_object_put(first);
}

static void test_json_items_head(void **state)
{
    /* Graph: context and nextLink before value (a number and a literal split mid-way too). */
    static const char *const graph[] = {"@odata.context", "@odata.count", "ok", "@odata.nextLink"};
    head_prefixes(
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#x\", "
        "\"@odata.count\": 12345, \"ok\": true,\n \"@odata.nextLink\":"
        "\"https://graph.microsoft.com/v1.0/x?$skiptoken=1\", \"value\" : [ {\"id\":1} ]}",
        "value", graph, 4);
    /* Kubernetes: metadata (with the continue token) before items. */
    static const char *const k8s[] = {"kind", "apiVersion", "metadata"};
    head_prefixes("{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\",\"metadata\":{\"continue\":"
                  "\"eyJ2\",\"resourceVersion\":\"12\"},\"items\":[{\"metadata\":{}}]}",
                  "items", k8s, 3);
    /* ARM: nothing before value (nextLink comes after it). */
    head_prefixes(
        "{\"value\":[{\"name\":\"nsg\"}],\"nextLink\":\"https://management.azure.com/x\"}", "value",
        NULL, 0);

    static const char *const bad[] = {
        "[1,2]",                 /* not an object */
        "{}",                    /* ended without the array */
        "{\"a\":1}",             /* the same */
        "{\"value\":{\"id\":1}", /* not an array */
        "{\"a\" 1",              /* malformed */
        "{\"a\":1 \"value\":[",  /* malformed */
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        struct json_object *env = NULL;
        int r = zt_json_items_head(bad[i], strlen(bad[i]), "value", 32, &env);
        if (r != -EBADMSG) {
            fail_msg("%s: %d, not -EBADMSG", bad[i], r);
        }
        assert_null(env);
    }
    /* The head stops at the first array: what follows (here a second one, which the split
     * refuses) is the split's to judge. */
    struct json_object *env = NULL;
    assert_int_equal(zt_json_items_head("{\"value\":[],\"value\":[]}", 23, "value", 32, &env), 1);
    json_object_put(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_items_page),           cmocka_unit_test(test_json_items_refused),
        cmocka_unit_test(test_json_items_consumer_error), cmocka_unit_test(test_json_items_head),
        cmocka_unit_test(test_json_parse_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
