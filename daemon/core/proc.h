/* proc.h - run a program bounded in time and output: clean environment, own process group, stdout
 * captured up to a cap, the head of stderr kept, and the whole group killed when the run ends. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define ZT_PROC_STDERR_MAX  4096            /* bytes of stderr kept; the rest is drained */
#define ZT_PROC_GRACE_USEC  ZT_USEC_PER_SEC /* SIGTERM -> SIGKILL; linger after exit */
#define ZT_PROC_SNIPPET_MAX 200             /* bytes of a line zt_proc_snippet() keeps */

/* What to run and within which bounds. Everything the child touches is prepared before fork(),
 * because a forked child of a threaded process may only make async-signal-safe calls. All
 * pointers are borrowed for the duration of zt_proc_run(). */
struct zt_proc_spec {
    const char *path;         /* absolute program path, also named in messages */
    char *const *argv;        /* NULL-terminated, argv[0] included */
    char *const *envp;        /* NULL-terminated: the program's whole environment */
    const char *cwd;          /* NULL: the caller's */
    uint64_t deadline_usec;   /* monotonic: the program's group is stopped from here on */
    uint64_t timeout_ms;      /* the limit the deadline stands for, for messages */
    const char *timeout_note; /* NULL, or appended to that limit in the timeout message */
    size_t max_output;        /* stdout bytes accepted */
    /* NULL, or polled (from the calling thread) while the program runs: true stops it. */
    bool (*cancelled)(void *data);
    void *cancel_data; /* passed to cancelled() */
};

/* What a run produced. zt_proc_result_done() releases it. */
struct zt_proc_result {
    char *out; /* stdout, NUL-terminated (may also contain NULs: see out_len) */
    size_t out_len;
    char err[ZT_PROC_STDERR_MAX + 1]; /* the first bytes of stderr, NUL-terminated */
    size_t err_len;
    int status; /* wait status; -1 if the program never ran */
    bool timed_out, overflow, cancelled;
    bool leftovers; /* it exited but left processes holding its output open; they were killed */
};

/* Run spec->path with stdin on /dev/null in a process group of its own, and collect its stdout
 * (at most spec->max_output bytes), the head of its stderr and its exit status into res, which
 * the caller releases with zt_proc_result_done(), also on failure. Returns 0 if it exited 0
 * within its limits, else a negative errno with a message naming the program in err. */
int zt_proc_run(const struct zt_proc_spec *spec, struct zt_proc_result *res, char *err,
                size_t errlen);
/* Free what res owns and clear it; safe on a zeroed or already released result. Usable with
 * _cleanup_(zt_proc_result_done). */
void zt_proc_result_done(struct zt_proc_result *res);

/* Copy the first non-empty line of text a program printed (src, srclen bytes) into dst for a
 * message: control characters and invalid UTF-8 become '?', and a line longer than
 * ZT_PROC_SNIPPET_MAX bytes is cut with "...". dstlen must be at least 4. Returns dst. */
char *zt_proc_snippet(char *dst, size_t dstlen, const char *src, size_t srclen);
