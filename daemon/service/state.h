/* state.h - the state directory: the latest result and a bounded history, written atomically. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

struct json_object;

#define ZT_STATE_LATEST  "latest.json"
#define ZT_STATE_HISTORY "history"

struct zt_state {
    int dir_fd, history_fd;
    char *dir;
    size_t history_max; /* documents kept in history/ (0: none) */
};

/* Open (creating if needed, mode 0750) dir and dir/history, and check that files can be
 * created in both. Returns 0 or a negative errno (-EROFS, -EACCES, ...). */
int zt_state_open(const char *dir, size_t history_max, struct zt_state **ret);
void zt_state_free(struct zt_state *st);
void zt_state_freep(struct zt_state **st);

/* Read latest.json. Returns 1 and the document through *ret, 0 when there is none, -EBADMSG
 * when it was corrupt (it is renamed to latest.json.corrupt-TIMESTAMP and err says so), or
 * another negative errno when it could not be read (message in err). */
int zt_state_load_latest(struct zt_state *st, struct json_object **ret, char *err, size_t errlen);

/* Save doc as latest.json and as history/TIME-SCANID.json, then delete the oldest history
 * documents beyond history_max. Returns 0 or a negative errno. */
int zt_state_save(struct zt_state *st, struct json_object *doc);
