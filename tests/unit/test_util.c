/* test_util.c - the one date-time parser (zt_parse_time / zt_parse_rfc3339) and its formatter. */
#include "zt_test.h"

#include "util.h"

#define T0 1717243200 /* 2024-06-01T12:00:00Z */

static void test_rfc3339_strict(void **state)
{
    uint64_t u = 0;
    char buf[64];

    assert_int_equal(zt_parse_rfc3339("2024-06-01T12:00:00Z", &u), 0);
    assert_int_equal(u, (uint64_t)T0 * 1000000);
    assert_int_equal(zt_parse_rfc3339("2024-06-01t12:00:00.5z", &u), 0);
    assert_int_equal(u, (uint64_t)T0 * 1000000 + 500000);
    /* Digits beyond microseconds are dropped, not rounded. */
    assert_int_equal(zt_parse_rfc3339("2024-06-01T12:00:00.1234567Z", &u), 0);
    assert_int_equal(u, (uint64_t)T0 * 1000000 + 123456);
    assert_int_equal(zt_parse_rfc3339("2024-06-01T14:30:00+02:30", &u), 0);
    assert_int_equal(u, (uint64_t)T0 * 1000000);
    assert_int_equal(zt_parse_rfc3339("2024-06-01T09:00:00-03:00", &u), 0);
    assert_int_equal(u, (uint64_t)T0 * 1000000);
    /* A leap second reads as the second before it. */
    assert_int_equal(zt_parse_rfc3339("2016-12-31T23:59:60Z", &u), 0);
    assert_int_equal(u, 1483228799ull * 1000000);
    /* Round trip with the formatter. */
    assert_int_equal(zt_parse_rfc3339(zt_format_rfc3339(1764772800123000ull, buf, sizeof(buf)), &u),
                     0);
    assert_int_equal(u, 1764772800123000ull);

    const char *bad[] = {"",
                         "2024-06-01",
                         "2024-06-01T12:00:00", /* no zone: not RFC 3339 */
                         "2024-06-01 12:00:00Z",
                         "2024-06-01T12:00:00+0200",
                         "2024-06-01T12:00:00+2",
                         "2024-06-01T12:00:00.Z",
                         "2024-06-01T12:00:00Zjunk",
                         "2024-13-01T00:00:00Z",
                         "2024-02-30T00:00:00Z",
                         "2024-06-01T24:00:00Z",
                         "2024-06-01T12:60:00Z",
                         "2024-06-01T12:00:00+24:00",
                         "24-06-01T12:00:00Z",
                         "1969-12-31T23:59:59Z", /* before the epoch: no unsigned time */
                         "Sat, 01 Jun 2024 12:00:00 GMT"};
    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        u = 42;
        assert_int_equal(zt_parse_rfc3339(bad[i], &u), -EINVAL);
        assert_int_equal(u, 42); /* untouched on failure */
    }
    assert_int_equal(zt_parse_rfc3339(NULL, &u), -EINVAL);
}

static void test_time_lenient(void **state)
{
    int64_t t = 0;

    assert_int_equal(zt_parse_time("2024-06-01 12:00:00", ZT_TIME_LENIENT, &t), 0);
    assert_int_equal(t, (int64_t)T0 * 1000000);
    assert_int_equal(zt_parse_time("2024-06-01T10:30:00-0130", ZT_TIME_LENIENT, &t), 0);
    assert_int_equal(t, (int64_t)T0 * 1000000);
    assert_int_equal(zt_parse_time("2024-06-01T10:30:00-0130", 0, &t), -EINVAL);
    /* An API's "never" is a real, far-negative time. */
    assert_int_equal(zt_parse_time("0001-01-01T00:00:00Z", 0, &t), 0);
    assert_true(t < -62000000000ll * 1000000);
    assert_int_equal(zt_parse_time("1969-12-31T23:59:59.25Z", 0, &t), 0);
    assert_int_equal(t, -750000);
    assert_int_equal(zt_parse_time("2024-06-01T12:00", ZT_TIME_LENIENT, &t), -EINVAL);
    assert_int_equal(zt_parse_time("2024-06-01T12:00:00 ", ZT_TIME_LENIENT, &t), -EINVAL);
}

static void test_uuid4(void **state)
{
    char a[ZT_UUID_STRING_MAX], b[ZT_UUID_STRING_MAX];

    zt_uuid4(a);
    zt_uuid4(b);
    assert_int_equal(strlen(a), 36);
    assert_string_not_equal(a, b);
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            assert_int_equal(a[i], '-');
        } else {
            assert_non_null(strchr("0123456789abcdef", a[i]));
        }
    }
    assert_int_equal(a[14], '4');           /* version 4 */
    assert_non_null(strchr("89ab", a[19])); /* RFC 4122 variant */
}

static void test_url_join(void **state)
{
    (void)state;
    assert_int_equal(zt_url_base_len("https://h.example/a//"), strlen("https://h.example/a"));
    assert_int_equal(zt_url_base_len("https://h.example"), strlen("https://h.example"));
    /* the scheme's own slashes are never taken for trailing ones */
    assert_int_equal(zt_url_base_len("https:///"), strlen("https://"));
    assert_int_equal(zt_url_base_len("no-scheme//"), strlen("no-scheme"));
    assert_int_equal(zt_url_base_len(""), 0);
    _cleanup_free_ char *j = zt_url_join("https://es.example:9200/", "/_bulk");
    assert_string_equal(j, "https://es.example:9200/_bulk");
    _cleanup_free_ char *k = zt_url_join("https://k8s.example:6443", "");
    assert_string_equal(k, "https://k8s.example:6443");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3339_strict),
        cmocka_unit_test(test_time_lenient),
        cmocka_unit_test(test_uuid4),
        cmocka_unit_test(test_url_join),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
