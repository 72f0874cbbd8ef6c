/* state.c - latest result and bounded history in the state directory, written atomically; corrupt
 * files are set aside rather than stopping the daemon. */
#include "state.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "file.h"
#include "model.h"
#include "result.h"
#include "util.h"

static int open_dir_at(int at, const char *path, int *ret)
{
    if (mkdirat(at, path, 0750) < 0 && errno != EEXIST) {
        return -errno;
    }
    int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    *ret = fd;
    return 0;
}

/* Opening a directory needs no write access: create and remove a file, so a read-only mount
 * (ProtectSystem=strict outside StateDirectory=) or foreign ownership is found at start and not
 * at the first save. */
static int probe_writable(int dfd)
{
    char name[64];

    snprintf(name, sizeof(name), ".ztmmd-probe-%d", (int)getpid());
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return -errno;
    }
    close(fd);
    return unlinkat(dfd, name, 0) < 0 ? -errno : 0;
}

int zt_state_open(const char *dir, size_t history_max, struct zt_state **ret)
{
    _cleanup_close_ int dfd = -1, hfd = -1;
    int r = open_dir_at(AT_FDCWD, dir, &dfd);

    if (r < 0) {
        return r;
    }
    r = open_dir_at(dfd, ZT_STATE_HISTORY, &hfd);
    if (r >= 0) {
        r = probe_writable(dfd);
    }
    if (r >= 0) {
        r = probe_writable(hfd);
    }
    if (r < 0) {
        return r;
    }
    struct zt_state *st = zt_xcalloc(1, sizeof(*st));
    st->dir_fd = TAKE_FD(dfd);
    st->history_fd = TAKE_FD(hfd);
    st->dir = zt_xstrdup(dir);
    st->history_max = history_max;
    *ret = st;
    return 0;
}

void zt_state_free(struct zt_state *st)
{
    if (!st) {
        return;
    }
    zt_closep(&st->dir_fd);
    zt_closep(&st->history_fd);
    free(st->dir);
    free(st);
}

void zt_state_freep(struct zt_state **st)
{
    zt_state_free(*st);
}

/* Rename a corrupt file aside so the next save does not destroy what an admin may inspect. */
static int set_aside(struct zt_state *st, const char *name, char *err, size_t errlen)
{
    char stamp[32], aside[128];
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(aside, sizeof(aside), "%s.corrupt-%s", name, stamp);
    if (renameat(st->dir_fd, name, st->dir_fd, aside) < 0) {
        int r = -errno;
        snprintf(err, errlen, "%s/%s is corrupt and could not be renamed aside: %s", st->dir, name,
                 strerror(-r));
        return r;
    }
    fsync(st->dir_fd);
    snprintf(err, errlen, "%s/%s is corrupt (not a %s document); renamed to %s", st->dir, name,
             ZT_RESULT_SCHEMA, aside);
    return -EBADMSG;
}

int zt_state_load_latest(struct zt_state *st, struct json_object **ret, char *err, size_t errlen)
{
    _cleanup_free_ char *path = zt_xasprintf("%s/%s", st->dir, ZT_STATE_LATEST);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = zt_read_file(path, ZT_RESULT_FILE_MAX, &text, &len);

    if (r == -ENOENT) {
        return 0;
    }
    if (r == -EFBIG) {
        return set_aside(st, ZT_STATE_LATEST, err, errlen);
    }
    if (r < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(-r));
        return r;
    }
    struct json_object *doc = zt_model_parse_doc(text, len);
    if (!doc) {
        return set_aside(st, ZT_STATE_LATEST, err, errlen);
    }
    *ret = doc;
    return 1;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Delete the oldest history documents (names sort by time) beyond history_max. */
static void prune_history(struct zt_state *st)
{
    int fd = fcntl(st->history_fd, F_DUPFD_CLOEXEC, 3);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    char **names = NULL;
    size_t n = 0;

    if (!d) {
        zt_closep(&fd);
        return;
    }
    rewinddir(d); /* the duplicate shares the file offset of history_fd */
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] != '.' && zt_endswith(de->d_name, ".json")) {
            names = zt_xrealloc(names, (n + 1) * sizeof(*names));
            names[n++] = zt_xstrdup(de->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i + st->history_max < n) {
            unlinkat(st->history_fd, names[i], 0);
        }
        free(names[i]);
    }
    free(names);
}

static char *history_name(struct json_object *doc)
{
    struct json_object *v;
    const char *at =
        json_object_object_get_ex(doc, "finished_at", &v) ? json_object_get_string(v) : "";
    const char *id =
        json_object_object_get_ex(doc, "scan_id", &v) ? json_object_get_string(v) : "none";
    char stamp[40] = "";
    size_t n = 0;

    /* "2024-05-01T10:00:00.123Z" -> "20240501T100000123Z": sortable and shell-friendly. */
    for (const char *p = at ? at : ""; *p && n < sizeof(stamp) - 1; p++) {
        if ((*p >= '0' && *p <= '9') || *p == 'T' || *p == 'Z') {
            stamp[n++] = *p;
        }
    }
    stamp[n] = '\0';
    return zt_xasprintf("%s-%.36s.json", stamp, id ? id : "none");
}

int zt_state_save(struct zt_state *st, struct json_object *doc)
{
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    int r;

    if (st->history_max > 0) {
        _cleanup_free_ char *name = history_name(doc);
        for (const char *p = name; *p; p++) {
            if (*p == '/') {
                return -EINVAL; /* a scan id from a document is outside input */
            }
        }
        r = zt_write_atomic(st->history_fd, name, text, len);
        if (r < 0) {
            return r;
        }
        prune_history(st);
    }
    return zt_write_atomic(st->dir_fd, ZT_STATE_LATEST, text, len);
}
