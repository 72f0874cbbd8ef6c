/* test_aws_data.c - the readers behind the aws collector's data and network governance evidence
 * on strings: Config advanced-query counts and the query text, Macie jobs and bucket statistics,
 * Security Hub aggregator region linking, Inspector totals, restore tests against a clock,
 * Network Firewall default actions and logging, and malformed or foreign documents. */
#include "zt_test.h"

#include "aws/aws_call.h"

static struct json_object *parse(const char *s)
{
    struct json_object *o = NULL;
    char err[160];
    assert_int_equal(zt_json_parse(s, strlen(s), 16, &o, err, sizeof(err)), 0);
    return o;
}

static void test_aws_data_select(void **state)
{
    uint64_t n = 0;
    char next[32] = "x";
    _cleanup_json_ struct json_object *one =
        parse("{\"Results\":[\"{\\\"COUNT(*)\\\":7}\"],\"QueryInfo\":{\"SelectFields\":"
              "[{\"Name\":\"COUNT(*)\"}]}}");
    _cleanup_json_ struct json_object *none = parse("{\"Results\":[]}");
    _cleanup_json_ struct json_object *notcount =
        parse("{\"Results\":[\"{\\\"resourceId\\\":\\\"b\\\"}\"]}");
    _cleanup_json_ struct json_object *notjson = parse("{\"Results\":[\"COUNT 7\"]}");
    _cleanup_json_ struct json_object *other = parse("{\"ConfigRules\":[]}");
    assert_int_equal(zt_aws_cfg_select_count(one, &n, next, sizeof(next)), 0);
    assert_int_equal(n, 7);
    assert_string_equal(next, "");
    assert_int_equal(zt_aws_cfg_select_count(none, &n, NULL, 0), 0); /* no row: nothing recorded */
    assert_int_equal(n, 7);
    assert_int_equal(zt_aws_cfg_select_count(notcount, &n, NULL, 0), -EBADMSG);
    assert_int_equal(zt_aws_cfg_select_count(notjson, &n, NULL, 0), -EBADMSG);
    assert_int_equal(zt_aws_cfg_select_count(other, &n, NULL, 0), -EBADMSG);
}

static void test_aws_data_query(void **state)
{
    _cleanup_free_ char *all = zt_aws_cfg_data_query(NULL);
    _cleanup_free_ char *tagged = zt_aws_cfg_data_query("data-classification");
    assert_non_null(strstr(all, "SELECT COUNT(*) WHERE resourceType IN ('AWS::S3::Bucket'"));
    assert_null(strstr(all, "tags.key"));
    assert_true(zt_endswith(tagged, ") AND tags.key = 'data-classification'"));
    /* a quote would end the string literal: refused, never sent */
    assert_null(zt_aws_cfg_data_query("x' OR '1'='1"));
    assert_null(zt_aws_cfg_data_query("a\\b"));
}

static void test_aws_data_macie(void **state)
{
    uint64_t jobs = 0, crit = 0, buckets = 0, classified = 0;
    char next[32];
    bool pub = true;
    _cleanup_json_ struct json_object *named = json_object_new_array();
    _cleanup_json_ struct json_object *page =
        parse("{\"items\":[{\"jobType\":\"SCHEDULED\",\"jobStatus\":\"IDLE\",\"bucketDefinitions\":"
              "[{\"accountId\":\"1\",\"buckets\":[\"a\",\"b\"]}]},"
              "{\"jobType\":\"SCHEDULED\",\"jobStatus\":\"RUNNING\",\"bucketDefinitions\":"
              "[{\"accountId\":\"1\",\"buckets\":[\"b\",\"c\"]}]},"
              "{\"jobType\":\"SCHEDULED\",\"jobStatus\":\"RUNNING\",\"bucketCriteria\":{}},"
              "{\"jobType\":\"SCHEDULED\",\"jobStatus\":\"USER_PAUSED\",\"bucketDefinitions\":"
              "[{\"accountId\":\"1\",\"buckets\":[\"paused\"]}]},"
              "{\"jobType\":\"SCHEDULED\",\"jobStatus\":\"CANCELLED\"},"
              "{\"jobType\":\"ONE_TIME\",\"jobStatus\":\"RUNNING\"}],\"nextToken\":\"mj2\"}");
    assert_int_equal(zt_aws_macie_jobs(page, &jobs, &crit, named, next, sizeof(next)), 0);
    assert_int_equal(jobs, 3);
    assert_int_equal(crit, 1); /* buckets chosen by criteria at each run */
    assert_int_equal(json_object_array_length(named), 3); /* a, b, c: b once */
    assert_string_equal(next, "mj2");
    _cleanup_json_ struct json_object *nostatus =
        parse("{\"items\":[{\"jobType\":\"SCHEDULED\"}]}");
    assert_int_equal(zt_aws_macie_jobs(nostatus, &jobs, &crit, named, NULL, 0), -EBADMSG);

    _cleanup_json_ struct json_object *stats = parse(
        "{\"bucketCount\":10,\"bucketStatisticsBySensitivity\":{\"sensitive\":{\"totalCount\":3},"
        "\"notSensitive\":{\"totalCount\":4},\"notClassified\":{\"totalCount\":2},"
        "\"classificationError\":{\"totalCount\":1}}}");
    assert_int_equal(zt_aws_macie_buckets(stats, &buckets, &classified), 0);
    assert_int_equal(buckets, 10);
    assert_int_equal(classified, 7); /* not classified and errors are no verdict */
    _cleanup_json_ struct json_object *nostats = parse("{\"bucketCount\":2}");
    assert_int_equal(zt_aws_macie_buckets(nostats, &buckets, &classified), 0);
    assert_int_equal(buckets, 12);
    assert_int_equal(classified, 7);
    _cleanup_json_ struct json_object *toomany = parse(
        "{\"bucketCount\":1,\"bucketStatisticsBySensitivity\":{\"sensitive\":{\"totalCount\":3}}}");
    assert_int_equal(zt_aws_macie_buckets(toomany, &buckets, &classified), -EBADMSG);

    _cleanup_json_ struct json_object *off =
        parse("{\"securityHubConfiguration\":{\"publishClassificationFindings\":false,"
              "\"publishPolicyFindings\":true}}");
    assert_int_equal(zt_aws_macie_publish(off, &pub), 0);
    assert_false(pub); /* policy findings alone do not carry the classification */
    _cleanup_json_ struct json_object *missing = parse("{}");
    assert_int_equal(zt_aws_macie_publish(missing, &pub), -EBADMSG);
}

static void test_aws_data_aggregator(void **state)
{
    const char *two[] = {"us-east-1", "eu-west-1"};
    bool all = false;
    _cleanup_json_ struct json_object *every =
        parse("{\"FindingAggregationRegion\":\"us-east-1\",\"RegionLinkingMode\":\"ALL_REGIONS\"}");
    _cleanup_json_ struct json_object *except =
        parse("{\"FindingAggregationRegion\":\"us-east-1\",\"RegionLinkingMode\":"
              "\"ALL_REGIONS_EXCEPT_SPECIFIED\",\"Regions\":[\"eu-west-1\"]}");
    _cleanup_json_ struct json_object *only = parse(
        "{\"FindingAggregationRegion\":\"us-east-1\",\"RegionLinkingMode\":\"SPECIFIED_REGIONS\","
        "\"Regions\":[\"eu-west-1\"]}");
    _cleanup_json_ struct json_object *none =
        parse("{\"FindingAggregationRegion\":\"us-east-1\",\"RegionLinkingMode\":\"NO_REGIONS\"}");
    _cleanup_json_ struct json_object *odd =
        parse("{\"FindingAggregationRegion\":\"us-east-1\",\"RegionLinkingMode\":\"SOME\"}");
    assert_int_equal(zt_aws_sh_links_all(every, two, 2, &all), 0);
    assert_true(all);
    assert_int_equal(zt_aws_sh_links_all(except, two, 2, &all), 0);
    assert_false(all); /* eu-west-1 excluded */
    assert_int_equal(zt_aws_sh_links_all(only, two, 2, &all), 0);
    assert_true(all); /* the aggregation region counts as linked */
    assert_int_equal(zt_aws_sh_links_all(none, two, 2, &all), 0);
    assert_false(all);
    assert_int_equal(zt_aws_sh_links_all(none, two, 1, &all), 0);
    assert_true(all); /* one assessed region, the aggregation region itself */
    assert_int_equal(zt_aws_sh_links_all(odd, two, 2, &all), -EBADMSG);
}

static void test_aws_data_restore(void **state)
{
    const int64_t now = 1750000000;
    uint64_t plans = 0, recent = 0;
    char next[32];
    _cleanup_json_ struct json_object *page =
        parse("{\"RestoreTestingPlans\":[{\"RestoreTestingPlanName\":\"a\",\"LastExecutionTime\":"
              "1749913600.5},{\"RestoreTestingPlanName\":\"b\",\"LastExecutionTime\":1740000000},"
              "{\"RestoreTestingPlanName\":\"never\"}],\"NextToken\":\"r2\"}");
    assert_int_equal(zt_aws_restore_tests(page, now, &plans, &recent, next, sizeof(next)), 0);
    assert_int_equal(plans, 3);
    assert_int_equal(recent, 1); /* a day ago; 115 days ago and never do not count */
    assert_string_equal(next, "r2");
    _cleanup_json_ struct json_object *text =
        parse("{\"RestoreTestingPlans\":[{\"RestoreTestingPlanName\":\"a\",\"LastExecutionTime\":"
              "\"x\"}]}");
    assert_int_equal(zt_aws_restore_tests(text, now, &plans, &recent, NULL, 0), -EBADMSG);
}

static void test_aws_data_firewall(void **state)
{
    bool b = false;
    uint64_t n = 0;
    _cleanup_json_ struct json_object *strict =
        parse("{\"FirewallPolicy\":{\"StatefulDefaultActions\":[\"aws:drop_established\","
              "\"aws:alert_established\"]}}");
    _cleanup_json_ struct json_object *alert =
        parse("{\"FirewallPolicy\":{\"StatefulDefaultActions\":[\"aws:alert_strict\"]}}");
    _cleanup_json_ struct json_object *order =
        parse("{\"FirewallPolicy\":{\"StatelessDefaultActions\":[\"aws:forward_to_sfe\"]}}");
    _cleanup_json_ struct json_object *nopolicy = parse("{\"UpdateToken\":\"t\"}");
    assert_int_equal(zt_aws_nfw_policy_drops(strict, &b), 0);
    assert_true(b);
    assert_int_equal(zt_aws_nfw_policy_drops(alert, &b), 0);
    assert_false(b); /* alerting is not dropping */
    assert_int_equal(zt_aws_nfw_policy_drops(order, &b), 0);
    assert_false(b); /* action order: what no rule drops passes */
    assert_int_equal(zt_aws_nfw_policy_drops(nopolicy, &b), -EBADMSG);

    _cleanup_json_ struct json_object *logs = parse(
        "{\"FirewallArn\":\"a\",\"LoggingConfiguration\":{\"LogDestinationConfigs\":[{\"LogType\":"
        "\"TLS\"},{\"LogType\":\"FLOW\"}]}}");
    _cleanup_json_ struct json_object *tls = parse(
        "{\"FirewallArn\":\"a\",\"LoggingConfiguration\":{\"LogDestinationConfigs\":[{\"LogType\":"
        "\"TLS\"}]}}");
    _cleanup_json_ struct json_object *unset = parse("{\"FirewallArn\":\"a\"}");
    assert_int_equal(zt_aws_nfw_logs(logs, &b), 0);
    assert_true(b);
    assert_int_equal(zt_aws_nfw_logs(tls, &b), 0);
    assert_false(b);
    assert_int_equal(zt_aws_nfw_logs(unset, &b), 0);
    assert_false(b);

    _cleanup_json_ struct json_object *total = parse("{\"countsByGroup\":[],\"totalCounts\":12}");
    _cleanup_json_ struct json_object *nototal = parse("{\"countsByGroup\":[]}");
    assert_int_equal(zt_aws_ins_total(total, &n), 0);
    assert_int_equal(n, 12);
    assert_int_equal(zt_aws_ins_total(nototal, &n), -EBADMSG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_data_select),  cmocka_unit_test(test_aws_data_query),
        cmocka_unit_test(test_aws_data_macie),   cmocka_unit_test(test_aws_data_aggregator),
        cmocka_unit_test(test_aws_data_restore), cmocka_unit_test(test_aws_data_firewall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
