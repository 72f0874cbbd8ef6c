/* log.c - logging to stderr, with levels; the only mutable global besides main's arguments. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "sd_load.h"

#define LOG_FIELDS_MAX 16

static int log_level = LOG_NOTICE;
static enum zt_log_target log_target = ZT_LOG_STDERR;

void zt_log_set_target(enum zt_log_target target)
{
    log_target = target;
}

bool zt_log_stderr_is_journal(void)
{
    const char *e = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0) {
        return false;
    }
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

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
        {"err", LOG_ERR},       {"error", LOG_ERR}, {"warning", LOG_WARNING},
        {"notice", LOG_NOTICE}, {"info", LOG_INFO}, {"debug", LOG_DEBUG},
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
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
        [LOG_ERR] = "error",   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
    };
    char msg[2048];

    if (level > log_level) {
        return;
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (log_target == ZT_LOG_JOURNAL) {
        sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", level & 7, "SYSLOG_IDENTIFIER=ztmmd",
                        NULL);
        return;
    }
    fprintf(stderr, "ztmmd: %s: %s\n", prefix[level & 7], msg);
}

/* Send one journal entry of MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, MESSAGE_ID and fields. */
static void journal_event(int level, const char *message_id, const char *const *fields,
                          const char *msg)
{
    struct iovec iov[LOG_FIELDS_MAX + 4];
    char prio[16];
    size_t n = 0;
    _cleanup_free_ char *m = zt_xasprintf("MESSAGE=%s", msg);
    _cleanup_free_ char *id = zt_xasprintf("MESSAGE_ID=%s", message_id);

    snprintf(prio, sizeof(prio), "PRIORITY=%d", level & 7);
    iov[n++] = (struct iovec){m, strlen(m)};
    iov[n++] = (struct iovec){prio, strlen(prio)};
    iov[n++] = (struct iovec){(char *)"SYSLOG_IDENTIFIER=ztmmd", strlen("SYSLOG_IDENTIFIER=ztmmd")};
    iov[n++] = (struct iovec){id, strlen(id)};
    for (size_t i = 0; fields && fields[i] && i < LOG_FIELDS_MAX; i++) {
        iov[n++] = (struct iovec){(char *)fields[i], strlen(fields[i])};
    }
    sd_journal_sendv(iov, (int)n);
}

void zt_log_event(int level, const char *message_id, const char *const *fields, const char *fmt,
                  ...)
{
    char msg[2048];
    va_list ap;

    if (level > log_level) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log_target == ZT_LOG_JOURNAL) {
        journal_event(level, message_id, fields, msg);
    } else {
        zt_log(level, "%s", msg);
    }
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
