/* okta_pace.c - pacing of the okta collector's requests from Okta's rate limit headers, one
 * bucket per endpoint family. */
#include <inttypes.h>
#include <syslog.h>
#include <time.h>

#include "okta.h"

static struct zt_okta_pace *pace_of(struct zt_okta_paces *ps, const char *key)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (zt_streq(ps->v[i].key, key)) {
            return &ps->v[i];
        }
    }
    if (ps->n == ZT_OKTA_BUCKETS) {
        return NULL;
    }
    struct zt_okta_pace *p = &ps->v[ps->n++];
    snprintf(p->key, sizeof(p->key), "%s", key);
    return p;
}

/* Okta's rate limit headers of this page set the pacing of its bucket: when few requests are
 * left in the window, the rest are spread until it resets instead of running into a 429. Pacing
 * tightens at once but relaxes only after the window that asked for it has reset: responses of
 * concurrent requests arrive out of order, and an older, more hopeful count must not undo it. */
void zt_okta_pace_page(struct zt_okta_paces *ps, struct zt_ctx *ctx, const char *bucket,
                       const struct zt_http_page *p)
{
    char buf[64];
    int64_t now = (int64_t)time(NULL);
    uint64_t limit = 0, remaining = 0, reset = 0;

    if (!zt_http_page_header(p, "X-Rate-Limit-Remaining", buf, sizeof(buf)) ||
        zt_parse_uint64(buf, &remaining) < 0 ||
        !zt_http_page_header(p, "X-Rate-Limit-Reset", buf, sizeof(buf)) ||
        zt_parse_uint64(buf, &reset) < 0 || remaining > INT32_MAX || reset > INT64_MAX / 2) {
        return;
    }
    if (zt_http_page_header(p, "X-Rate-Limit-Limit", buf, sizeof(buf))) {
        zt_parse_uint64(buf, &limit);
    }
    if (zt_http_page_header(p, "Date", buf, sizeof(buf))) {
        zt_http_parse_date(buf, &now);
    }
    uint64_t ms = zt_okta_pace_ms(limit > INT32_MAX ? INT32_MAX : (int64_t)limit,
                                  (int64_t)remaining, (int64_t)reset, now);
    struct zt_okta_pace *pace = pace_of(ps, bucket);
    if (!pace || (ms < pace->ms && now < pace->until) || ms == pace->ms) {
        return;
    }
    pace->ms = ms;
    pace->until = (int64_t)reset;
    zt_http_engine_set_pacing(zt_ctx_http_engine(ctx), bucket, ms);
    if (ms) {
        zt_ctx_log(ctx, LOG_DEBUG,
                   "%" PRIu64 " requests left until the rate limit "
                   "resets: pacing %s at %" PRIu64 " ms",
                   remaining, bucket, ms);
    }
}
