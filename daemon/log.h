/* log.h - logging to stderr (or the journal when the service sets it up), with levels. */
#pragma once

#include <stdarg.h>
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

#define log_error(...) zt_log(LOG_ERR, __VA_ARGS__)
#define log_warning(...) zt_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) zt_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) zt_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...) zt_log(LOG_DEBUG, __VA_ARGS__)
