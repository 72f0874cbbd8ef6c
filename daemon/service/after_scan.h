/* after_scan.h - what happens with a scan's result, in one order, for the service and for
 * ztmmd --once alike: compare it with the previous result, publish its events, save it, show
 * it, deliver, write the metrics. The model of the result is built here, once. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "export.h"
#include "metrics.h"
#include "model.h"
#include "state.h"

struct json_object;

/* What is configured; each step runs when its part is there. */
struct zt_after_scan {
    struct zt_state *state;                    /* NULL: the result is not saved */
    struct zt_export *export;                  /* NULL: no sinks, no events */
    const char *metrics_file;                  /* NULL: no metrics file */
    const struct zt_metrics_service *counters; /* the service's counters; NULL for --once */
    uint64_t flush_timeout_ms; /* > 0: wait that long for delivery before the metrics (--once) */
    /* The caller's view of the saved result (print it, log it); m is NULL only when doc could
     * not be read as a result. May be NULL. */
    void (*show)(struct json_object *doc, const struct zt_model *m, void *userdata);
    void *userdata;
};

/* What the steps did. error holds the first failure's message, as logged. */
struct zt_after_scan_outcome {
    int published;    /* events queued (0 without sinks), or -errno: nothing was queued */
    int saved;        /* 0 (also when not saved), or -errno */
    int metrics;      /* 0 (also without a metrics file), or -errno */
    uint64_t pending; /* events not delivered within flush_timeout_ms */
    char error[1024];
};

/* After a scan, in this order: read doc (the new result) into its model and compare it with
 * prev (the previous result's model, NULL for none), adding doc's "changes"; publish the
 * events; save doc; show it; deliver within flush_timeout_ms (after a successful publish);
 * write the metrics of the new result. doc NULL (the scan failed): only the metrics, of prev.
 * Every failure is logged once, here. Returns the new result's model (free it; NULL when doc
 * is NULL or not a result document). */
struct zt_model *zt_after_scan(const struct zt_after_scan *as, const struct zt_model *prev,
                               struct json_object *doc, struct zt_after_scan_outcome *out);
