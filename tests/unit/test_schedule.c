/* test_schedule.c - scheduling arithmetic: jitter bounds, backoff doubling, cap and reset. */
#include "zt_test.h"

#include "schedule.h"

#define SEC 1000ull    /* a second as a duration (ms) */
#define T   1000000ull /* a second as a point in time (monotonic usec) */

static const struct zt_sched_params params = {
    .jitter_ms = 300 * SEC, .backoff_start_ms = 60 * SEC, .backoff_max_ms = 3600 * SEC};

static void test_schedule_jitter_bounds(void **state)
{
    /* Bounded by the jitter, and by half the interval for short intervals. */
    for (uint64_t r = 0; r < 100000; r += 7) {
        assert_true(zt_sched_jitter(300 * SEC, 6 * 3600 * SEC, r * 104729u) <= 300 * SEC);
        assert_true(zt_sched_jitter(300 * SEC, 60 * SEC, r * 104729u) <= 30 * SEC);
    }
    assert_int_equal(zt_sched_jitter(300 * SEC, 6 * 3600 * SEC, 300 * SEC), 300 * SEC);
    assert_int_equal(zt_sched_jitter(300 * SEC, 6 * 3600 * SEC, 300 * SEC + 1), 0);
    assert_int_equal(zt_sched_jitter(0, 6 * 3600 * SEC, 12345), 0);
    assert_int_equal(zt_sched_jitter(300 * SEC, 0, 12345), 0);
    assert_int_equal(zt_sched_jitter(UINT64_MAX, UINT64_MAX, UINT64_MAX), UINT64_MAX / 2);
}

static void test_schedule_jitter_spreads(void **state)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint64_t r = 1; r < 2000; r++) {
        uint64_t j = zt_sched_jitter(300 * SEC, 6 * 3600 * SEC, r * 0x9e3779b97f4a7c15ull);
        lo = j < lo ? j : lo;
        hi = j > hi ? j : hi;
    }
    assert_true(lo < 10 * SEC);
    assert_true(hi > 290 * SEC);
}

static void test_schedule_backoff_doubles_to_cap(void **state)
{
    assert_int_equal(zt_sched_delay(&params, 6 * 3600 * SEC, 0), 6 * 3600 * SEC);
    assert_int_equal(zt_sched_delay(&params, 6 * 3600 * SEC, 1), 60 * SEC);
    assert_int_equal(zt_sched_delay(&params, 6 * 3600 * SEC, 2), 120 * SEC);
    assert_int_equal(zt_sched_delay(&params, 6 * 3600 * SEC, 3), 240 * SEC);
    assert_int_equal(zt_sched_delay(&params, 6 * 3600 * SEC, 6), 1920 * SEC);
    assert_int_equal(zt_sched_delay(&params, 6 * 3600 * SEC, 7), 3600 * SEC);
    assert_int_equal(zt_sched_delay(&params, 6 * 3600 * SEC, 1000), 3600 * SEC);
    struct zt_sched_params huge = {.backoff_start_ms = UINT64_MAX / 3,
                                   .backoff_max_ms = UINT64_MAX};
    assert_int_equal(zt_sched_delay(&huge, SEC, 5), UINT64_MAX);
}

static void test_schedule_record_failure_then_success(void **state)
{
    struct zt_sched_entry e = {.interval_ms = 6 * 3600 * SEC};
    uint64_t now = 1000 * T;

    zt_sched_record(&params, &e, true, now);
    assert_int_equal(e.failures, 1);
    assert_int_equal(e.next_usec, now + 60 * T);
    zt_sched_record(&params, &e, true, now);
    assert_int_equal(e.next_usec, now + 120 * T);
    for (int i = 0; i < 100; i++) {
        zt_sched_record(&params, &e, true, now);
    }
    assert_int_equal(e.next_usec, now + 3600 * T);
    zt_sched_record(&params, &e, false, now);
    assert_int_equal(e.failures, 0);
    assert_int_equal(e.next_usec, now + 6 * 3600 * T);
    zt_sched_record(&params, &e, true, UINT64_MAX - 5);
    assert_int_equal(e.next_usec, UINT64_MAX);
    /* An interval too long for the microsecond clock saturates instead of wrapping. */
    struct zt_sched_entry forever = {.interval_ms = UINT64_MAX / 2};
    zt_sched_record(&params, &forever, false, now);
    assert_int_equal(forever.next_usec, UINT64_MAX);
}

static void test_schedule_due_and_earliest(void **state)
{
    const uint64_t slack = ZT_SCHED_SLACK_MS * (T / SEC);
    struct zt_sched_entry v[3] = {
        {.next_usec = 100 * T}, {.next_usec = 100 * T + slack}, {.next_usec = UINT64_MAX}};

    assert_false(zt_sched_due(&v[0], 50 * T));
    assert_true(zt_sched_due(&v[0], 100 * T));
    assert_true(zt_sched_due(&v[0], 200 * T));
    assert_true(zt_sched_due(&v[1], 100 * T)); /* within the slack: joins the scan */
    assert_false(zt_sched_due(&v[1], 100 * T - 1));
    assert_false(zt_sched_due(&v[2], UINT64_MAX - slack - 1));
    assert_int_equal(zt_sched_earliest(v, 3), 100 * T);
    assert_int_equal(zt_sched_earliest(&v[2], 1), UINT64_MAX);
    assert_int_equal(zt_sched_earliest(v, 0), UINT64_MAX);
}

static void test_schedule_scan_timeout(void **state)
{
    assert_int_equal(zt_sched_scan_timeout(0, 300 * SEC, 1, 8, 30 * SEC), 330 * SEC);
    assert_int_equal(zt_sched_scan_timeout(0, 300 * SEC, 9, 8, 30 * SEC), 630 * SEC);
    assert_int_equal(zt_sched_scan_timeout(0, 300 * SEC, 0, 8, 30 * SEC), 330 * SEC);
    assert_int_equal(zt_sched_scan_timeout(0, 300 * SEC, 3, 0, 0), 900 * SEC);
    assert_int_equal(zt_sched_scan_timeout(42 * SEC, 300 * SEC, 9, 8, 30 * SEC), 42 * SEC);
    assert_int_equal(zt_sched_scan_timeout(0, UINT64_MAX, 2, 1, 1), UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_jitter_bounds),
        cmocka_unit_test(test_schedule_jitter_spreads),
        cmocka_unit_test(test_schedule_backoff_doubles_to_cap),
        cmocka_unit_test(test_schedule_record_failure_then_success),
        cmocka_unit_test(test_schedule_due_and_earliest),
        cmocka_unit_test(test_schedule_scan_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
