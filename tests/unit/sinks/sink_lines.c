/* sink_lines.c - the example sink of docs/WRITING_A_SINK.md: each event on its own line,
 * appended to a file and synced before the batch counts as delivered. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sink.h"

struct lines_sink {
    char *path; /* bound from the options table; the core frees it */
    int fd;
};

static const struct zt_option lines_options[] = {
    {"path", ZT_OPT_PATH, NULL, offsetof(struct lines_sink, path), ZT_OPT_REQUIRED,
     "file the events are appended to, one per line"},
    {.key = NULL},
};

static int lines_open(void *state, const struct zt_sink_env *env, char *err, size_t errlen)
{
    struct lines_sink *s = state;

    (void)env;
    s->fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (s->fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", s->path, strerror(errno));
        return -errno;
    }
    return 0;
}

static enum zt_sink_status lines_deliver(void *state, const struct zt_sink_batch *b,
                                         struct zt_sink_outcome *out)
{
    struct lines_sink *s = state;

    for (size_t i = 0; i < b->n; i++) {
        struct iovec iov[2] = {{(void *)b->ev[i].text, b->ev[i].len}, {"\n", 1}};
        if (writev(s->fd, iov, 2) != (ssize_t)(b->ev[i].len + 1)) {
            /* A full disk passes: the core retries this batch later, from event i on. */
            out->done = i;
            snprintf(out->message, sizeof(out->message), "write %s: %s", s->path, strerror(errno));
            return ZT_SINK_RETRY;
        }
    }
    if (fsync(s->fd) < 0) {
        snprintf(out->message, sizeof(out->message), "fsync %s: %s", s->path, strerror(errno));
        return ZT_SINK_RETRY;
    }
    return ZT_SINK_OK;
}

static void lines_close(void *state)
{
    struct lines_sink *s = state;
    if (s->fd >= 0) {
        close(s->fd);
    }
}

const struct zt_sink zt_sink_lines = {
    .name = "lines",
    .summary = "events appended to a local file, one per line",
    .options = lines_options,
    .state_size = sizeof(struct lines_sink),
    .formats = ZT_FORMATS_ALL,
    .default_format = ZT_FORMAT_JSON,
    .open = lines_open,
    .deliver = lines_deliver,
    .close = lines_close,
};
