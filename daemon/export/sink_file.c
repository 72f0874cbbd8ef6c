/* sink_file.c - events appended to a local file, one per line (JSON lines or CEF), rotated by
 * size: PATH -> PATH.1 -> ... -> PATH.KEEP. A batch counts as delivered once it is on disk. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "sink.h"

struct file_sink {
    char *path;
    uint64_t max_size;
    uint64_t keep;
    const struct zt_sink_env *env;
    int fd;
    uint64_t size; /* of the open file */
};

static const struct zt_option file_options[] = {
    {"path", ZT_OPT_PATH, NULL, offsetof(struct file_sink, path), ZT_OPT_REQUIRED,
     "file the events are appended to, one per line"},
    {"max_size", ZT_OPT_SIZE, "100M", offsetof(struct file_sink, max_size), 0,
     "rotate the file before it grows past this size (0: never)"},
    {"keep", ZT_OPT_UINT, "5", offsetof(struct file_sink, keep), 0,
     "rotated files kept (PATH.1 is the newest)", 0, 1000},
    {.key = NULL},
};

static void file_close_fd(struct file_sink *f)
{
    if (f->fd >= 0) {
        close(f->fd);
    }
    f->fd = -1;
}

static int file_reopen(struct file_sink *f, char *err, size_t errlen)
{
    struct stat st;

    file_close_fd(f);
    f->fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (f->fd < 0) {
        int r = -errno;
        snprintf(err, errlen, "cannot open %s: %s", f->path, strerror(errno));
        return r;
    }
    if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", f->path);
        file_close_fd(f);
        return -EINVAL;
    }
    f->size = (uint64_t)st.st_size;
    return 0;
}

static int file_open(void *state, const struct zt_sink_env *env, char *err, size_t errlen)
{
    struct file_sink *f = state;

    f->env = env;
    f->fd = -1;
    return file_reopen(f, err, errlen);
}

/* PATH.(keep-1) -> PATH.keep, ..., PATH -> PATH.1; with keep 0 the file is just emptied. */
static int file_rotate(struct file_sink *f, char *err, size_t errlen)
{
    if (f->keep == 0) {
        if (ftruncate(f->fd, 0) < 0) {
            int r = -errno;
            snprintf(err, errlen, "cannot truncate %s: %s", f->path, strerror(errno));
            return r;
        }
        f->size = 0;
        return 0;
    }
    for (uint64_t i = f->keep; i >= 1; i--) {
        _cleanup_free_ char *to = zt_xasprintf("%s.%llu", f->path, (unsigned long long)i);
        _cleanup_free_ char *from =
            i == 1 ? zt_xstrdup(f->path)
                   : zt_xasprintf("%s.%llu", f->path, (unsigned long long)(i - 1));
        if (rename(from, to) < 0 && errno != ENOENT) {
            int r = -errno;
            snprintf(err, errlen, "cannot rotate %s to %s: %s", from, to, strerror(errno));
            return r;
        }
    }
    return file_reopen(f, err, errlen);
}

/* Write and sync buf[0..len); on failure the message names the file. */
static int file_write(struct file_sink *f, const char *buf, size_t len, struct zt_sink_outcome *out)
{
    int r = zt_write_all(f->fd, buf, len);
    if (r == 0 && fdatasync(f->fd) < 0) {
        r = -errno;
    }
    if (r < 0) {
        /* A short write leaves a partial line: start the next attempt on a fresh line (or a
         * fresh descriptor); the events are written again with their ids. */
        snprintf(out->message, sizeof(out->message), "cannot write %s: %s", f->path, strerror(-r));
        if (zt_write_all(f->fd, "\n", 1) < 0) {
            file_close_fd(f);
        }
        return r;
    }
    f->size += len;
    return 0;
}

/* Lines are gathered and written together; the file is rotated between two lines when the
 * next one would take it past max_size, so no file grows past it but by a single line. */
static enum zt_sink_status file_deliver(void *state, const struct zt_sink_batch *b,
                                        struct zt_sink_outcome *out)
{
    struct file_sink *f = state;
    size_t bytes = 0, start = 0;

    for (size_t i = 0; i < b->n; i++) {
        bytes += b->ev[i].len + 1;
    }
    if (f->fd < 0 && file_reopen(f, out->message, sizeof(out->message)) < 0) {
        return ZT_SINK_RETRY;
    }
    _cleanup_free_ char *buf = zt_xmalloc(bytes);
    size_t off = 0;
    for (size_t i = 0; i < b->n; i++) {
        size_t line = b->ev[i].len + 1;
        if (f->max_size && f->size + off > 0 && f->size + off + line > f->max_size) {
            if (off && file_write(f, buf, off, out) < 0) {
                out->done = start;
                return ZT_SINK_RETRY;
            }
            if (file_rotate(f, out->message, sizeof(out->message)) < 0) {
                out->done = i; /* the lines written before stay written */
                return ZT_SINK_RETRY;
            }
            start = i;
            off = 0;
        }
        memcpy(buf + off, b->ev[i].text, b->ev[i].len);
        off += b->ev[i].len;
        buf[off++] = '\n';
    }
    if (off && file_write(f, buf, off, out) < 0) {
        out->done = start;
        return ZT_SINK_RETRY;
    }
    return ZT_SINK_OK;
}

static void file_close(void *state)
{
    struct file_sink *f = state;
    file_close_fd(f);
}

const struct zt_sink zt_sink_file = {
    .name = "file",
    .summary = "append events to a local file, one per line, rotated by size",
    .options = file_options,
    .state_size = sizeof(struct file_sink),
    .formats = ZT_FORMATS_ALL,
    .default_format = ZT_FORMAT_JSON,
    .open = file_open,
    .deliver = file_deliver,
    .close = file_close,
};
