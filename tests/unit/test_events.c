/* test_events.c - export events from a result document: ids, kinds, drift, and the OCSF and CEF
 * renderings field by field. */
#include "zt_test.h"

#include "drift.h"
#include "event.h"
#include "model.h"

/* A small result document: two functions, a failing Initial rule, a passing one, an unknown. */
static struct json_object *result_doc(const char *scan_id, const char *auth_stage,
                                      const char *mfa_status, const char *title)
{
    struct json_object *d = json_object_new_object(), *a, *e;
    json_object_object_add(d, "schema", json_object_new_string("ztmmd.result/1"));
    json_object_object_add(d, "scan_id", json_object_new_string(scan_id));
    json_object_object_add(d, "started_at", json_object_new_string("2026-11-22T16:39:59.000Z"));
    json_object_object_add(d, "finished_at", json_object_new_string("2026-11-22T16:40:00.123Z"));
    json_object_object_add(d, "host", json_object_new_string("web1"));
    a = json_object_new_array();
    e = json_tokener_parse(
        "{\"name\":\"contoso\",\"type\":\"entra\",\"status\":\"partial\","
        "\"error\":\"HTTP 403\",\"duration_ms\":5,\"requests\":3,\"evidence\":2}");
    json_object_array_add(a, e);
    json_object_object_add(d, "collectors", a);
    a = json_object_new_array();
    json_object_array_add(a,
                          json_tokener_parse("{\"key\":\"entra.ca.mfa_all_users\",\"value\":false,"
                                             "\"collector\":\"contoso\"}"));
    json_object_object_add(d, "evidence", a);
    a = json_object_new_array();
    e = json_object_new_object();
    json_object_object_add(e, "rule", json_object_new_string("entra.mfa_all_users"));
    json_object_object_add(e, "function", json_object_new_string("identity.authentication"));
    json_object_object_add(e, "stage", json_object_new_string("initial"));
    json_object_object_add(e, "status", json_object_new_string(mfa_status));
    json_object_object_add(e, "title", json_object_new_string(title));
    json_object_object_add(e, "remediation",
                           json_object_new_string("Set a=b\\c in policy|x\nthen reload"));
    json_object_object_add(e, "evidence", json_tokener_parse("[\"entra.ca.mfa_all_users\"]"));
    json_object_array_add(a, e);
    json_object_array_add(
        a, json_tokener_parse("{\"rule\":\"host.sudo\",\"function\":\"identity.access_management\","
                              "\"stage\":\"initial\",\"status\":\"pass\",\"title\":\"sudo\","
                              "\"evidence\":[]}"));
    json_object_array_add(
        a, json_tokener_parse("{\"rule\":\"host.luks\",\"function\":\"devices.asset_risk\","
                              "\"stage\":\"advanced\",\"status\":\"unknown\",\"title\":\"LUKS\","
                              "\"evidence\":[\"host.disk.luks\"]}"));
    json_object_object_add(d, "findings", a);
    a = json_object_new_array();
    e = json_object_new_object();
    json_object_object_add(e, "id", json_object_new_string("identity.authentication"));
    json_object_object_add(e, "pillar", json_object_new_string("identity"));
    json_object_object_add(e, "name", json_object_new_string("Authentication"));
    json_object_object_add(e, "stage", json_object_new_string(auth_stage));
    json_object_object_add(e, "bound", json_object_new_string("at_least"));
    json_object_object_add(e, "coverage", json_object_new_double(0.75));
    json_object_object_add(e, "attested", json_object_new_boolean(false));
    json_object_array_add(a, e);
    json_object_array_add(a, json_tokener_parse("{\"id\":\"identity.access_management\","
                                                "\"pillar\":\"identity\",\"stage\":\"unknown\","
                                                "\"bound\":\"exact\",\"coverage\":0}"));
    json_object_object_add(d, "functions", a);
    json_object_object_add(d, "pillars",
                           json_tokener_parse("[{\"id\":\"identity\",\"stage\":\"traditional\","
                                              "\"coverage\":0.5}]"));
    json_object_object_add(d, "overall",
                           json_tokener_parse("{\"stage\":\"traditional\",\"coverage\":0.05}"));
    return d;
}

static struct zt_model *model_of(struct json_object *doc)
{
    struct zt_model *m = NULL;
    char err[256];
    assert_int_equal(zt_model_from_result(doc, &m, err, sizeof(err)), 0);
    json_object_put(doc); /* the model holds its own reference */
    return m;
}

static size_t build(struct zt_model *prev, struct zt_model *cur, struct zt_event **ret)
{
    char **lines = NULL, err[256];
    zt_drift_compare(cur, prev);
    size_t n = zt_events_build(cur, &lines);
    struct zt_event *ev = calloc(n, sizeof(*ev));
    for (size_t i = 0; i < n; i++) {
        if (zt_event_parse(lines[i], strlen(lines[i]), &ev[i], err, sizeof(err)) < 0) {
            fail_msg("event %zu does not read back: %s: %s", i, err, lines[i]);
        }
        free(lines[i]);
    }
    free(lines);
    *ret = ev;
    return n;
}

static void free_events(struct zt_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        zt_event_done(&ev[i]);
    }
    free(ev);
}

static void test_events_of_one_scan(void **state)
{
    struct zt_model *m = model_of(result_doc("scan-1", "initial", "fail", "MFA for everyone"));
    struct zt_event *ev = NULL;
    size_t n = build(NULL, m, &ev);

    /* scan + 2 functions + 3 findings; no previous scan, no drift */
    assert_int_equal(n, 6);
    assert_int_equal(ev[0].kind, ZT_EVENT_SCAN);
    assert_string_equal(ev[0].stage, "traditional");
    assert_int_equal(ev[1].kind, ZT_EVENT_FUNCTION);
    assert_string_equal(ev[1].function, "identity.authentication");
    assert_string_equal(ev[1].stage, "initial");
    assert_string_equal(ev[1].bound, "at_least");
    assert_int_equal(ev[3].kind, ZT_EVENT_FINDING);
    assert_string_equal(ev[3].rule, "entra.mfa_all_users");
    assert_int_equal(ev[3].status, ZT_OUTCOME_FAIL);
    assert_string_equal(ev[3].pillar, "identity");
    assert_int_equal(ev[3].time_usec, 1795365600123000ull);
    /* The finding carries the values of its evidence. */
    struct json_object *evid = zt_json_array(ev[3].json, "evidence");
    assert_non_null(evid);
    assert_string_equal(zt_json_str(json_object_array_get_idx(evid, 0), "key"),
                        "entra.ca.mfa_all_users");
    assert_false(json_object_get_boolean(
        json_object_object_get(json_object_array_get_idx(evid, 0), "value")));
    /* findings = failing carries fail and unknown, not pass */
    assert_true(zt_event_is_failing_or_other(&ev[3]));
    assert_false(zt_event_is_failing_or_other(&ev[4]));
    assert_true(zt_event_is_failing_or_other(&ev[5]));
    assert_true(zt_event_is_failing_or_other(&ev[0]));
    /* ids: 32 hex, distinct */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strlen(ev[i].id), ZT_EVENT_ID_LEN);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(ev[i].id, ev[j].id);
        }
    }
    free_events(ev, n);
    zt_model_free(m);
}

static void test_event_ids_stable(void **state)
{
    struct zt_model *a = model_of(result_doc("scan-1", "initial", "fail", "t"));
    struct zt_model *b = model_of(result_doc("scan-1", "advanced", "pass", "other title"));
    struct zt_model *c = model_of(result_doc("scan-2", "initial", "fail", "t"));
    struct zt_event *ea, *eb, *ec;
    size_t na = build(NULL, a, &ea), nb = build(NULL, b, &eb), nc = build(NULL, c, &ec);

    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        /* the same scan and subject: the same id, whatever the values (a resend) */
        assert_string_equal(ea[i].id, eb[i].id);
        /* another scan: another id */
        assert_string_not_equal(ea[i].id, ec[i].id);
    }
    /* Known answer, computed apart from the code:
     * printf 'ztmmd.event/1\nscan-1\nfinding\nentra.mfa_all_users' | sha256sum | cut -c1-32 */
    assert_string_equal(ea[3].id, "d26baf656890a31103f792f7ac730627");
    free_events(ea, na), free_events(eb, nb), free_events(ec, nc);
    zt_model_free(a), zt_model_free(b), zt_model_free(c);
}

static void test_drift_events(void **state)
{
    struct zt_model *prev = model_of(result_doc("scan-1", "advanced", "pass", "t"));
    struct zt_model *cur = model_of(result_doc("scan-2", "initial", "fail", "t"));
    struct zt_event *ev;
    size_t n = build(prev, cur, &ev);

    /* 6 events + function stage drift + finding status drift */
    assert_int_equal(n, 8);
    assert_int_equal(ev[6].kind, ZT_EVENT_DRIFT);
    assert_int_equal(ev[6].scope, ZT_CHANGE_FUNCTION);
    assert_string_equal(ev[6].subject, "identity.authentication");
    assert_string_equal(ev[6].from, "advanced");
    assert_string_equal(ev[6].to, "initial");
    assert_int_equal(ev[6].direction, ZT_DIRECTION_REGRESSED);
    assert_string_equal(ev[6].previous_scan_id, "scan-1");
    assert_string_equal(ev[6].stage, "initial");
    assert_int_equal(ev[7].scope, ZT_CHANGE_FINDING);
    assert_string_equal(ev[7].function, "identity.authentication");
    assert_string_equal(ev[7].from, "pass");
    assert_string_equal(ev[7].to, "fail");
    assert_int_equal(ev[7].direction, ZT_DIRECTION_REGRESSED);
    /* One id per change: the drift event carries the id of the result's change, a known answer
     * (printf 'ztmmd.event/1\nscan-2\ndrift\nfunction:identity.authentication' | sha256sum). */
    assert_string_equal(ev[6].id, "5cd85f0a2c6e378afcffdc308210a779");
    assert_string_equal(ev[7].id, "abad4defa08d3e5ed27f9d8a8df3f780"); /* finding:entra.mfa_... */
    _cleanup_json_ struct json_object *changes = zt_drift_to_json(cur);
    assert_int_equal(json_object_array_length(changes), 2);
    assert_string_equal(zt_json_str(json_object_array_get_idx(changes, 0), "id"), ev[6].id);
    assert_string_equal(zt_json_str(json_object_array_get_idx(changes, 1), "id"), ev[7].id);
    free_events(ev, n);
    zt_model_free(prev), zt_model_free(cur);
}

static void test_event_parse_refuses(void **state)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"schema\":\"ztmmd.event/1\"}",
        "{\"schema\":\"other/1\",\"id\":\"0123456789abcdef0123456789abcdef\",\"kind\":\"scan\"}",
        "{\"schema\":\"ztmmd.event/1\",\"id\":\"XYZ\",\"kind\":\"scan\",\"time\":\"2026-01-01T00:"
        "00:00Z\",\"scan_id\":\"s\",\"host\":\"h\",\"overall\":{\"stage\":\"initial\"}}",
        "{\"schema\":\"ztmmd.event/1\",\"id\":\"0123456789abcdef0123456789abcdef\",\"kind\":"
        "\"finding\",\"time\":\"2026-01-01T00:00:00Z\",\"scan_id\":\"s\",\"host\":\"h\"}",
        "{\"schema\":\"ztmmd.event/1\",\"id\":\"0123456789abcdef0123456789abcdef\",\"kind\":"
        "\"scan\",\"time\":\"yesterday\",\"scan_id\":\"s\",\"host\":\"h\",\"overall\":{\"stage\":"
        "\"initial\"}}",
    };
    struct zt_event ev;
    char err[256];
    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        assert_int_equal(zt_event_parse(bad[i], strlen(bad[i]), &ev, err, sizeof(err)), -EBADMSG);
        assert_null(ev.json);
    }
}

static struct json_object *render_json(const struct zt_event *ev, enum zt_format f)
{
    size_t len;
    char *s = zt_event_render(ev, f, &len);
    assert_int_equal(strlen(s), len);
    assert_null(strchr(s, '\n'));
    struct json_object *o = json_tokener_parse(s);
    assert_non_null(o);
    free(s);
    return o;
}

static int64_t get_int(struct json_object *o, const char *path)
{
    struct json_object *v = zt_http_json_path(o, path);
    if (!v) {
        fail_msg("no %s", path);
    }
    return json_object_get_int64(v);
}

static const char *get_str(struct json_object *o, const char *path)
{
    struct json_object *v = zt_http_json_path(o, path);
    if (!v || !json_object_is_type(v, json_type_string)) {
        fail_msg("no string %s", path);
    }
    return json_object_get_string(v);
}

static void test_ocsf_compliance_finding(void **state)
{
    struct zt_model *prev = model_of(result_doc("scan-1", "advanced", "pass", "t"));
    struct zt_model *cur = model_of(result_doc("scan-2", "initial", "fail", "MFA for everyone"));
    struct zt_event *ev;
    size_t n = build(prev, cur, &ev);

    /* A failing Initial-stage finding. */
    struct json_object *o = render_json(&ev[3], ZT_FORMAT_OCSF);
    assert_int_equal(get_int(o, "class_uid"), 2003);
    assert_int_equal(get_int(o, "category_uid"), 2);
    assert_int_equal(get_int(o, "activity_id"), 1);
    assert_int_equal(get_int(o, "type_uid"), 200301);
    assert_int_equal(get_int(o, "time"), 1795365600123);
    assert_int_equal(get_int(o, "severity_id"), 4);
    assert_string_equal(get_str(o, "severity"), "High");
    assert_int_equal(get_int(o, "status_id"), 1); /* workflow: New */
    assert_string_equal(get_str(o, "metadata.version"), "1.8.0");
    assert_string_equal(get_str(o, "metadata.product.name"), "ztmmd");
    assert_string_equal(get_str(o, "metadata.product.vendor_name"), "ztmmd");
    assert_string_equal(get_str(o, "metadata.uid"), ev[3].id);
    assert_string_equal(get_str(o, "metadata.correlation_uid"), "scan-2");
    assert_string_equal(get_str(o, "finding_info.title"), "MFA for everyone");
    assert_string_equal(get_str(o, "finding_info.analytic.uid"), "entra.mfa_all_users");
    assert_int_equal(strlen(get_str(o, "finding_info.uid")), 32);
    struct json_object *std = zt_http_json_path(o, "compliance.standards");
    assert_int_equal(json_object_array_length(std), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(std, 0)), "CISA ZTMM 2.0");
    assert_string_equal(get_str(o, "compliance.control"), "identity.authentication");
    assert_int_equal(get_int(o, "compliance.status_id"), 3);
    assert_string_equal(get_str(o, "compliance.status"), "Fail");
    assert_string_equal(get_str(o, "remediation.desc"), "Set a=b\\c in policy|x\nthen reload");
    struct json_object *res = zt_http_json_path(o, "resources");
    assert_non_null(res);
    assert_string_equal(zt_json_str(json_object_array_get_idx(res, 0), "name"), "web1");
    assert_string_equal(get_str(o, "unmapped.ztmmd.id"), ev[3].id);
    /* finding_info.uid follows the finding from scan to scan; metadata.uid does not */
    struct zt_model *again = model_of(result_doc("scan-3", "initial", "fail", "x"));
    struct zt_event *ev3;
    size_t n3 = build(NULL, again, &ev3);
    struct json_object *o3 = render_json(&ev3[3], ZT_FORMAT_OCSF);
    assert_string_equal(get_str(o, "finding_info.uid"), get_str(o3, "finding_info.uid"));
    assert_string_not_equal(get_str(o, "metadata.uid"), get_str(o3, "metadata.uid"));
    json_object_put(o3);
    free_events(ev3, n3);
    zt_model_free(again);
    json_object_put(o);

    /* A passing finding: compliance Pass, still workflow New, informational. */
    o = render_json(&ev[4], ZT_FORMAT_OCSF);
    assert_int_equal(get_int(o, "compliance.status_id"), 1);
    assert_int_equal(get_int(o, "status_id"), 1);
    assert_int_equal(get_int(o, "severity_id"), 1);
    json_object_put(o);
    /* An unknown finding is Unknown, not Pass. */
    o = render_json(&ev[5], ZT_FORMAT_OCSF);
    assert_int_equal(get_int(o, "compliance.status_id"), 0);
    json_object_put(o);
    /* A function at initial: Warning. */
    o = render_json(&ev[1], ZT_FORMAT_OCSF);
    assert_int_equal(get_int(o, "compliance.status_id"), 2);
    assert_string_equal(get_str(o, "compliance.control"), "identity.authentication");
    json_object_put(o);
    /* A regression drift is an Update, High. */
    o = render_json(&ev[6], ZT_FORMAT_OCSF);
    assert_int_equal(get_int(o, "activity_id"), 2);
    assert_int_equal(get_int(o, "type_uid"), 200302);
    assert_int_equal(get_int(o, "severity_id"), 4);
    json_object_put(o);
    /* The scan summary's control is "overall". */
    o = render_json(&ev[0], ZT_FORMAT_OCSF);
    assert_string_equal(get_str(o, "compliance.control"), "overall");
    assert_int_equal(get_int(o, "compliance.status_id"), 3);
    json_object_put(o);
    free_events(ev, n);
    zt_model_free(prev), zt_model_free(cur);
}

static void test_cef_escaping(void **state)
{
    struct zt_model *m =
        model_of(result_doc("scan-1", "initial", "fail", "MFA | all \\ users=yes\nnow"));
    struct zt_event *ev;
    size_t n = build(NULL, m, &ev), len;
    char *s = zt_event_render(&ev[3], ZT_FORMAT_CEF, &len);
    char want[2048];

    snprintf(want, sizeof(want),
             "CEF:0|ztmmd|ztmmd|%s|finding:entra.mfa_all_users|MFA \\| all \\\\ users=yes now|8|"
             "rt=1795365600123 dvchost=web1 externalId=%s cat=finding outcome=fail "
             "cs1Label=function cs1=identity.authentication cs2Label=stage cs2=initial "
             "cs3Label=scanId cs3=scan-1 cs4Label=rule cs4=entra.mfa_all_users "
             "msg=Set a\\=b\\\\c in policy|x\\nthen reload",
             ZT_VERSION, ev[3].id);
    assert_string_equal(s, want);
    assert_null(strchr(s, '\n'));
    free(s);
    free_events(ev, n);
    zt_model_free(m);
}

static void test_json_format_is_the_native_event(void **state)
{
    struct zt_model *m = model_of(result_doc("scan-1", "initial", "fail", "t"));
    struct zt_event *ev;
    size_t n = build(NULL, m, &ev);
    struct json_object *o = render_json(&ev[3], ZT_FORMAT_JSON);
    assert_string_equal(get_str(o, "schema"), "ztmmd.event/1");
    assert_string_equal(get_str(o, "kind"), "finding");
    assert_string_equal(get_str(o, "id"), ev[3].id);
    assert_string_equal(get_str(o, "time"), "2026-11-22T16:40:00.123Z");
    json_object_put(o);
    free_events(ev, n);
    zt_model_free(m);
}

static void test_model_refuses_documents_without_identity(void **state)
{
    struct zt_model *m = NULL;
    char err[256];
    struct json_object *d = json_tokener_parse("{\"finished_at\":\"2026-01-01T00:00:00Z\"}");
    assert_int_equal(zt_model_from_result(d, &m, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "scan_id"));
    json_object_put(d);
    d = json_tokener_parse("{\"scan_id\":\"s\",\"finished_at\":\"never\",\"overall\":{\"stage\":"
                           "\"initial\"}}");
    assert_int_equal(zt_model_from_result(d, &m, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "finished_at"));
    json_object_put(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_of_one_scan),
        cmocka_unit_test(test_event_ids_stable),
        cmocka_unit_test(test_drift_events),
        cmocka_unit_test(test_event_parse_refuses),
        cmocka_unit_test(test_ocsf_compliance_finding),
        cmocka_unit_test(test_cef_escaping),
        cmocka_unit_test(test_json_format_is_the_native_event),
        cmocka_unit_test(test_model_refuses_documents_without_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
