/* schedule.h - when each collector instance runs next: intervals, jitter and failure backoff.
 *
 * Pure arithmetic, so every rule is unit-tested without a clock: durations in milliseconds,
 * points in time in monotonic microseconds (the clock of sd-event's timers). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Instances due within this much of the earliest one join the same scan, so a cycle of
 * instances with equal intervals stays one scan instead of drifting into several. */
#define ZT_SCHED_SLACK_MS (30ull * 1000ull) /* 30 s */

struct zt_sched_params {
    uint64_t jitter_ms;        /* random delay added to every timer, at most interval/2 */
    uint64_t backoff_start_ms; /* retry delay after the first failure */
    uint64_t backoff_max_ms;   /* the doubling stops here */
};

/* Scheduling state of one collector instance. */
struct zt_sched_entry {
    uint64_t interval_ms; /* its own interval, or the daemon's */
    uint64_t next_usec;   /* monotonic time it is due */
    unsigned failures;    /* consecutive failed runs; 0 after a success */
};

/* The random delay for a timer: random folded into [0, min(jitter, interval / 2)]. */
uint64_t zt_sched_jitter(uint64_t jitter_ms, uint64_t interval_ms, uint64_t random);
/* The delay before the next run after `failures` consecutive failures: backoff_start doubled
 * for each further failure, capped at backoff_max. 0 failures: the interval. */
uint64_t zt_sched_delay(const struct zt_sched_params *p, uint64_t interval_ms, unsigned failures);
/* Record a run of e that started at now: a success restores the interval, a failure backs off. */
void zt_sched_record(const struct zt_sched_params *p, struct zt_sched_entry *e, bool failed,
                     uint64_t now_usec);
/* Whether e is due at now (within ZT_SCHED_SLACK_MS). */
bool zt_sched_due(const struct zt_sched_entry *e, uint64_t now_usec);
/* The earliest due time of n entries, or UINT64_MAX when n is 0. */
uint64_t zt_sched_earliest(const struct zt_sched_entry *v, size_t n);
/* Wall-time limit of a scan worker: timeout_ms per wave of max_parallel instances (n of them)
 * plus grace_ms; an explicit limit (non-zero) wins. */
uint64_t zt_sched_scan_timeout(uint64_t explicit_ms, uint64_t timeout_ms, size_t n,
                               size_t max_parallel, uint64_t grace_ms);
