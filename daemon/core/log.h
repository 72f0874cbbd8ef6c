/* log.h - logging to stderr (or the journal when the service sets it up), with levels. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

#include "util.h"

/* Levels are syslog priorities: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG. */
void zt_log_set_level(int level);
int zt_log_get_level(void);
/* Parse "err", "warning", "notice", "info", "debug". Returns the level or -EINVAL. */
int zt_log_level_from_string(const char *s);

/* Log a message; the varargs form is what collectors' context logging funnels into. */
void zt_logv(int level, const char *fmt, va_list ap) _printf_(2, 0);
void zt_log(int level, const char *fmt, ...) _printf_(2, 3);
/* Log with the reason of a negative errno appended; returns err so callers can
 * `return zt_log_errno(LOG_ERR, r, "...")`. */
int zt_log_errno(int level, int err, const char *fmt, ...) _printf_(3, 4);

#define log_error(...)   zt_log(LOG_ERR, __VA_ARGS__)
#define log_warning(...) zt_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  zt_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    zt_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   zt_log(LOG_DEBUG, __VA_ARGS__)

/* Where messages go. The journal target sends structured entries (PRIORITY, MESSAGE,
 * SYSLOG_IDENTIFIER, MESSAGE_ID and event fields); stderr prints "ztmmd: level: message". */
enum zt_log_target {
    ZT_LOG_STDERR,
    ZT_LOG_JOURNAL,
    _ZT_LOG_TARGET_MAX,
};
void zt_log_set_target(enum zt_log_target target);
/* True when stderr is the journal's stream: $JOURNAL_STREAM names stderr's device and inode,
 * as systemd sets it for services (a terminal on a systemd machine is not the journal). */
bool zt_log_stderr_is_journal(void);

/* Log an event: message_id (see messages.h) and extra "KEY=value" journal fields (fields is
 * NULL-terminated, may be NULL; keys uppercase). On stderr only the message is printed. */
void zt_log_event(int level, const char *message_id, const char *const *fields, const char *fmt,
                  ...) _printf_(4, 5);
