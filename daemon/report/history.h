/* history.h - a compact summary of the kept result documents (state_dir/history): per scan its
 * time, id, overall and pillar stages. The HTML report draws the trend from it; the service
 * answers the control command "history" with it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "options.h"

struct json_object;
struct zt_model;

#define ZT_HISTORY_POINTS_MAX 10000u /* what a summary from outside (the socket) may hold */

struct zt_history_pillar {
    char *id;
    enum zt_stage stage;
};

struct zt_history_point {
    char *file; /* name in the history directory; NULL when not read from one */
    char *scan_id, *finished_at;
    uint64_t finished_usec;
    enum zt_stage overall;
    struct zt_history_pillar *pillars;
    size_t n_pillars;
};

/* Points sorted by finished time (oldest first). Owns everything. */
struct zt_history {
    struct zt_history_point *v;
    size_t n;
    size_t skipped;     /* files or entries that could not be read as a result document */
    struct zt_strv bad; /* names of the files among them, not read again while they stay */
};

/* Bring h up to date with the directory dir: points of files no longer there are dropped, files
 * not yet in h (*.json, not hidden) are read and summarized; files that are not readable result
 * documents are counted in h->skipped. Documents are written once and never changed, so a name
 * already in h, or already found unreadable, is not read again; nor is a file named
 * TIME-SCANID.json (as the state directory names them) of a point zt_history_add() added. Returns
 * 0, or a negative errno when dir cannot be listed (err names it; h is unchanged then). */
int zt_history_refresh(struct zt_history *h, const char *dir, char *err, size_t errlen);
/* Add the result m (the latest one) unless a point with its scan id is already there. */
void zt_history_add(struct zt_history *h, const struct zt_model *m);
/* The summary as a JSON array (new reference):
 * [{"scan_id", "finished_at", "overall", "pillars": {"identity": "initial", ...}}, ...]. */
struct json_object *zt_history_to_json(const struct zt_history *h);
/* Read such an array into h (emptied first). Entries lacking a scan id, an RFC 3339 time or an
 * overall stage are counted in h->skipped. Returns 0, or -EBADMSG when arr is not an array or
 * holds more than ZT_HISTORY_POINTS_MAX entries (reason in err). */
int zt_history_from_json(struct json_object *arr, struct zt_history *h, char *err, size_t errlen);
/* Free what h holds and empty it. */
void zt_history_clear(struct zt_history *h);
