/* schedule.c - scheduling arithmetic: interval, jitter, collectd-style failure backoff. */
#include "schedule.h"

#include "util.h"

uint64_t zt_sched_jitter(uint64_t jitter_ms, uint64_t interval_ms, uint64_t random)
{
    uint64_t max = jitter_ms < interval_ms / 2 ? jitter_ms : interval_ms / 2;

    /* max + 1 values: 0..max inclusive; max == UINT64_MAX cannot happen (interval / 2). */
    return max == 0 ? 0 : random % (max + 1);
}

uint64_t zt_sched_delay(const struct zt_sched_params *p, uint64_t interval_ms, unsigned failures)
{
    if (failures == 0) {
        return interval_ms;
    }
    uint64_t d = p->backoff_start_ms ? p->backoff_start_ms : 1;
    for (unsigned i = 1; i < failures && d < p->backoff_max_ms; i++) {
        d = d > UINT64_MAX / 2 ? UINT64_MAX : d * 2;
    }
    return d < p->backoff_max_ms ? d : p->backoff_max_ms;
}

void zt_sched_record(const struct zt_sched_params *p, struct zt_sched_entry *e, bool failed,
                     uint64_t now_usec)
{
    if (failed) {
        e->failures += e->failures < 64; /* the doubling has long reached the cap by then */
    } else {
        e->failures = 0;
    }
    uint64_t d = zt_ms_to_usec(zt_sched_delay(p, e->interval_ms, e->failures));
    e->next_usec = now_usec > UINT64_MAX - d ? UINT64_MAX : now_usec + d;
}

bool zt_sched_due(const struct zt_sched_entry *e, uint64_t now_usec)
{
    return e->next_usec <= now_usec || e->next_usec - now_usec <= zt_ms_to_usec(ZT_SCHED_SLACK_MS);
}

uint64_t zt_sched_earliest(const struct zt_sched_entry *v, size_t n)
{
    uint64_t t = UINT64_MAX;

    for (size_t i = 0; i < n; i++) {
        t = v[i].next_usec < t ? v[i].next_usec : t;
    }
    return t;
}

uint64_t zt_sched_scan_timeout(uint64_t explicit_ms, uint64_t timeout_ms, size_t n,
                               size_t max_parallel, uint64_t grace_ms)
{
    if (explicit_ms) {
        return explicit_ms;
    }
    size_t waves = max_parallel ? (n + max_parallel - 1) / max_parallel : n;
    waves = waves ? waves : 1;
    if (timeout_ms > (UINT64_MAX - grace_ms) / waves) {
        return UINT64_MAX;
    }
    return timeout_ms * waves + grace_ms;
}
