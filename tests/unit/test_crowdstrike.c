/* test_crowdstrike.c - the crowdstrike collector: host details and ZTA scores folded on
 * hand-written documents (the traps: RFM "Unknown", a prevention policy assigned but not applied,
 * "applied" as a string, stale and undated hosts), ZTA counts (an API ignoring the score filter),
 * the scroll's end, regions, pacing and option checks; and collect() end to end against the fixture
 * server's synthetic Falcon API (the scroll past 10,000 hosts, X-CS-Region, a wrong secret, a
 * denied scope, a malformed body). */
#include "zt_test.h"

#include <errno.h>

#include "crowdstrike/crowdstrike.h"
#include "ms_test.h"

#define NOW 1717243200 /* 2024-06-01T12:00:00Z */
#define DAY 86400

#define SECRET    "falcon-secret~0123456789abcdef"
#define CLIENT_ID "3f8a2c1d9b7e4f60a5c3d2e1f0b9a8c7"

static const char *DETAILS =
    "{\"meta\": {\"query_time\": 0.01, \"powered_by\": \"device-api\"}, \"errors\": [], "
    "\"resources\": ["
    /* 0: healthy and protected */
    "{\"device_id\": \"a1\", \"platform_name\": \"Windows\", \"last_seen\": "
    "\"2024-06-01T11:00:00Z\","
    " \"reduced_functionality_mode\": \"no\", \"status\": \"normal\", \"device_policies\": "
    "{\"prevention\": {\"policy_type\": \"prevention\", \"policy_id\": \"p1\", \"applied\": true,"
    " \"assigned_date\": \"2024-02-01T10:00:00Z\", \"applied_date\": \"2024-02-01T10:02:11Z\"}}},"
    /* 1: trap: policy assigned but not applied yet; "No" in another case is still "no" */
    "{\"device_id\": \"a2\", \"platform_name\": \"mac\", \"last_seen\": "
    "\"2024-06-01T08:00:00.123Z\","
    " \"reduced_functionality_mode\": \"No\", \"device_policies\": {\"prevention\": {\"policy_id\":"
    " \"p1\", \"applied\": false, \"assigned_date\": \"2024-05-31T10:00:00Z\"}}},"
    /* 2: trap: RFM "Unknown" is not full functionality */
    "{\"device_id\": \"a3\", \"platform_name\": \"Linux\", \"last_seen\": \"2024-06-01T11:30:00Z\","
    " \"reduced_functionality_mode\": \"Unknown\", \"device_policies\": {\"prevention\": "
    "{\"policy_id\": \"p2\", \"applied\": true}}},"
    /* 3: in RFM; "applied" as a string does not count */
    "{\"device_id\": \"a4\", \"platform_name\": \"Linux\", \"last_seen\": \"2024-06-01T11:30:00Z\","
    " \"reduced_functionality_mode\": \"yes\", \"device_policies\": {\"prevention\": "
    "{\"policy_id\": \"p2\", \"applied\": \"true\"}}},"
    /* 4: trap: stale (20 days), contained, no prevention policy at all */
    "{\"device_id\": \"a5\", \"platform_name\": \"Windows\", \"last_seen\": "
    "\"2024-05-12T12:00:00Z\","
    " \"reduced_functionality_mode\": \"no\", \"status\": \"contained\", \"device_policies\": {}},"
    /* 5: no last_seen, no RFM field, no device_policies */
    "{\"device_id\": \"a6\", \"platform_name\": \"Chrome OS\"},"
    /* 6: last_seen unparsable */
    "{\"device_id\": \"a7\", \"platform_name\": \"Windows\", \"last_seen\": \"yesterday\", "
    "\"reduced_functionality_mode\": \"no\"},"
    /* not a host */
    "\"junk\", 17]}";

static int host_item(void *data, struct json_object *item, size_t index)
{
    zt_cs_host_item(data, item);
    return 0;
}

/* Split a page on "resources" as the engine does; returns its envelope (caller puts it). */
static struct json_object *split(const char *body, zt_json_item_fn fn, void *data, size_t *n)
{
    struct json_object *env = NULL;
    char err[160] = "";
    if (zt_json_items_split(body, strlen(body), "resources", 32, fn, data, &env, n, err,
                            sizeof(err)) < 0) {
        fail_msg("page refused: %s", err);
    }
    return env;
}

static struct json_object *detail_of(struct zt_ctx *ctx, const char *key)
{
    const struct zt_evidence *e = NULL;
    assert_int_equal(zt_evidence_lookup(zt_ctx_evidence(ctx), key, &e), 1);
    return e->detail;
}

static int64_t detail_int(struct json_object *d, const char *path)
{
    struct json_object *v = zt_http_json_path(d, path);
    if (!v) {
        fail_msg("detail %s missing", path);
    }
    return json_object_get_int64(v);
}

static void test_crowdstrike_hosts_reduce(void **state)
{
    struct zt_cs_hosts h;
    size_t n = 0;

    zt_cs_hosts_init(&h, NOW, 7 * DAY);
    struct json_object *env = split(DETAILS, host_item, &h, &n);
    zt_cs_details_page(&h, env);
    json_object_put(env);
    assert_int_equal(n, 9);
    assert_int_equal(h.total, 7);
    assert_int_equal(h.skipped, 2);
    assert_int_equal(h.platform[ZT_CS_WINDOWS], 3);
    assert_int_equal(h.platform[ZT_CS_MAC], 1); /* "mac": any case */
    assert_int_equal(h.platform[ZT_CS_LINUX], 2);
    assert_int_equal(h.platform[ZT_CS_PLATFORM_OTHER], 1);
    assert_int_equal(h.rfm[ZT_CS_RFM_NO], 4);
    assert_int_equal(h.rfm[ZT_CS_RFM_YES], 1);
    assert_int_equal(h.rfm[ZT_CS_RFM_UNKNOWN], 2); /* "Unknown" and absent */
    assert_int_equal(h.prevention[ZT_CS_PREVENTION_APPLIED], 2);
    assert_int_equal(h.prevention[ZT_CS_PREVENTION_NOT_APPLIED], 2); /* false, and "true" */
    assert_int_equal(h.prevention[ZT_CS_PREVENTION_NONE], 3);
    assert_int_equal(h.recently_seen, 4);
    assert_int_equal(h.seen_unknown, 2);
    assert_int_equal(h.healthy, 2);    /* a1, a2: recent and RFM no */
    assert_int_equal(h.protected_, 1); /* a1 only: a2's policy is not applied */
    assert_int_equal(h.contained, 1);
    assert_int_equal(h.api_errors, 0);

    struct zt_ctx *ctx = zt_ctx_new("crowdstrike", 0);
    assert_int_equal(zt_cs_hosts_emit(ctx, &h, NULL), 0);
    assert_evidence_int(ctx, "crowdstrike.hosts.count", 7);
    assert_evidence_int(ctx, "crowdstrike.hosts.recently_seen_count", 4);
    assert_true(value_double(ctx, "crowdstrike.hosts.recently_seen_share") == 4.0 / 7.0);
    assert_evidence_int(ctx, "crowdstrike.hosts.stale_count", 3);
    assert_evidence_int(ctx, "crowdstrike.hosts.reduced_functionality_count", 1);
    assert_evidence_int(ctx, "crowdstrike.hosts.rfm_unknown_count", 2);
    assert_evidence_int(ctx, "crowdstrike.hosts.healthy_count", 2);
    assert_true(value_double(ctx, "crowdstrike.hosts.healthy_share") == 2.0 / 7.0);
    assert_evidence_int(ctx, "crowdstrike.hosts.prevention_applied_count", 2);
    assert_true(value_double(ctx, "crowdstrike.hosts.prevention_applied_share") == 2.0 / 7.0);
    assert_evidence_int(ctx, "crowdstrike.hosts.prevention_not_applied_count", 2);
    assert_evidence_int(ctx, "crowdstrike.hosts.prevention_unassigned_count", 3);
    assert_evidence_int(ctx, "crowdstrike.hosts.protected_count", 1);
    assert_evidence_int(ctx, "crowdstrike.hosts.contained_count", 1);
    struct json_object *d = detail_of(ctx, "crowdstrike.hosts.count");
    assert_int_equal(detail_int(d, "by_platform.Windows"), 3);
    assert_int_equal(detail_int(d, "skipped_elements"), 2);
    assert_int_equal(
        detail_int(detail_of(ctx, "crowdstrike.hosts.recently_seen_count"), "last_seen_unknown"),
        2);
    assert_int_equal(
        detail_int(detail_of(ctx, "crowdstrike.hosts.reduced_functionality_count"), "unknown"), 2);
    zt_ctx_free(ctx);
}

/* The stale window decides: the same host is fresh with 30 days and stale with 1. */
static void test_crowdstrike_stale_window(void **state)
{
    struct json_object *host = parse("{\"last_seen\": \"2024-05-20T12:00:00+02:00\", "
                                     "\"reduced_functionality_mode\": \"no\"}");
    struct zt_cs_hosts wide, narrow;

    zt_cs_hosts_init(&wide, NOW, 30 * DAY);
    zt_cs_hosts_init(&narrow, NOW, 1 * DAY);
    zt_cs_host_item(&wide, host);
    zt_cs_host_item(&narrow, host);
    json_object_put(host);
    assert_int_equal(wide.recently_seen, 1);
    assert_int_equal(wide.healthy, 1);
    assert_int_equal(narrow.recently_seen, 0);
    assert_int_equal(narrow.healthy, 0);
}

/* No hosts: counts 0, no shares (no division by zero). */
static void test_crowdstrike_empty_estate(void **state)
{
    struct zt_cs_hosts h;
    struct zt_cs_zta z;

    zt_cs_hosts_init(&h, NOW, DAY);
    zt_cs_zta_init(&z, 70);
    z.assessed = z.meets = 0;
    struct zt_ctx *ctx = zt_ctx_new("crowdstrike", 0);
    assert_int_equal(zt_cs_hosts_emit(ctx, &h, NULL), 0);
    assert_int_equal(zt_cs_zta_emit(ctx, &z, 0), 0);
    assert_evidence_int(ctx, "crowdstrike.hosts.count", 0);
    assert_evidence_int(ctx, "crowdstrike.hosts.healthy_count", 0);
    assert_evidence_absent(ctx, "crowdstrike.hosts.healthy_share");
    assert_evidence_absent(ctx, "crowdstrike.hosts.prevention_applied_share");
    assert_evidence_absent(ctx, "crowdstrike.hosts.recently_seen_share");
    assert_evidence_int(ctx, "crowdstrike.zta.assessed_count", 0);
    assert_evidence_absent(ctx, "crowdstrike.zta.min_score_met_share");
    assert_evidence_absent(ctx, "crowdstrike.zta.average_score");
    assert_evidence_absent(ctx, "crowdstrike.zta.assessed_share");
    zt_ctx_free(ctx);
}

static int id_item(void *data, struct json_object *item, size_t index)
{
    unsigned *valid = data;
    *valid += zt_cs_id_valid(json_object_get_string(item));
    return 0;
}

/* zt_cs_scroll_next() on envelope json with items ids: its result, the token in *token. */
static int scroll_step(struct zt_cs_hosts *h, const char *json, size_t items, const char **token,
                       char *why)
{
    struct json_object *env = parse(json);
    int r = zt_cs_scroll_next(h, env, items, token, why, 192);
    if (*token) {
        *token = strcmp(*token, "FQLdef") == 0 ? "FQLdef" : "?"; /* env is freed below */
    }
    json_object_put(env);
    return r;
}

/* The scroll goes on while the total is not reached, and ends only there: a page that cannot
 * lead further before it is a list cut short, an error, never a smaller estate. */
static void test_crowdstrike_scroll_next(void **state)
{
    struct zt_cs_hosts h;
    unsigned valid = 0;
    size_t n = 0;
    const char *token = NULL;
    char why[192] = "";

    zt_cs_hosts_init(&h, NOW, DAY);
    struct json_object *env =
        split("{\"meta\": {\"pagination\": {\"offset\": \"FQLabc\", \"limit\": 2, \"total\": 3, "
              "\"expires_at\": 1717243320000000000}}, \"resources\": [\"5eed00aa\", \"x y\"]}",
              id_item, &valid, &n);
    assert_int_equal(valid, 1);
    assert_int_equal(zt_cs_scroll_next(&h, env, n, &token, why, sizeof(why)), 0);
    assert_string_equal(token, "FQLabc");
    assert_int_equal(h.listed, 2);
    assert_int_equal(h.total_reported, 3);
    json_object_put(env);
    /* total reached: the end, even with a token (the last page carries one too) */
    assert_int_equal(
        scroll_step(&h, "{\"meta\": {\"pagination\": {\"offset\": \"FQLdef\", \"total\": 3}}}", 1,
                    &token, why),
        0);
    assert_null(token);

    /* short of the total: an empty page, no token, an empty or integer one, no total */
    static const struct {
        const char *json;
        size_t items;
        const char *why;
    } cut[] = {
        {"{\"meta\": {\"pagination\": {\"offset\": \"FQLdef\", \"total\": 99}}}", 0,
         "an empty page after 0 of the 99 hosts"},
        {"{\"meta\": {\"pagination\": {\"total\": 99}}}", 5, "no offset token"},
        {"{\"meta\": {\"pagination\": {\"offset\": \"\", \"total\": 99}}}", 5,
         "no offset token (meta.pagination.offset) after 5 of the 99 hosts"},
        {"{\"meta\": {\"pagination\": {\"offset\": 5000, \"total\": 99}}}", 5, "no offset token"},
        {"{\"meta\": {\"pagination\": {\"offset\": \"FQLdef\"}}}", 5, "no meta.pagination.total"},
        {"{\"meta\": {}}", 5, "no meta.pagination.total"},
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(cut); i++) {
        zt_cs_hosts_init(&h, NOW, DAY);
        why[0] = '\0';
        assert_int_equal(scroll_step(&h, cut[i].json, cut[i].items, &token, why), -EBADMSG);
        assert_null(token);
        assert_non_null(strstr(why, cut[i].why));
    }
    zt_cs_hosts_init(&h, NOW, DAY);
    assert_int_equal(
        scroll_step(&h, "{\"meta\": {\"pagination\": {\"offset\": \"FQLdef\", \"total\": 99}}}", 5,
                    &token, why),
        0);
    assert_string_equal(token, "FQLdef");
}

static void test_crowdstrike_id_valid(void **state)
{
    assert_true(zt_cs_id_valid("0123456789abcdef0123456789abcdef"));
    assert_true(zt_cs_id_valid("a_b-C"));
    assert_false(zt_cs_id_valid(NULL));
    assert_false(zt_cs_id_valid(""));
    assert_false(zt_cs_id_valid("a\"b"));
    assert_false(zt_cs_id_valid("a,b"));
    assert_false(zt_cs_id_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                                "0")); /* 65 characters */
}

static int zta_count(struct zt_cs_zta *z, uint64_t threshold, const char *body, char *err)
{
    struct json_object *page = parse(body);
    int r = zt_cs_zta_count_page(z, threshold, page, err, 192);
    json_object_put(page);
    return r;
}

#define ZTA_PAGE(total, res)                                                                       \
    "{\"meta\": {\"query_time\": 0.01, \"pagination\": {\"after\": \"a:1\", \"limit\": 1, "        \
    "\"total\": " total "}}, \"resources\": [" res "], \"errors\": []}"

static void test_crowdstrike_zta_counts(void **state)
{
    struct zt_cs_zta z;
    char err[192] = "";

    zt_cs_zta_init(&z, 70);
    assert_int_equal(zta_count(&z, 0, ZTA_PAGE("9", "{\"aid\": \"a\", \"score\": 12}"), err), 0);
    assert_int_equal(zta_count(&z, 70, ZTA_PAGE("4", "{\"aid\": \"b\", \"score\": 70}"), err), 0);
    assert_int_equal(z.assessed, 9);
    assert_int_equal(z.meets, 4); /* the threshold is inclusive */
    assert_int_equal(z.lowest, 12);
    struct json_object *audit =
        parse("{\"meta\": {}, \"resources\": [{\"cid\": \"c\", \"average_overall_score\": "
              "61.5, \"num_aids\": 9, \"platforms\": []}], \"errors\": []}");
    assert_int_equal(zt_cs_zta_audit_page(&z, audit, err, sizeof(err)), 0);
    json_object_put(audit);

    struct zt_ctx *ctx = zt_ctx_new("crowdstrike", 0);
    assert_int_equal(zt_cs_zta_emit(ctx, &z, 6), 0); /* more assessed than hosts: capped */
    assert_evidence_int(ctx, "crowdstrike.zta.assessed_count", 9);
    assert_true(value_double(ctx, "crowdstrike.zta.assessed_share") == 1.0);
    assert_evidence_int(ctx, "crowdstrike.zta.min_score_met_count", 4);
    assert_true(value_double(ctx, "crowdstrike.zta.min_score_met_share") == 4.0 / 9.0);
    assert_true(value_double(ctx, "crowdstrike.zta.average_score") == 61.5);
    struct json_object *d = detail_of(ctx, "crowdstrike.zta.min_score_met_count");
    assert_int_equal(detail_int(d, "min_score"), 70);
    assert_int_equal(detail_int(d, "lowest"), 12);
    assert_int_equal(detail_int(detail_of(ctx, "crowdstrike.zta.average_score"), "audit_hosts"), 9);
    zt_ctx_free(ctx);

    /* nobody meets the minimum: an empty page with total 0 */
    assert_int_equal(zta_count(&z, 70, ZTA_PAGE("0", ""), err), 0);
    assert_int_equal(z.meets, 0);
}

/* The traps: an API that ignores the filter (a host below it answers), totals that disagree with
 * the resources, no total at all, counts that contradict each other. */
static void test_crowdstrike_zta_refused(void **state)
{
    struct zt_cs_zta z;
    char err[192] = "";

    zt_cs_zta_init(&z, 70);
    assert_int_equal(zta_count(&z, 70, ZTA_PAGE("9", "{\"aid\": \"a\", \"score\": 12}"), err),
                     -EBADMSG);
    assert_non_null(strstr(err, "did not apply it"));
    assert_int_equal(z.meets, -1);
    assert_int_equal(zta_count(&z, 0, ZTA_PAGE("3", ""), err), -EBADMSG);
    assert_int_equal(zta_count(&z, 0, ZTA_PAGE("0", "{\"aid\": \"a\", \"score\": 5}"), err),
                     -EBADMSG);
    assert_int_equal(zta_count(&z, 0, ZTA_PAGE("1", "{\"aid\": \"a\", \"score\": \"5\"}"), err),
                     -EBADMSG);
    assert_int_equal(zta_count(&z, 0, ZTA_PAGE("1", "{\"aid\": \"a\", \"score\": 101}"), err),
                     -EBADMSG);
    assert_int_equal(zta_count(&z, 0, "{\"meta\": {}, \"resources\": []}", err), -EBADMSG);
    assert_non_null(strstr(err, "meta.pagination.total"));
    assert_int_equal(zta_count(&z, 0, "{\"meta\": {\"pagination\": {\"total\": 0}}}", err),
                     -EBADMSG);
    assert_int_equal(z.assessed, -1);

    /* one count missing, or more meeting the minimum than assessed: nothing is emitted */
    struct zt_ctx *ctx = zt_ctx_new("crowdstrike", 0);
    assert_int_equal(zta_count(&z, 0, ZTA_PAGE("2", "{\"aid\": \"a\", \"score\": 71}"), err), 0);
    assert_int_equal(zt_cs_zta_emit(ctx, &z, -1), -EBADMSG);
    assert_int_equal(zta_count(&z, 70, ZTA_PAGE("3", "{\"aid\": \"a\", \"score\": 71}"), err), 0);
    assert_int_equal(zt_cs_zta_emit(ctx, &z, -1), -EBADMSG);
    assert_evidence_absent(ctx, "crowdstrike.zta.assessed_count");
    zt_ctx_free(ctx);

    /* an audit without a numeric average is refused; an empty audit leaves it unknown */
    struct json_object *a = parse("{\"resources\": [{\"average_overall_score\": \"high\"}]}");
    assert_int_equal(zt_cs_zta_audit_page(&z, a, err, sizeof(err)), -EBADMSG);
    json_object_put(a);
    a = parse("{\"resources\": []}");
    assert_int_equal(zt_cs_zta_audit_page(&z, a, err, sizeof(err)), 0);
    assert_true(z.average < 0);
    json_object_put(a);
}

static void test_crowdstrike_regions(void **state)
{
    const char *over[] = {"eu-1=https://127.0.0.1:8443/eu", "us-2=https://proxy.example"};

    assert_string_equal(zt_cs_region_url("us-1"), "https://api.crowdstrike.com");
    assert_string_equal(zt_cs_region_url("EU-1"), "https://api.eu-1.crowdstrike.com");
    assert_string_equal(zt_cs_region_url("us-gov-1"), "https://api.laggar.gcw.crowdstrike.com");
    assert_string_equal(zt_cs_region_url("us-2"), "https://api.us-2.crowdstrike.com");
    assert_null(zt_cs_region_url("mars-1"));
    assert_null(zt_cs_region_url(NULL));
    assert_true(zt_cs_url_is_documented("https://api.crowdstrike.com/"));
    assert_false(zt_cs_url_is_documented("https://falcon-proxy.example"));
    /* from a documented base, the documented URL of the region */
    assert_string_equal(zt_cs_region_target("eu-1", "https://api.crowdstrike.com", NULL, 0),
                        "https://api.eu-1.crowdstrike.com");
    /* an override wins, from any base */
    assert_string_equal(zt_cs_region_target("eu-1", "https://127.0.0.1:1", over, 2),
                        "https://127.0.0.1:8443/eu");
    assert_string_equal(zt_cs_region_target("US-2", "https://api.crowdstrike.com", over, 2),
                        "https://proxy.example");
    /* a proxy or test server is never left for the real cloud; nothing named: stay */
    assert_null(zt_cs_region_target("us-2", "https://falcon-proxy.example", NULL, 0));
    assert_null(zt_cs_region_target("eu", "https://127.0.0.1:1", over, 2)); /* no prefix match */
    assert_null(zt_cs_region_target("", "https://api.crowdstrike.com", NULL, 0));
    assert_null(zt_cs_region_target("mars-1", "https://api.crowdstrike.com", NULL, 0));
}

static void test_crowdstrike_pace(void **state)
{
    assert_int_equal(zt_cs_pace_ms(6000, 5999), 0);
    assert_int_equal(zt_cs_pace_ms(6000, 601), 0);
    assert_int_equal(zt_cs_pace_ms(6000, 600), 10); /* refill rate: 100 per second */
    assert_int_equal(zt_cs_pace_ms(60, 6), 1000);
    assert_int_equal(zt_cs_pace_ms(60, 7), 0);
    assert_int_equal(zt_cs_pace_ms(60, 0), 1000);
    assert_int_equal(zt_cs_pace_ms(10, 5), 6000); /* reserve at least 5 */
    assert_int_equal(zt_cs_pace_ms(0, 0), 0);     /* no budget announced */
    assert_int_equal(zt_cs_pace_ms(1000000, 0), 1);
}

/* ---- options ---- */

static void check_refused(const char *const *kv, const char *needle)
{
    struct zt_instance *inst = NULL;
    char err[512] = "";
    int r = 0;

    assert_int_equal(zt_instance_new(&zt_collector_crowdstrike, "falcon", &inst, err, sizeof(err)),
                     0);
    for (size_t i = 0; kv[i] && r == 0; i += 2) {
        r = zt_instance_set(inst, kv[i], kv[i + 1], err, sizeof(err));
    }
    if (r == 0) {
        r = zt_instance_check(inst, err, sizeof(err));
    }
    assert_int_equal(r, -EINVAL);
    if (!strstr(err, needle)) {
        fail_msg("'%s' does not name %s", err, needle);
    }
    zt_instance_free(inst);
}

static void test_crowdstrike_options(void **state)
{
    check_refused((const char *[]){"client_id", "x", NULL}, "client_secret_file");
    check_refused(
        (const char *[]){"client_id", "x", "client_secret_file", "/s", "credential", "c", NULL},
        "client_secret_file");
    check_refused((const char *[]){"client_id", "x", "credential", "c", "page_size", "5001", NULL},
                  "'page_size' must be between 1 and 5000, got '5001'");
    check_refused((const char *[]){"client_id", "x", "credential", "c", "page_size", "0", NULL},
                  "page_size");
    check_refused(
        (const char *[]){"client_id", "x", "credential", "c", "zta_min_score", "101", NULL},
        "'zta_min_score' must be between 1 and 100, got '101'");
    check_refused((const char *[]){"client_id", "x", "credential", "c", "stale_days", "0", NULL},
                  "stale_days");
    check_refused((const char *[]){"client_id", "x", "credential", "c", "region_urls",
                                   "eu-1=http://plain.example", NULL},
                  "region_urls");
    check_refused((const char *[]){"client_id", "x", "credential", "c", "region_urls",
                                   "https://no-region.example", NULL},
                  "region_urls");
    check_refused((const char *[]){"client_id", "x", "credential", "c", "base_url",
                                   "http://api.crowdstrike.com", NULL},
                  "base_url");
}

/* ---- collect() against the fixture server ---- */

static void run_collect(struct ms_run *run, const char *scenario, const char *secret,
                        const char *const *extra)
{
    char base[80];
    const char *kv[32] = {"client_id",          CLIENT_ID, "ca_file",  NULL,
                          "client_secret_file", NULL,      "base_url", NULL};
    size_t n = 8;

    ms_run_start(run, scenario, secret);
    kv[3] = run->ca;
    kv[5] = run->secret;
    snprintf(base, sizeof(base), "%s", run->f.base);
    kv[7] = base;
    for (size_t i = 0; extra && extra[i]; i++) {
        kv[n++] = extra[i];
    }
    kv[n] = NULL;
    run->r = zt_test_collect(&zt_collector_crowdstrike, kv, &run->ctx);
}

static size_t count_path(struct json_object *log, const char *path)
{
    struct json_object *e[64];
    return fixture_entries(log, path, e, 64);
}

static void test_crowdstrike_collect_scroll_past_10000(void **state)
{
    struct ms_run run = {0};

    run_collect(&run, "crowdstrike_strong", SECRET, NULL);
    assert_int_equal(run.r, 0);
    assert_int_equal(zt_ctx_error_count(run.ctx), 0);
    assert_evidence_int(run.ctx, "crowdstrike.hosts.count", 12000);
    assert_evidence_int(run.ctx, "crowdstrike.hosts.healthy_count", 11900);
    assert_evidence_int(run.ctx, "crowdstrike.hosts.rfm_unknown_count", 60);
    assert_evidence_int(run.ctx, "crowdstrike.hosts.stale_count", 40);
    assert_evidence_int(run.ctx, "crowdstrike.zta.assessed_count", 12000);
    assert_evidence_int(run.ctx, "crowdstrike.zta.min_score_met_count", 11900);
    struct json_object *log = fixture_log(&run.f);
    assert_int_equal(count_path(log, "/oauth2/token"), 1);
    assert_int_equal(count_path(log, "/devices/queries/devices-scroll/v1"), 5); /* 2500 a page */
    assert_int_equal(count_path(log, "/devices/entities/devices/v2"), 5);
    assert_int_equal(count_path(log, "/devices/queries/devices/v1"), 0); /* capped at 10,000 */
    /* two counts and the audit, whatever the estate's size */
    assert_int_equal(count_path(log, "/zero-trust-assessment/queries/assessments/v1"), 2);
    assert_int_equal(count_path(log, "/zero-trust-assessment/entities/audit/v1"), 1);
    json_object_put(log);
    struct json_object *d = detail_of(run.ctx, "crowdstrike.hosts.count");
    assert_string_equal(json_object_get_string(zt_http_json_path(d, "region")), "us-1");
    assert_int_equal(detail_int(d, "ids_listed"), 12000);
    ms_run_finish(&run);
}

static void test_crowdstrike_collect_region(void **state)
{
    struct ms_run run = {0};
    char over[96];

    /* The port is only known once the server runs: start it, then configure the override. */
    ms_run_start(&run, "crowdstrike_region", SECRET);
    snprintf(over, sizeof(over), "eu-1=https://localhost:%d", run.f.port);
    const char *kv[] = {"client_id",          CLIENT_ID,  "ca_file",  run.ca,
                        "client_secret_file", run.secret, "base_url", run.f.base,
                        "region_urls",        over,       NULL};
    run.r = zt_test_collect(&zt_collector_crowdstrike, kv, &run.ctx);
    assert_int_equal(run.r, 0);
    assert_int_equal(zt_ctx_error_count(run.ctx), 0);
    assert_evidence_int(run.ctx, "crowdstrike.hosts.count", 1500);
    struct json_object *log = fixture_log(&run.f);
    for (size_t i = 0; i < json_object_array_length(log); i++) {
        struct json_object *e = json_object_array_get_idx(log, i);
        const char *host = fixture_str(e, "host"), *path = fixture_str(e, "path");
        /* the token at the configured URL, every API call at the region's own origin */
        assert_true(
            zt_startswith(host, strcmp(path, "/oauth2/token") == 0 ? "127.0.0.1:" : "localhost:"));
    }
    json_object_put(log);
    struct json_object *d = detail_of(run.ctx, "crowdstrike.hosts.count");
    assert_string_equal(json_object_get_string(zt_http_json_path(d, "region")), "eu-1");
    assert_true(zt_startswith(json_object_get_string(zt_http_json_path(d, "api_url")),
                              "https://localhost:"));
    ms_run_finish(&run);
}

static void test_crowdstrike_collect_wrong_secret(void **state)
{
    struct ms_run run = {0};

    run_collect(&run, "crowdstrike_weak", "not-the-secret", NULL);
    assert_int_equal(run.r, -EACCES);
    const char *e = zt_ctx_first_error(run.ctx);
    assert_non_null(strstr(e, "wrong client_id or client secret"));
    assert_non_null(strstr(e, "/oauth2/token"));
    assert_non_null(strstr(e, "HTTP 401"));
    assert_null(strstr(e, "not-the-secret"));
    assert_evidence_absent(run.ctx, "crowdstrike.hosts.count");
    struct json_object *log = fixture_log(&run.f);
    assert_int_equal(json_object_array_length(log), 1); /* no API call without a token */
    json_object_put(log);
    ms_run_finish(&run);
}

static void test_crowdstrike_collect_denied_zta(void **state)
{
    struct ms_run run = {0};

    run_collect(&run, "crowdstrike_denied", SECRET, NULL);
    assert_int_equal(run.r, 0); /* partial: the hosts were read */
    assert_int_equal(zt_ctx_error_count(run.ctx), 1);
    const char *e = zt_ctx_first_error(run.ctx);
    assert_non_null(strstr(e, "'Zero Trust Assessment: Read' scope"));
    assert_non_null(strstr(e, "HTTP 403"));
    assert_evidence_int(run.ctx, "crowdstrike.hosts.count", 11000);
    assert_evidence_absent(run.ctx, "crowdstrike.zta.assessed_count");
    ms_run_finish(&run);
}

static void test_crowdstrike_collect_denied_hosts(void **state)
{
    struct ms_run run = {0};

    run_collect(&run, "crowdstrike_denied_hosts", SECRET, NULL);
    assert_int_equal(run.r, 0);
    assert_non_null(strstr(zt_ctx_first_error(run.ctx), "'Hosts: Read' scope"));
    assert_evidence_absent(run.ctx, "crowdstrike.hosts.count");
    assert_evidence_absent(run.ctx, "crowdstrike.zta.assessed_share"); /* no host count */
    assert_evidence_int(run.ctx, "crowdstrike.zta.assessed_count", 11000);
    ms_run_finish(&run);
}

static void test_crowdstrike_collect_malformed(void **state)
{
    struct ms_run run = {0};
    const char *no_zta[] = {"zta", "no", NULL};

    run_collect(&run, "crowdstrike_malformed", SECRET, no_zta);
    assert_int_equal(run.r, -EBADMSG); /* nothing else to show: an error */
    const char *e = zt_ctx_first_error(run.ctx);
    assert_non_null(strstr(e, "/devices/entities/devices/v2"));
    assert_non_null(strstr(e, "malformed JSON list page"));
    assert_evidence_absent(run.ctx, "crowdstrike.hosts.count");
    struct json_object *log = fixture_log(&run.f);
    assert_int_equal(count_path(log, "/zero-trust-assessment/queries/assessments/v1"), 0);
    assert_int_equal(count_path(log, "/zero-trust-assessment/entities/audit/v1"), 0);
    json_object_put(log);
    ms_run_finish(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crowdstrike_hosts_reduce),
        cmocka_unit_test(test_crowdstrike_stale_window),
        cmocka_unit_test(test_crowdstrike_empty_estate),
        cmocka_unit_test(test_crowdstrike_scroll_next),
        cmocka_unit_test(test_crowdstrike_id_valid),
        cmocka_unit_test(test_crowdstrike_zta_counts),
        cmocka_unit_test(test_crowdstrike_zta_refused),
        cmocka_unit_test(test_crowdstrike_regions),
        cmocka_unit_test(test_crowdstrike_pace),
        cmocka_unit_test(test_crowdstrike_options),
        cmocka_unit_test(test_crowdstrike_collect_scroll_past_10000),
        cmocka_unit_test(test_crowdstrike_collect_region),
        cmocka_unit_test(test_crowdstrike_collect_wrong_secret),
        cmocka_unit_test(test_crowdstrike_collect_denied_zta),
        cmocka_unit_test(test_crowdstrike_collect_denied_hosts),
        cmocka_unit_test(test_crowdstrike_collect_malformed),
    };
    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
