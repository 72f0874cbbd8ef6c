/* state.h - the state directory: the latest result and a bounded history, written atomically. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

struct json_object;

#define ZT_STATE_FILE_MAX (64u * 1024u * 1024u) /* a result document read back at start */
#define ZT_STATE_LATEST   "latest.json"
#define ZT_STATE_HISTORY  "history"

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

/* Write data to dir_fd/name atomically: a temporary file is written and fsync()ed, renamed over
 * name, and the directory fsync()ed. Returns 0 or a negative errno (name is then untouched). */
int zt_state_write_atomic(int dir_fd, const char *name, const char *data, size_t len);
/* The same with the file's mode set to exactly mode, whatever the umask (files other programs
 * read, such as the metrics file). */
int zt_state_write_atomic_mode(int dir_fd, const char *name, const char *data, size_t len,
                               mode_t mode);

/* Read latest.json. Returns 1 and the document through *ret, 0 when there is none, -EBADMSG
 * when it was corrupt (it is renamed to latest.json.corrupt-TIMESTAMP and err says so), or
 * another negative errno when it could not be read (message in err). */
int zt_state_load_latest(struct zt_state *st, struct json_object **ret, char *err, size_t errlen);

/* Parse text[0..len) as a result document (JSON nested at most 64 deep, with the result schema).
 * Returns the document (new reference), or NULL when it is not one. */
struct json_object *zt_state_parse_doc(const char *text, size_t len);

/* Save doc as latest.json and as history/TIME-SCANID.json, then delete the oldest history
 * documents beyond history_max. Returns 0 or a negative errno. */
int zt_state_save(struct zt_state *st, struct json_object *doc);
