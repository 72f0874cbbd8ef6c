/* drift.h - what changed between a result and the previous one: stage and finding status
 * changes, each with one id that the result's "changes", the journal and the exported drift
 * event all carry (docs/events.md). */
#pragma once

#include <stdbool.h>

#include "model.h"

struct json_object;

/* The hex of the first 128 bits of SHA-256 over text: the recipe of every id of a change or an
 * exported event. out holds ZT_CHANGE_ID_LEN + 1 bytes. */
void zt_drift_digest(const char *text, char *out);

/* The id of a change: zt_drift_digest() of "ztmmd.event/1\n" SCAN_ID "\ndrift\n" SCOPE ":"
 * SUBJECT, with scan_id the later scan's. A scan is compared with one previous scan, so the
 * later scan and the subject name the change. out holds ZT_CHANGE_ID_LEN + 1 bytes. */
void zt_change_id(const char *scan_id, enum zt_change_scope scope, const char *subject, char *out);

/* Compare cur with prev and keep the changes in cur (cur->changes, cur->previous_scan_id), in
 * order: functions, pillars, overall, findings, each in document order. Entries new in cur have
 * no history and are not changes. prev NULL: the first result is the baseline, no changes. */
void zt_drift_compare(struct zt_model *cur, const struct zt_model *prev);

/* cur's changes as the result document's "changes" array (new reference): per change its id,
 * kind (stage_changed or finding_changed), scope, subject, function, from, to, direction,
 * previous_scan_id, scan_id and time ("at"). */
struct json_object *zt_drift_to_json(const struct zt_model *cur);

/* Whether a change event is a regression (a lower stage, or a finding that stopped passing). */
bool zt_drift_is_regression(struct json_object *event);
