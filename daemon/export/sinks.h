/* sinks.h - the table of every sink type built into ztmmd (sinks.c): add a new one there. */
#pragma once

#include "sink.h"

extern const struct zt_sink zt_sink_file;
extern const struct zt_sink zt_sink_azure_monitor;
extern const struct zt_sink zt_sink_webhook;
extern const struct zt_sink zt_sink_splunk_hec;
extern const struct zt_sink zt_sink_elasticsearch;
extern const struct zt_sink zt_sink_syslog;

/* NULL-terminated. */
extern const struct zt_sink *const zt_sinks[];

/* Find a sink type by name, or NULL. */
const struct zt_sink *zt_sink_find(const char *name);
