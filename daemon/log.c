/* log.c - logging to stderr, with levels; the only mutable global besides main's arguments. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int log_level = LOG_NOTICE;

void zt_log_set_level(int level)
{
    log_level = level;
}

int zt_log_get_level(void)
{
    return log_level;
}

int zt_log_level_from_string(const char *s)
{
    static const struct {
        const char *name;
        int level;
    } names[] = {
        {"err", LOG_ERR},   {"error", LOG_ERR}, {"warning", LOG_WARNING}, {"notice", LOG_NOTICE},
        {"info", LOG_INFO}, {"debug", LOG_DEBUG},
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(names); i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            return names[i].level;
        }
    }
    return -EINVAL;
}

void zt_logv(int level, const char *fmt, va_list ap)
{
    static const char *const prefix[] = {
        [LOG_EMERG] = "emerg",  [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit",
        [LOG_ERR] = "error",    [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",    [LOG_DEBUG] = "debug",
    };
    char msg[2048];

    if (level > log_level) {
        return;
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    fprintf(stderr, "ztmmd: %s: %s\n", prefix[level & 7], msg);
}

void zt_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zt_logv(level, fmt, ap);
    va_end(ap);
}

int zt_log_errno(int level, int err, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    zt_log(level, "%s: %s", msg, strerror(err < 0 ? -err : err));
    return err;
}
