/* scan_exec.c - a scan, or one half of it, in a new program image. The parent writes the job
 * into a memfd ({"kind", "parent", "log_level", "files": the config files as the parent loaded
 * them, "selected", "secrets": [{path, fd}]}) and fork+execs the running program with
 * --scan-job=KIND, fd 3 the document pipe, fd 4 the job, secrets from fd 5; the program's side
 * is scan_job.c. Why exec: the child
 * of a multithreaded daemon must not run code that may wait on a lock another thread held at
 * fork(); and execve() is where a process can give up a capability without capset(), which the
 * unit's system call filter refuses (privsep.h, zt_privsep_drop_at_exec()). */
#include "scan_exec.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "privsep.h"
#include "scan.h"
#include "secret.h"
#include "util.h"

#define OUT_FD ZT_SCAN_OUT_FD

extern char **environ;

static const char *const kind_names[_ZT_SCAN_KIND_MAX] = {
    [ZT_SCAN_HOST] = "host", [ZT_SCAN_NETWORK] = "network", [ZT_SCAN_SPLIT] = "split"};
static const char *const comm_names[_ZT_SCAN_KIND_MAX] = {[ZT_SCAN_HOST] = "ztmmd-host",
                                                          [ZT_SCAN_NETWORK] = "ztmmd-net",
                                                          [ZT_SCAN_SPLIT] = "ztmmd-worker"};

static const char *program = "/proc/self/exe";

int zt_scan_kind_from_string(const char *s)
{
    for (size_t k = 0; k < _ZT_SCAN_KIND_MAX; k++) {
        if (zt_streq(s, kind_names[k])) {
            return (int)k;
        }
    }
    return -EINVAL;
}

const char *zt_scan_kind_comm(enum zt_scan_kind kind)
{
    return comm_names[kind];
}

void zt_scan_set_program(const char *path)
{
    program = path;
}

/* The descriptors the child gets: fd 3 + i is src[i]. */
struct fds {
    int src[3 + ZT_SECRET_PREOPEN_MAX];
    size_t n;
};

/* Open the secret files the instances name (ZT_OPT_SECRET) while this process may still read
 * them, for the network half; each goes into the job as the child's fd number. */
static void open_secrets(const struct zt_config *cfg, const bool *selected, struct fds *f,
                         struct json_object *list)
{
    for (size_t i = 0; i < cfg->n_instances; i++) {
        const struct zt_instance *inst = cfg->instances[i];
        if (!zt_scan_selected(cfg, selected, i)) {
            continue;
        }
        for (const struct zt_option *o = inst->collector->options; o && o->key; o++) {
            const char *path = o->type == ZT_OPT_PATH && (o->flags & ZT_OPT_SECRET)
                                   ? *(char *const *)((const char *)inst->state + o->offset)
                                   : NULL;
            if (!path || !path[0] || f->n == ZT_ELEMENTSOF(f->src)) {
                continue;
            }
            int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
            if (fd < 0) {
                continue; /* collect()'s own read reports the error */
            }
            struct json_object *s = json_object_new_object();
            json_object_object_add(s, "path", json_object_new_string(path));
            json_object_object_add(s, "fd", json_object_new_int((int)(OUT_FD + f->n)));
            json_object_array_add(list, s);
            f->src[f->n++] = fd;
        }
    }
}

static struct json_object *job_document(const struct zt_config *cfg,
                                        const struct zt_scan_spawn *spec, struct fds *f)
{
    struct json_object *job = json_object_new_object(), *files = json_object_new_array();
    struct json_object *sel = json_object_new_array(), *secrets = json_object_new_array();

    json_object_object_add(job, "kind", json_object_new_string(kind_names[spec->kind]));
    json_object_object_add(job, "parent", json_object_new_int(getpid()));
    json_object_object_add(job, "log_level", json_object_new_int(zt_log_get_level()));
    for (size_t i = 0; i < cfg->n_files; i++) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "path", json_object_new_string(cfg->files[i].path));
        json_object_object_add(o, "text", json_object_new_string(cfg->files[i].text));
        json_object_array_add(files, o);
    }
    json_object_object_add(job, "files", files);
    for (size_t i = 0; i < cfg->n_instances; i++) {
        json_object_array_add(sel, json_object_new_boolean(!spec->selected || spec->selected[i]));
    }
    json_object_object_add(job, "selected", sel);
    if (spec->kind == ZT_SCAN_NETWORK) {
        open_secrets(cfg, spec->selected, f, secrets);
    }
    json_object_object_add(job, "secrets", secrets);
    return job;
}

static int job_memfd(struct json_object *job)
{
    size_t len = 0;
    const char *text = json_object_to_json_string_length(job, JSON_C_TO_STRING_PLAIN, &len);
    int fd = memfd_create("ztmmd-scan-job", MFD_CLOEXEC);

    if (fd < 0) {
        return -errno;
    }
    int r = zt_write_all(fd, text, len);
    if (r >= 0 && lseek(fd, 0, SEEK_SET) < 0) {
        r = -errno;
    }
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

/* A fixed message on the document pipe, then exit (async-signal-safe). */
_Noreturn static void child_fail(const char *json, int status)
{
    (void)!write(OUT_FD, json, strlen(json));
    _exit(status);
}

/* Move f->src[i] to fd 3 + i without clobbering one another: first copies above them all. */
static void child_fds(const struct fds *f)
{
    int tmp[ZT_ELEMENTSOF(f->src)];

    for (size_t i = 0; i < f->n; i++) {
        tmp[i] = fcntl(f->src[i], F_DUPFD_CLOEXEC, (int)(OUT_FD + f->n));
        if (tmp[i] < 0) {
            _exit(126);
        }
    }
    for (size_t i = 0; i < f->n; i++) {
        if (dup2(tmp[i], (int)(OUT_FD + i)) < 0) { /* the copy is not close-on-exec */
            _exit(126);
        }
    }
    close_range((unsigned)(OUT_FD + f->n), ~0u, 0);
}

_Noreturn static void child_main(const struct zt_scan_spawn *spec, const struct fds *f,
                                 pid_t parent, char *const argv[])
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigset_t none;

    for (int sig = 1; sig < NSIG; sig++) {
        (void)sigaction(sig, &dfl, NULL); /* ignored signals stay ignored across execve */
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    child_fds(f);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
        _exit(1); /* the parent died before the line above could take effect */
    }
#ifndef __SANITIZE_ADDRESS__ /* ASan reserves terabytes of shadow memory: no limit under it */
    if (spec->memory_max) {
        struct rlimit rl = {spec->memory_max, spec->memory_max};
        prlimit(0, RLIMIT_DATA, &rl, NULL); /* prlimit64: allowed where @resources is not */
    }
#endif
    if (spec->kind == ZT_SCAN_NETWORK) {
        char err[256], doc[400];
        if (zt_privsep_drop_at_exec(err, sizeof(err)) < 0) {
            for (char *p = err; *p; p++) {
                *p = *p == '"' || *p == '\\' ? '\'' : *p;
            }
            snprintf(doc, sizeof(doc), "{\"error\": \"%s\"}", err);
            child_fail(doc, 0);
        }
    }
    if (spec->delay_sec) {
        sleep(spec->delay_sec);
    }
    alarm(spec->alarm_sec);
    execve(program, argv, environ);
    child_fail("{\"error\": \"cannot execute the scan program\"}", 127);
}

int zt_scan_spawn(const struct zt_config *cfg, const struct zt_scan_spawn *spec, pid_t *ret_pid,
                  int *ret_fd, char *err, size_t errlen)
{
    struct fds f = {.src = {-1, -1}, .n = 2};
    _cleanup_json_ struct json_object *job = job_document(cfg, spec, &f);
    _cleanup_free_ char *arg = zt_xasprintf("%s%s", ZT_SCAN_JOB_ARG, kind_names[spec->kind]);
    char *const argv[] = {(char *)comm_names[spec->kind], arg, NULL};
    int p[2] = {-1, -1};
    pid_t parent = getpid(), pid = -1;

    f.src[1] = job_memfd(job);
    int r = f.src[1] < 0 ? f.src[1] : 0;
    if (r == 0 && pipe2(p, O_CLOEXEC) < 0) {
        r = -errno;
    }
    if (r == 0) {
        f.src[0] = p[1];
        pid = fork();
        if (pid == 0) {
            child_main(spec, &f, parent, argv);
        }
        r = pid < 0 ? -errno : 0;
    }
    for (size_t i = 1; i < f.n; i++) {
        if (f.src[i] >= 0) {
            close(f.src[i]); /* the job and the secrets: the child has its copies */
        }
    }
    zt_closep(&p[1]);
    if (r < 0) {
        zt_closep(&p[0]);
        snprintf(err, errlen, "cannot start the %s scan program: %s", kind_names[spec->kind],
                 strerror(-r));
        return r;
    }
    *ret_pid = pid;
    *ret_fd = p[0];
    return 0;
}
