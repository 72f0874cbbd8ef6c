/* scan_job.c - the program's side of scan_exec.c: read the job (fd 4), load the config files it
 * carries, take over its secret descriptors, give up what the kind must not hold, scan, and send
 * the scan's document (fd 3). A job that cannot run sends {"error": why}. */
#include <json-c/json.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "privsep.h"
#include "scan.h"
#include "scan_exec.h"
#include "secret.h"
#include "util.h"

#define JOB_MAX   (16u * 1024u * 1024u) /* 1 MiB per config file, a few dozen files */
#define JOB_DEPTH 8

/* Send {"error": "what: why"} (what NULL: why alone) and exit. */
_Noreturn static void job_fail(const char *what, const char *why)
{
    _cleanup_json_ struct json_object *doc = json_object_new_object();
    _cleanup_free_ char *msg = what ? zt_xasprintf("%s: %s", what, why) : zt_xstrdup(why);

    json_object_object_add(doc, "error", json_object_new_string(msg));
    const char *text = json_object_to_json_string(doc);
    (void)zt_write_all(ZT_SCAN_OUT_FD, text, strlen(text));
    _exit(0);
}

/* The job's config, selection and secrets; fails the job (exits) on anything malformed. */
static struct zt_config *job_load(struct json_object *job, const struct zt_collector *const *reg,
                                  bool **ret_selected)
{
    struct json_object *files = zt_json_array(job, "files"), *sel = zt_json_array(job, "selected");
    struct json_object *secrets = zt_json_array(job, "secrets"), *v;
    size_t n = files ? json_object_array_length(files) : 0;
    _cleanup_free_ struct zt_config_file *f = zt_xcalloc(n ? n : 1, sizeof(*f));
    struct zt_config *cfg = NULL;
    char err[ZT_CONFIG_ERR_MAX];

    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_array_get_idx(files, i);
        f[i] = (struct zt_config_file){.path = (char *)zt_json_str(o, "path"),
                                       .text = (char *)zt_json_str(o, "text")};
        if (!f[i].path || !f[i].text) {
            job_fail("the scan job is malformed", "a config file without path or text");
        }
    }
    if (zt_config_load_files(f, n, reg, &cfg, err, sizeof(err)) < 0) {
        job_fail("the scan job's configuration does not load", err);
    }
    if (!sel || json_object_array_length(sel) != cfg->n_instances) {
        job_fail("the scan job is malformed", "the selection does not match the config");
    }
    *ret_selected = zt_xcalloc(cfg->n_instances ? cfg->n_instances : 1, sizeof(bool));
    for (size_t i = 0; i < cfg->n_instances; i++) {
        (*ret_selected)[i] = json_object_get_boolean(json_object_array_get_idx(sel, i));
    }
    for (size_t i = 0; secrets && i < json_object_array_length(secrets); i++) {
        struct json_object *o = json_object_array_get_idx(secrets, i);
        const char *path = zt_json_str(o, "path");
        if (path && json_object_object_get_ex(o, "fd", &v)) {
            (void)zt_secret_adopt(path, json_object_get_int(v));
        }
    }
    return cfg;
}

/* What the kind must not hold, given up before any collector runs. */
static void job_drop(enum zt_scan_kind kind)
{
    char err[512];
    int r = 0;

    if (kind == ZT_SCAN_HOST) {
        unsetenv("CREDENTIALS_DIRECTORY"); /* the host half loads no secret */
        r = zt_privsep_keep_caps(1ull << CAP_DAC_READ_SEARCH, err, sizeof(err));
        r = r < 0 ? r : zt_privsep_deny_sockets(err, sizeof(err));
    } else if (kind == ZT_SCAN_NETWORK && zt_privsep_caps_held()) {
        /* Only outside a unit: root's inheritable set survives execve. capset is allowed there. */
        r = zt_privsep_drop_caps(err, sizeof(err));
    }
    if (r < 0) {
        job_fail(NULL, err);
    }
}

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};

_Noreturn static void job_run(enum zt_scan_kind kind, const struct zt_collector *const *reg)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_json_ struct json_object *job = NULL;
    struct json_object *v;
    struct zt_scan *scan = NULL; /* never freed: abandoned collector threads may still use it */
    bool *selected = NULL;
    size_t len = 0;
    char err[256];

    /* A crash is reported by the signal that caused it: handlers a runtime installed at startup
     * (a sanitizer's, say) would turn it into another one. */
    for (size_t i = 0; i < ZT_ELEMENTSOF(crash_signals); i++) {
        signal(crash_signals[i], SIG_DFL);
    }
    zt_log_set_target(ZT_LOG_STDERR); /* no journal socket: the host half may open none */
    prctl(PR_SET_NAME, zt_scan_kind_comm(kind));
    int r = zt_read_fd(ZT_SCAN_JOB_FD, JOB_MAX, false, &text, &len);
    close(ZT_SCAN_JOB_FD);
    if (r < 0 || zt_json_parse(text, len, JOB_DEPTH, &job, err, sizeof(err)) < 0) {
        job_fail("the scan job cannot be read", r < 0 ? strerror(-r) : err);
    }
    if (!json_object_object_get_ex(job, "parent", &v) || json_object_get_int(v) != getppid()) {
        _exit(1); /* the parent is gone (the death signal may have come before execve) */
    }
    if (json_object_object_get_ex(job, "log_level", &v)) {
        zt_log_set_level(json_object_get_int(v));
    }
    const struct zt_config *cfg = job_load(job, reg, &selected);
    job_drop(kind);
    r = kind == ZT_SCAN_SPLIT ? zt_scan_run_split(cfg, selected, &scan)
                              : zt_scan_run_subset(cfg, selected, &scan);
    if (r < 0) {
        _exit(2);
    }
    alarm(0); /* the scan is done; writing may wait for the parent to read another document */
    _cleanup_json_ struct json_object *doc = zt_scan_to_json(scan);
    const char *out = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE);
    int w = zt_write_all(ZT_SCAN_OUT_FD, out, strlen(out));
    close(ZT_SCAN_OUT_FD); /* EOF now, even if an abandoned thread keeps the process from finishing
                              exit */
    _exit(w < 0 ? 3 : 0);
}

void zt_scan_exec_main(int argc, char **argv, const struct zt_collector *const *registry)
{
    if (argc < 2 || strncmp(argv[1], ZT_SCAN_JOB_ARG, strlen(ZT_SCAN_JOB_ARG)) != 0) {
        return;
    }
    const char *kind = argv[1] + strlen(ZT_SCAN_JOB_ARG);
    int k = zt_scan_kind_from_string(kind);
    if (k >= 0) {
        job_run((enum zt_scan_kind)k, registry);
    }
    fprintf(stderr, "%s: unknown scan job kind '%s'\n", argv[0], kind);
    _exit(2);
}
