/* sinks.h - every sink type built into ztmmd, and the table the export finds them in. */
#pragma once

#include "sink.h"

/* One line per sink type: X(NAME) for the `const struct zt_sink zt_sink_NAME` its source file
 * defines (docs/WRITING_A_SINK.md). The declarations and the table below come from this list. */
#define ZT_SINK_TYPES(X)                                                                           \
    X(file)                                                                                        \
    X(azure_monitor)                                                                               \
    X(webhook)                                                                                     \
    X(splunk_hec)                                                                                  \
    X(elasticsearch)                                                                               \
    X(syslog)

#define ZT_SINK_DECLARE(name) extern const struct zt_sink zt_sink_##name;
ZT_SINK_TYPES(ZT_SINK_DECLARE)

/* NULL-terminated. */
extern const struct zt_sink *const zt_sinks[];

/* Find a sink type by name, or NULL. */
const struct zt_sink *zt_sink_find(const char *name);
