/* drift.h - compare a result document with the previous one and describe what changed. */
#pragma once

#include <stdbool.h>

struct json_object;

#define ZT_DRIFT_ID_LEN 64 /* hex sha256 */

/* The "changes" array of result document cur against prev (new reference): one event per
 * function, pillar or overall stage change and per finding status change, in document order.
 * Empty when prev is NULL: the first result is the baseline. Neither document is modified. */
struct json_object *zt_drift_compute(struct json_object *prev, struct json_object *cur);

/* The stable id of a change: hex sha256 of both scan ids, the kind and the subject, so a
 * receiver that sees the same event twice can drop the copy. out holds ZT_DRIFT_ID_LEN + 1. */
void zt_drift_event_id(const char *prev_scan_id, const char *scan_id, const char *kind,
                       const char *subject, char *out);

/* Whether a change event is a regression (a lower stage, or a finding that stopped passing). */
bool zt_drift_is_regression(struct json_object *event);
