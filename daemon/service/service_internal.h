/* service_internal.h - the service's state shared by service.c, service_scan.c and
 * service_control.c; not a public interface. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "sd_load.h"
#include "control.h"
#include "export.h"
#include "history.h"
#include "model.h"
#include "util.h"
#include "options.h"
#include "schedule.h"
#include "service.h"
#include "state.h"
#include "worker.h"

struct zt_service {
    const struct zt_service_args *args;
    sd_event *event;
    struct zt_config *cfg;
    struct zt_catalog *cat;
    struct zt_attestation *attest;
    size_t n_attest;
    struct zt_state *state;
    struct json_object *latest;    /* the latest result document, or NULL */
    struct zt_model *latest_model; /* its model (built once), or NULL */
    struct zt_history history; /* summary of state_dir/history, brought up to date per request */
    struct zt_control *control;
    struct zt_export *export; /* NULL without sinks; delivery runs on its own threads */
    /* scheduling: one entry per cfg->instances[i] */
    struct zt_sched_params params;
    struct zt_sched_entry *sched;
    sd_event_source *timer;
    uint64_t next_scan_usec; /* monotonic; UINT64_MAX when nothing is scheduled */
    /* the running scan */
    struct zt_worker *worker;
    struct zt_strv running; /* instance names the worker scans */
    uint64_t scan_started_usec;
    /* figures for status */
    uint64_t started_usec, scans, scan_failures;
    char *last_error;
    uint64_t last_error_usec;
};

/* service_status.c (uses none of the others) */
void zt_service_set_error(struct zt_service *s, const char *fmt, ...) _printf_(2, 3);
void zt_service_update_status(struct zt_service *s);

/* service_scan.c */
void zt_service_sched_init(struct zt_service *s, const struct zt_sched_entry *old_sched,
                           const struct zt_config *old_cfg);
void zt_service_arm_timer(struct zt_service *s);
/* Start a scan of the selected instances (NULL: all enabled). Returns 1 when a scan was
 * started, 0 when one is already running (the request joins it), or a negative errno. */
int zt_service_start_scan(struct zt_service *s, const bool *selected, const char *reason);

/* service_control.c */
struct json_object *zt_service_handle(const struct zt_control_request *req, void *userdata);
struct json_object *zt_service_status_json(struct zt_service *s);
