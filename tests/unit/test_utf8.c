/* test_utf8.c - the one UTF-8 check: well-formed sequences, repair, and the two edges that use
 * it (a collector's evidence and problems; a document read into a model). */
#include <string.h>

#include "ctx.h"
#include "model.h"
#include "utf8.h"
#include "zt_test.h"

static void test_utf8_sequences(void **state)
{
    (void)state;
    assert_int_equal(zt_utf8_seq("a", 1), 1);
    assert_int_equal(zt_utf8_seq("\xc3\xa9", 2), 2);         /* é */
    assert_int_equal(zt_utf8_seq("\xe2\x82\xac", 3), 3);     /* € */
    assert_int_equal(zt_utf8_seq("\xf0\x9f\x94\x92", 4), 4); /* 🔒 */
    assert_int_equal(zt_utf8_seq("\xe2\x82\xac", 2), 0);     /* cut short */
    assert_int_equal(zt_utf8_seq("\xc0\xaf", 2), 0);         /* overlong '/' */
    assert_int_equal(zt_utf8_seq("\xe0\x80\xaf", 3), 0);     /* overlong */
    assert_int_equal(zt_utf8_seq("\xed\xa0\x80", 3), 0);     /* surrogate */
    assert_int_equal(zt_utf8_seq("\xf4\x90\x80\x80", 4), 0); /* above U+10FFFF */
    assert_int_equal(zt_utf8_seq("\x80", 1), 0);             /* stray continuation */
    assert_int_equal(zt_utf8_seq("\xff", 1), 0);
    assert_true(zt_utf8_valid("plain \xc3\xa9t\xc3\xa9", 11));
    assert_false(zt_utf8_valid("bad \xff", 5));
}

static void test_utf8_repair(void **state)
{
    (void)state;
    _cleanup_free_ char *a = zt_utf8_repair("id\xffx\xe2\x82", 6);
    assert_string_equal(a, "id\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd");
    _cleanup_free_ char *b = zt_utf8_repair("ok \xe2\x82\xac", 6);
    assert_string_equal(b, "ok \xe2\x82\xac");

    struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
    json_object_array_add(arr, json_object_new_string("fine"));
    json_object_array_add(arr, json_object_new_string("bad\xfe"));
    json_object_object_add(o, "list", arr);
    json_object_object_add(o, "k\xff", json_object_new_int(7));
    assert_int_equal(zt_utf8_repair_json(o), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(arr, 1)),
                        "bad\xef\xbf\xbd");
    struct json_object *v = NULL;
    assert_true(json_object_object_get_ex(o, "k\xef\xbf\xbd", &v));
    assert_int_equal(json_object_get_int(v), 7);
    assert_int_equal(zt_utf8_repair_json(o), 0); /* nothing left to do */
    json_object_put(o);
}

/* The collector edge: evidence values, details and problems are valid UTF-8 once emitted. */
static void test_utf8_emit_edge(void **state)
{
    (void)state;
    struct zt_ctx *ctx = zt_ctx_new("acme", 0);
    struct json_object *detail = json_object_new_object();
    const struct zt_evidence *e = NULL;

    json_object_object_add(detail, "policy", json_object_new_string("Caf\xe9 policy"));
    assert_int_equal(zt_emit(ctx, "okta.x.name", json_object_new_string("n\xff"), detail), 0);
    assert_int_equal(zt_evidence_lookup(zt_ctx_evidence(ctx), "okta.x.name", &e), 1);
    assert_string_equal(json_object_get_string(e->value), "n\xef\xbf\xbd");
    assert_string_equal(zt_json_str(e->detail, "policy"), "Caf\xef\xbf\xbd policy");
    zt_ctx_error(ctx, -EBADMSG, "vendor said %s", "\xc0\xafnope");
    assert_string_equal(zt_ctx_first_error(ctx), "vendor said \xef\xbf\xbd\xef\xbf\xbdnope");
    zt_ctx_free(ctx);
}

/* The document edge: a result read back with an invalid byte is repaired in its model. */
static void test_utf8_model_edge(void **state)
{
    (void)state;
    struct json_object *doc = json_tokener_parse(
        "{\"scan_id\":\"s\",\"finished_at\":\"2026-12-07T10:00:00Z\","
        "\"overall\":{\"stage\":\"initial\"},\"host\":\"h\","
        "\"findings\":[{\"rule\":\"r.one\",\"status\":\"fail\",\"stage\":\"initial\"}]}");
    struct zt_model *m = NULL;
    char err[256];

    json_object_object_add(doc, "host", json_object_new_string("web\xff"));
    assert_int_equal(zt_model_from_result(doc, &m, err, sizeof(err)), 0);
    assert_string_equal(m->host, "web\xef\xbf\xbd");
    zt_model_free(m);
    json_object_put(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_sequences),
        cmocka_unit_test(test_utf8_repair),
        cmocka_unit_test(test_utf8_emit_edge),
        cmocka_unit_test(test_utf8_model_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
