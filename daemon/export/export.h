/* export.h - the export core: [sink:NAME] sections bound to sink types, a scan's events written
 * to the durable outbox, and one delivery thread per sink with the retry policy.
 *
 * Used by the service (publish after every scan, status, rebuild on SIGHUP) and by ztmmd --once
 * (publish, then flush within flush_timeout). Delivery never runs on the caller's thread. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct json_object;
struct zt_export;
struct zt_model;

/* The keys every [sink:NAME] takes besides its type's (for `ztmmctl options` and the docs). */
extern const struct zt_option zt_sink_common_options[];

/* Check every [sink:NAME] of cfg: a known type, known keys with valid values (every error
 * names FILE:LINE and the key), the sink's own check(). Config load calls this. */
int zt_export_check_config(const struct zt_config *cfg, char *err, size_t errlen);

/* Bind the sinks of cfg, open the outbox under state_dir and every sink, start the delivery
 * threads. With no sink configured, returns 0 and *ret = NULL: nothing is exported or kept.
 * Returns -errno with a message in err (an unusable state directory, a sink that cannot open). */
int zt_export_new(const struct zt_config *cfg, struct zt_export **ret, char *err, size_t errlen);
/* Stop the threads (cancelling deliveries in flight; what they held stays in the outbox), close
 * the sinks and the outbox. NULL is fine. */
void zt_export_free(struct zt_export *x);
void zt_export_freep(struct zt_export **x);

/* Build the events of the result m (and of the changes zt_drift_compare() kept in it), append
 * them to the outbox, sync, and wake the sinks. Returns the number of events, or -errno with a
 * message in err (nothing was appended: a full disk, outbox_max too small...). */
int zt_export_publish(struct zt_export *x, const struct zt_model *m, char *err, size_t errlen);

/* Wait until every sink has nothing pending, or timeout_ms passed. Returns the number of events
 * still pending over all sinks (0: all delivered). */
uint64_t zt_export_flush(struct zt_export *x, uint64_t timeout_ms);

/* One sink's figures: delivered and dropped are all-time counts kept in the outbox. */
struct zt_export_figures {
    const char *name, *type; /* borrowed from x */
    uint64_t delivered, pending, dropped;
};
/* The figures of every sink, in config order (array in *ret, free() it; NULL when none).
 * Returns the count; 0 for x NULL. */
size_t zt_export_figures(struct zt_export *x, struct zt_export_figures **ret);

/* Per sink: name, type, format, url (when it has one), delivered, pending, dropped, skipped,
 * last_error and its time, next_attempt. A new JSON array. */
struct json_object *zt_export_status(struct zt_export *x);
