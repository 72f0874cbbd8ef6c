/* host_proc.c - one bounded scan of <root>/proc per collect, shared by the probes that ask
 * "is X running" (EDR agents, auditd, log shippers, plaintext daemons). */
#include "host.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <syslog.h>

#define PROC_HEAD_MAX 4096

/* The first bytes of root/path (a process's cmdline can be huge; argv[0] is all we need), read
 * like every host file: inside root, regular files only, never blocking. */
static ssize_t read_head(struct zt_host *h, const char *path, char *buf, size_t len)
{
    _cleanup_free_ char *text = NULL;
    size_t n = 0;
    int r = zt_rootfs_read(h->root_fd, path, len, ZT_ROOTFS_HEAD, &text, &n);
    if (r < 0) {
        return r;
    }
    memcpy(buf, text, n);
    return (ssize_t)n;
}

static const char *base_name(const char *s)
{
    const char *slash = strrchr(s, '/');
    return slash ? slash + 1 : s;
}

/* Basename of the first word of s (up to n bytes), newly allocated, or NULL if empty. */
static char *first_base(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    _cleanup_free_ char *word = zt_xstrndup(s, len);
    word[strcspn(word, " \t\n")] = '\0';
    const char *b = base_name(word);
    return *b ? zt_xstrdup(b) : NULL;
}

void zt_host_procs_add(struct zt_host_procs *p, int pid, const char *comm, const char *exe,
                       const char *cmdline, size_t cmdline_len)
{
    struct zt_host_proc *e;

    p->v = zt_xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
    e = &p->v[p->n++];
    *e = (struct zt_host_proc){.pid = pid};
    snprintf(e->comm, sizeof(e->comm), "%.*s", (int)strcspn(comm, "\n"), comm);
    if (exe && *exe) {
        _cleanup_free_ char *x = zt_xstrdup(exe);
        char *deleted = strstr(x, " (deleted)");
        if (deleted) {
            *deleted = '\0';
        }
        e->exe = first_base(x, strlen(x));
    }
    if (cmdline && cmdline_len > 0) {
        e->argv0 = first_base(cmdline, cmdline_len);
    }
}

void zt_host_procs_clear(struct zt_host_procs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].exe);
        free(p->v[i].argv0);
    }
    free(p->v);
    *p = (struct zt_host_procs){0};
}

static bool all_digits(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s)) {
            return false;
        }
    }
    return true;
}

/* Read one /proc/PID; a process that vanished (or whose comm cannot be read) is skipped. */
static void scan_one(struct zt_host *h, const char *pid)
{
    char comm[64], cmdline[PROC_HEAD_MAX], exe[PATH_MAX];
    _cleanup_free_ char *pcomm = zt_xasprintf("/proc/%s/comm", pid);
    _cleanup_free_ char *pcmd = zt_xasprintf("/proc/%s/cmdline", pid);
    _cleanup_free_ char *pexe = zt_xasprintf("/proc/%s/exe", pid);

    ssize_t n = read_head(h, pcomm, comm, sizeof(comm) - 1);
    if (n < 0) {
        return;
    }
    comm[n] = '\0';
    ssize_t c = read_head(h, pcmd, cmdline, sizeof(cmdline) - 1);
    c = c < 0 ? 0 : c;
    cmdline[c] = '\0';
    if (zt_host_readlink(h, pexe, exe, sizeof(exe)) < 0) {
        exe[0] = '\0';
    }
    zt_host_procs_add(&h->procs, atoi(pid), comm, exe, cmdline, (size_t)c);
}

static void closedirp(DIR **d)
{
    if (*d) {
        closedir(*d);
    }
}

int zt_host_procs_scan(struct zt_host *h)
{
    _cleanup_(closedirp) DIR *d = NULL;
    struct dirent *de;
    int r = zt_rootfs_opendir(h->root_fd, "/proc", &d);

    if (r < 0) {
        /* Unlike a configuration file, a missing /proc is no fact about processes. */
        return zt_ctx_error(h->ctx, r, "cannot list /proc: %s", strerror(-r));
    }
    while ((de = readdir(d))) {
        if (!all_digits(de->d_name)) {
            continue;
        }
        if (h->procs.n >= ZT_HOST_PROC_MAX) {
            zt_ctx_log(h->ctx, LOG_WARNING, "more than %u processes, the rest ignored",
                       ZT_HOST_PROC_MAX);
            break;
        }
        scan_one(h, de->d_name);
    }
    h->procs_known = true;
    return 0;
}

int zt_host_procs_find(const struct zt_host_procs *p, const char *name)
{
    char comm[16];

    snprintf(comm, sizeof(comm), "%s", name);
    for (size_t i = 0; i < p->n; i++) {
        const struct zt_host_proc *e = &p->v[i];
        if (zt_streq(e->comm, comm) || zt_streq(e->exe, name) || zt_streq(e->argv0, name)) {
            return e->pid;
        }
    }
    return 0;
}
