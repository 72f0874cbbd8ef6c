/* metrics.h - the latest result as a Prometheus textfile (the node_exporter textfile collector's
 * text format): stages, coverage, findings, collectors, scan time, export figures. Metric names,
 * the stage encoding and example alerts are in docs/metrics.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "export.h"

struct json_object;
struct zt_model;

/* The stage as a gauge value: traditional 0, initial 1, advanced 2, optimal 3; unknown -1. */
int zt_metrics_stage_value(enum zt_stage s);

/* The service's own counters since it started (absent from the file of ztmmd --once). */
struct zt_metrics_service {
    uint64_t scans, scan_failures;
};

struct zt_metrics_input {
    const struct zt_model *result;         /* the latest result; NULL: no scan yet */
    const struct zt_export_figures *sinks; /* n_sinks of them */
    size_t n_sinks;
    const struct zt_metrics_service *service; /* NULL for ztmmd --once */
};

/* Render in the Prometheus text exposition format (0.0.4): HELP and TYPE lines, label values
 * escaped. Returns a new string (free()). */
char *zt_metrics_render(const struct zt_metrics_input *in);

/* Write text to path atomically, readable by all (0644: node_exporter runs as another user):
 * a temporary file in the same directory (a name without the .prom suffix, so the collector
 * never reads it half written), fsync, rename, fsync of the directory. Returns 0 or -errno with
 * "cannot write the metrics file PATH: reason" in err; the old file is then untouched. */
int zt_metrics_write(const char *path, const char *text, char *err, size_t errlen);

/* Render and write path from the result m (NULL: none yet), the sinks of x (may be NULL) and the
 * service's counters (NULL for --once). Returns 0 or -errno with the reason, naming path, in
 * err. */
int zt_metrics_update(const char *path, const struct zt_model *m, struct zt_export *x,
                      const struct zt_metrics_service *service, char *err, size_t errlen);
