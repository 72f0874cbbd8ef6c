/* proc.c - the bounded process runner: fork+execve with a clean environment, output read with
 * poll() and a pidfd, time and size limits enforced on the whole process group. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "proc.h"
#include "utf8.h"
#include "util.h"

#define PROC_SLICE_MS 100 /* poll slice for cancellation / no pidfd */

/* ---- text for messages -------------------------------------------------------------------- */

/* Thread-safe and locale-independent ("Permission denied"). */
static const char *errno_str(int e)
{
    const char *s = strerrordesc_np(e);
    return s ? s : "Unknown error";
}

char *zt_proc_snippet(char *dst, size_t dstlen, const char *src, size_t srclen)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0, o = 0, max = dstlen - 4 < ZT_PROC_SNIPPET_MAX ? dstlen - 4 : ZT_PROC_SNIPPET_MAX;

    while (i < srclen && (s[i] == '\n' || s[i] == '\r' || s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    while (i < srclen && s[i] != '\n' && s[i] != '\r') {
        size_t len = zt_utf8_seq((const char *)s + i, srclen - i);
        if (o + (len ? len : 1) > max) {
            memcpy(dst + o, "...", 3);
            o += 3;
            break;
        }
        if (len == 0 || (len == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
            dst[o++] = '?';
            i += len ? len : 1;
            continue;
        }
        memcpy(dst + o, s + i, len);
        o += len;
        i += len;
    }
    while (o > 0 && (dst[o - 1] == ' ' || dst[o - 1] == '\t')) {
        o--;
    }
    dst[o] = '\0';
    return dst;
}

static char *format_ms(char *buf, size_t len, uint64_t ms)
{
    if (ms % 1000 == 0) {
        snprintf(buf, len, "%llus", (unsigned long long)(ms / ZT_MS_PER_SEC));
    } else if (ms < 1000) {
        snprintf(buf, len, "%llums", (unsigned long long)ms);
    } else {
        snprintf(buf, len, "%.1fs", (double)ms / (double)ZT_MS_PER_SEC);
    }
    return buf;
}

/* ---- running the program ------------------------------------------------------------------ */

enum child_stage { CHILD_SETUP, CHILD_CHDIR, CHILD_EXEC };

/* Descriptors made before fork(). All are CLOEXEC and >= 3, so dup2() onto 0-2 never clobbers
 * one of them even when the caller runs with stdio closed. */
struct proc_fds {
    int null_fd, out[2], err[2], report[2];
    int max_fd; /* for the close loop when close_range() is unavailable */
};
static void proc_fds_close(struct proc_fds *f)
{
    int *all[] = {&f->null_fd, &f->out[0],    &f->out[1],   &f->err[0],
                  &f->err[1],  &f->report[0], &f->report[1]};
    for (size_t i = 0; i < ZT_ELEMENTSOF(all); i++) {
        zt_closep(all[i]);
        *all[i] = -1;
    }
}

static int fd_above_stdio(int *fd)
{
    if (*fd > STDERR_FILENO) {
        return 0;
    }
    int nfd = fcntl(*fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (nfd < 0) {
        return -errno;
    }
    close(*fd);
    *fd = nfd;
    return 0;
}

static int proc_fds_open(struct proc_fds *f)
{
    int *pipes[] = {f->out, f->err, f->report};
    long max = sysconf(_SC_OPEN_MAX);
    int r;

    f->max_fd = max > 0 && max < 65536 ? (int)max : 65536;
    f->null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (f->null_fd < 0) {
        return -errno;
    }
    if ((r = fd_above_stdio(&f->null_fd)) < 0) {
        return r;
    }
    for (size_t i = 0; i < ZT_ELEMENTSOF(pipes); i++) {
        if (pipe2(pipes[i], O_CLOEXEC) < 0) {
            return -errno;
        }
        if ((r = fd_above_stdio(&pipes[i][0])) < 0 || (r = fd_above_stdio(&pipes[i][1])) < 0) {
            return r;
        }
    }
    return 0;
}

_Noreturn static void child_fail(int fd, enum child_stage stage)
{
    int msg[2] = {(int)stage, errno};
    ssize_t n = write(fd, msg, sizeof(msg));
    (void)n;
    _exit(127);
}

static void child_close_fds(const struct proc_fds *f)
{
    int keep = f->report[1];

    if ((keep == STDERR_FILENO + 1 || close_range(STDERR_FILENO + 1, keep - 1, 0) == 0) &&
        close_range(keep + 1, ~0U, 0) == 0) {
        return;
    }
    for (int fd = STDERR_FILENO + 1; fd < f->max_fd; fd++) {
        if (fd != keep) {
            close(fd);
        }
    }
}

/* In the child: only async-signal-safe calls from here to execve(). */
_Noreturn static void child_run(const struct zt_proc_spec *spec, const struct proc_fds *f,
                                pid_t parent)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigset_t none;

    for (int sig = 1; sig < NSIG; sig++) {
        (void)sigaction(sig, &dfl, NULL); /* the caller's ignored signals stay ignored otherwise */
    }
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    (void)setpgid(0, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent) {
        child_fail(f->report[1], CHILD_SETUP);
    }
    if (dup2(f->null_fd, STDIN_FILENO) < 0 || dup2(f->out[1], STDOUT_FILENO) < 0 ||
        dup2(f->err[1], STDERR_FILENO) < 0) {
        child_fail(f->report[1], CHILD_SETUP);
    }
    child_close_fds(f);
    if (spec->cwd && chdir(spec->cwd) < 0) {
        child_fail(f->report[1], CHILD_CHDIR);
    }
    execve(spec->path, spec->argv, spec->envp);
    child_fail(f->report[1], CHILD_EXEC);
}

/* The running program, seen from the caller. */
struct proc_handle {
    pid_t pid; /* also its process group id */
    int pidfd; /* -1 if pidfd_open() is unavailable: then poll in slices */
    int out_fd, err_fd;
    size_t out_cap;
    bool exited;          /* seen with WNOWAIT: the zombie keeps the group id from being reused */
    uint64_t stop_usec;   /* SIGTERM sent; SIGKILL at this time */
    uint64_t linger_usec; /* it exited; stop waiting for EOF at this time */
};

static int child_report(const struct zt_proc_spec *spec, enum child_stage stage, int e, char *err,
                        size_t errlen)
{
    if (stage == CHILD_EXEC) {
        snprintf(err, errlen, "cannot execute %s: %s", spec->path, errno_str(e));
    } else if (stage == CHILD_CHDIR) {
        snprintf(err, errlen, "cannot change to working directory %s to run %s: %s", spec->cwd,
                 spec->path, errno_str(e));
    } else {
        snprintf(err, errlen, "cannot set up the process for %s: %s", spec->path, errno_str(e));
    }
    return e > 0 ? -e : -EIO;
}

/* Start the program. Returns 0, or a negative errno with a message in err (the child, if any, is
 * reaped). On success p holds the pid and the read ends of its output. */
static int spawn(const struct zt_proc_spec *spec, struct proc_handle *p, char *err, size_t errlen)
{
    _cleanup_(proc_fds_close) struct proc_fds f = {
        .null_fd = -1, .out = {-1, -1}, .err = {-1, -1}, .report = {-1, -1}};
    int r = proc_fds_open(&f), msg[2];
    pid_t parent = getpid(), pid;
    ssize_t n;

    if (r < 0) {
        snprintf(err, errlen, "cannot run %s: %s", spec->path, errno_str(-r));
        return r;
    }
    pid = fork();
    if (pid < 0) {
        r = -errno;
        snprintf(err, errlen, "cannot run %s: fork: %s", spec->path, errno_str(-r));
        return r;
    }
    if (pid == 0) {
        child_run(spec, &f, parent);
    }
    (void)setpgid(pid, pid); /* both sides: the group exists before any kill below */
    zt_closep(&f.out[1]);
    zt_closep(&f.err[1]);
    zt_closep(&f.report[1]);
    f.out[1] = f.err[1] = f.report[1] = -1;
    do {
        n = read(f.report[0], msg, sizeof(msg)); /* EOF: execve() succeeded and closed it */
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof(msg)) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        return child_report(spec, (enum child_stage)msg[0], msg[1], err, errlen);
    }
    p->pid = pid;
    p->pidfd = pidfd_open(pid, 0);
    p->out_fd = TAKE_FD(f.out[0]);
    p->err_fd = TAKE_FD(f.err[0]);
    (void)fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
    (void)fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
    return 0;
}

static void proc_stop(struct proc_handle *p, uint64_t now)
{
    if (!p->stop_usec) {
        (void)kill(-p->pid, SIGTERM);
        p->stop_usec = now + ZT_PROC_GRACE_USEC;
    }
}

static bool child_exited(pid_t pid)
{
    siginfo_t si = {0};
    return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0;
}

/* Read what is there; returns false at EOF or on error. */
static bool read_some(int fd, char *buf, size_t len, size_t *got)
{
    ssize_t n = read(fd, buf, len);
    *got = n > 0 ? (size_t)n : 0;
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR));
}

static void read_stdout(const struct zt_proc_spec *spec, struct proc_handle *p,
                        struct zt_proc_result *res, uint64_t now)
{
    size_t got;

    if (res->out_len == p->out_cap) {
        size_t cap = p->out_cap ? p->out_cap * 2 : 16384;
        p->out_cap = cap < spec->max_output + 1 ? cap : spec->max_output + 1;
        res->out = zt_xrealloc(res->out, p->out_cap + 1);
    }
    bool open = read_some(p->out_fd, res->out + res->out_len, p->out_cap - res->out_len, &got);
    res->out_len += got;
    res->out[res->out_len] = '\0';
    if (res->out_len > spec->max_output) {
        res->overflow = true;
        proc_stop(p, now);
        open = false; /* stop reading: the writer gets EPIPE */
    }
    if (!open) {
        zt_closep(&p->out_fd);
        p->out_fd = -1;
    }
}

static void read_stderr(struct proc_handle *p, struct zt_proc_result *res)
{
    char drain[4096];
    size_t got;
    bool open;

    if (res->err_len < ZT_PROC_STDERR_MAX) {
        open =
            read_some(p->err_fd, res->err + res->err_len, ZT_PROC_STDERR_MAX - res->err_len, &got);
        res->err_len += got;
        res->err[res->err_len] = '\0';
    } else {
        open = read_some(p->err_fd, drain, sizeof(drain), &got);
    }
    if (!open) {
        zt_closep(&p->err_fd);
        p->err_fd = -1;
    }
}

static void proc_poll(const struct zt_proc_spec *spec, struct proc_handle *p,
                      struct zt_proc_result *res, uint64_t now, uint64_t until)
{
    struct pollfd fds[3];
    nfds_t n = 0;
    uint64_t wait_ms = until > now ? zt_usec_to_ms_ceil(until - now) : 0;

    if ((p->pidfd < 0 || spec->cancelled) && wait_ms > PROC_SLICE_MS) {
        wait_ms = PROC_SLICE_MS;
    }
    if (p->out_fd >= 0) {
        fds[n++] = (struct pollfd){.fd = p->out_fd, .events = POLLIN};
    }
    if (p->err_fd >= 0) {
        fds[n++] = (struct pollfd){.fd = p->err_fd, .events = POLLIN};
    }
    if (p->pidfd >= 0 && !p->exited) {
        fds[n++] = (struct pollfd){.fd = p->pidfd, .events = POLLIN};
    }
    if (poll(fds, n, (int)(wait_ms < INT_MAX ? wait_ms : INT_MAX)) <= 0) {
        return; /* timeout or EINTR: the loop re-evaluates */
    }
    for (nfds_t i = 0; i < n; i++) {
        if (fds[i].revents && fds[i].fd == p->out_fd) {
            read_stdout(spec, p, res, now);
        } else if (fds[i].revents && fds[i].fd == p->err_fd) {
            read_stderr(p, res);
        }
    }
}

/* Read output until the program has exited and closed it, or a limit ends the run. */
static void proc_wait(const struct zt_proc_spec *spec, struct proc_handle *p,
                      struct zt_proc_result *res)
{
    for (;;) {
        uint64_t now = zt_now_mono_usec(), until = spec->deadline_usec;

        if (!p->exited) {
            p->exited = child_exited(p->pid);
        }
        if (p->exited && p->out_fd < 0 && p->err_fd < 0) {
            return;
        }
        if (p->stop_usec) {
            if (now >= p->stop_usec) {
                return;
            }
            until = p->stop_usec;
        } else if (p->exited) {
            /* A background process it started still holds the output: give it a moment. */
            p->linger_usec = p->linger_usec ? p->linger_usec : now + ZT_PROC_GRACE_USEC;
            if (now >= p->linger_usec) {
                res->leftovers = true;
                return;
            }
            until = p->linger_usec;
        } else if (now >= spec->deadline_usec) {
            res->timed_out = true;
            proc_stop(p, now);
            continue;
        } else if (spec->cancelled && spec->cancelled(spec->cancel_data)) {
            res->cancelled = true;
            proc_stop(p, now);
            continue;
        }
        proc_poll(spec, p, res, now, until);
    }
}

/* Kill whatever is left of the process group, then reap the program. */
static void proc_finish(struct proc_handle *p, struct zt_proc_result *res)
{
    (void)kill(-p->pid, SIGKILL);
    while (waitpid(p->pid, &res->status, 0) < 0 && errno == EINTR) {
    }
    zt_closep(&p->pidfd);
    zt_closep(&p->out_fd);
    zt_closep(&p->err_fd);
}

/* Judge a finished run: 0 if the program exited 0 within its limits, else a negative errno with
 * a message naming the program in err. */
static int proc_outcome(const struct zt_proc_spec *spec, const struct zt_proc_result *res,
                        char *err, size_t errlen)
{
    char line[ZT_PROC_SNIPPET_MAX + 4], dur[32];
    const char *sep = *zt_proc_snippet(line, sizeof(line), res->err, res->err_len) ? ": " : "";

    if (res->cancelled) {
        snprintf(err, errlen, "%s: run cancelled; killed", spec->path);
        return -ECANCELED;
    }
    if (res->timed_out) {
        snprintf(err, errlen, "%s did not finish within %s%s; killed", spec->path,
                 format_ms(dur, sizeof(dur), spec->timeout_ms),
                 spec->timeout_note ? spec->timeout_note : "");
        return -ETIMEDOUT;
    }
    if (res->overflow) {
        snprintf(err, errlen, "%s: output exceeds max_output (%zu bytes)", spec->path,
                 spec->max_output);
        return -EFBIG;
    }
    if (WIFEXITED(res->status) && WEXITSTATUS(res->status) != 0) {
        snprintf(err, errlen, "%s exited with status %d%s%s", spec->path, WEXITSTATUS(res->status),
                 sep, line);
        return -EIO;
    }
    if (WIFSIGNALED(res->status)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(res->status));
        snprintf(err, errlen, "%s was killed by signal %d (SIG%s)%s%s", spec->path,
                 WTERMSIG(res->status), abbrev ? abbrev : "?", sep, line);
        return -EIO;
    }
    return 0;
}

int zt_proc_run(const struct zt_proc_spec *spec, struct zt_proc_result *res, char *err,
                size_t errlen)
{
    struct proc_handle p = {.pid = -1, .pidfd = -1, .out_fd = -1, .err_fd = -1};
    int r;

    *res = (struct zt_proc_result){.status = -1, .out = zt_xstrdup("")};
    r = spawn(spec, &p, err, errlen);
    if (r < 0) {
        return r;
    }
    proc_wait(spec, &p, res);
    proc_finish(&p, res);
    return proc_outcome(spec, res, err, errlen);
}

void zt_proc_result_done(struct zt_proc_result *res)
{
    free(res->out);
    res->out = NULL;
}
