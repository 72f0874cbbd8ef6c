/* event.h - export events (ztmmd.event/1): built from the typed model of a scan result and its
 * difference to the previous scan, stored in the outbox as one JSON object per event, read back
 * into a typed view for delivery, and rendered in a sink's format (json, ocsf, cef).
 * The schema is documented in docs/events.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "sink.h"

#define ZT_EVENT_SCHEMA "ztmmd.event/1"
#define ZT_EVENT_ID_LEN ZT_CHANGE_ID_LEN /* hex digits: one recipe, zt_drift_digest() */
#define ZT_EVENT_MAX    (1024u * 1024u)  /* bytes of one stored event */

enum zt_event_kind {
    ZT_EVENT_SCAN,
    ZT_EVENT_FUNCTION,
    ZT_EVENT_FINDING,
    ZT_EVENT_DRIFT,
    _ZT_EVENT_KIND_MAX,
};
const char *zt_event_kind_to_string(enum zt_event_kind k);

/* The stable id of an event: the first 128 bits of SHA-256 over the schema, scan_id, kind and
 * subject (rule, function; empty for the scan), in hex (zt_drift_digest()). A drift event
 * carries its change's id instead, zt_change_id(), the same recipe with "scope:subject". out
 * holds ZT_EVENT_ID_LEN + 1 bytes. */
void zt_event_id(const char *scan_id, enum zt_event_kind kind, const char *subject, char *out);

/* The events of one scan, each as one line of JSON (no newline), in order: the scan summary,
 * the functions, every finding (sinks filter with `findings =`), the changes kept in cur by
 * zt_drift_compare() (none when it was not compared). Returns the count and the lines in *ret
 * (free each, then the array). */
size_t zt_events_build(const struct zt_model *cur, char ***ret);

/* A stored event read back. Strings are borrowed from json; NULL where the kind has none. */
struct zt_event {
    struct json_object *json; /* owned */
    enum zt_event_kind kind;
    const char *id, *scan_id, *host, *time;
    uint64_t time_usec;
    const char *function, *pillar, *stage; /* stage: see docs/events.md */
    /* function */
    const char *name, *bound;
    double coverage; /* function, and the scan's overall */
    bool attested;
    /* finding */
    const char *rule, *title, *remediation;
    enum zt_outcome status;
    /* drift */
    enum zt_change_scope scope;
    const char *subject, *from, *to, *previous_scan_id;
    enum zt_direction direction;
};

/* Parse one stored event. Returns 0, or -EBADMSG with a reason in err when the text is not a
 * ztmmd.event/1 object with a valid id, kind, time and the members its kind requires. */
int zt_event_parse(const char *text, size_t len, struct zt_event *ev, char *err, size_t errlen);
void zt_event_done(struct zt_event *ev);

/* Whether a sink with `findings = failing` carries ev: every event but passing and
 * not-applicable findings. */
bool zt_event_is_failing_or_other(const struct zt_event *ev);

/* The OCSF severity_id of ev (0 Unknown ... 4 High; docs/events.md): the severity every format
 * and sink derives its own from (CEF 0-10, syslog PRI). */
int zt_event_severity(const struct zt_event *ev);

/* Render ev in format f (one line, no newline). Returns a new string and its length. */
char *zt_event_render(const struct zt_event *ev, enum zt_format f, size_t *len);
