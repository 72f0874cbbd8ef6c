/* service_status.c - what the service says about itself: the last error it met and the one-line
 * status it reports to systemd. The bottom of the service's files: service.c (life cycle),
 * service_scan.c (schedule and scans) and service_control.c (requests) all use it, and it uses
 * none of them, so the service's files depend on each other one way only. */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sd_load.h"
#include "service_internal.h"
#include "util.h"

void zt_service_set_error(struct zt_service *s, const char *fmt, ...)
{
    va_list ap;

    free(s->last_error);
    va_start(ap, fmt);
    if (vasprintf(&s->last_error, fmt, ap) < 0) {
        s->last_error = NULL;
    }
    va_end(ap);
    s->last_error_usec = zt_now_real_usec();
}

void zt_service_update_status(struct zt_service *s)
{
    char last[160] = "no scan yet", next[64] = "no scan scheduled", ts[40];
    struct json_object *o, *v;

    if (s->latest && json_object_object_get_ex(s->latest, "overall", &o)) {
        int64_t assessed =
            json_object_object_get_ex(o, "functions_assessed", &v) ? json_object_get_int64(v) : 0;
        int64_t total =
            json_object_object_get_ex(o, "functions", &v) ? json_object_get_int64(v) : 0;
        const char *stage =
            json_object_object_get_ex(o, "stage", &v) ? json_object_get_string(v) : "unknown";
        const char *at = json_object_object_get_ex(s->latest, "finished_at", &v)
                             ? json_object_get_string(v)
                             : "?";
        snprintf(last, sizeof(last), "last scan %s: overall %s, %lld/%lld functions assessed", at,
                 stage, (long long)assessed, (long long)total);
    }
    if (s->worker) {
        snprintf(next, sizeof(next), "scanning %zu collector(s)", s->running.n);
    } else if (s->next_scan_usec != UINT64_MAX) {
        uint64_t now = zt_now_mono_usec();
        uint64_t in = s->next_scan_usec > now ? s->next_scan_usec - now : 0;
        snprintf(next, sizeof(next), "next scan %s",
                 zt_format_rfc3339(zt_now_real_usec() + in, ts, sizeof(ts)));
    }
    sd_notifyf(false, "STATUS=%s; %s%s%s", last, next, s->last_error ? "; last error: " : "",
               s->last_error ? s->last_error : "");
}
