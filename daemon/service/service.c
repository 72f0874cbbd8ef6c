/* service.c - the service's life cycle on sd-event: start, notify, signals, reload, stop. */
#include "service.h"

#include <grp.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sd_load.h"
#include "log.h"
#include "messages.h"
#include "result.h"
#include "service_internal.h"
#include "util.h"

#define ERR_MAX 1024

int zt_service_load(const struct zt_service_args *args, struct zt_config **ret_cfg,
                    struct zt_catalog **ret_cat, struct zt_attestation **ret_attest,
                    size_t *n_attest, char *err, size_t errlen)
{
    _cleanup_(zt_config_freep) struct zt_config *cfg = NULL;
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = NULL;
    struct zt_attestation *attest = NULL;

    int r = zt_config_load(args->config, args->registry, &cfg, err, errlen);
    if (r >= 0) {
        r = zt_export_check_config(cfg, err, errlen); /* [sink:NAME]: config.c keeps them raw */
    }
    if (r < 0) {
        return r;
    }
    if (zt_log_level_from_string(cfg->daemon.log_level) < 0) {
        snprintf(err, errlen, "%s: [daemon] log_level must be err, warning, notice, info or debug",
                 cfg->path);
        return -EINVAL;
    }
    r = zt_catalog_load(args->rules ? args->rules : cfg->daemon.rules, &cat, err, errlen);
    if (r < 0) {
        return r;
    }
    r = zt_result_attestations(cfg, cat, &attest, err, errlen);
    if (r < 0) {
        return r;
    }
    *n_attest = (size_t)r;
    *ret_attest = attest;
    *ret_cfg = TAKE_PTR(cfg);
    *ret_cat = TAKE_PTR(cat);
    return 0;
}

static void apply_log_level(const struct zt_service *s)
{
    const char *l = s->args->log_level ? s->args->log_level : s->cfg->daemon.log_level;
    int level = zt_log_level_from_string(l);
    zt_log_set_level(level >= 0 ? level : LOG_NOTICE);
}

/* The human STATUS= line: what the last scan found and when the next one is. */
static int on_reload(sd_event_source *es, const struct signalfd_siginfo *si, void *userdata)
{
    struct zt_service *s = userdata;
    struct zt_config *cfg = NULL;
    struct zt_catalog *cat = NULL;
    struct zt_attestation *attest = NULL;
    size_t n_attest = 0;
    char err[ERR_MAX];

    sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long)zt_now_mono_usec());
    if (zt_service_load(s->args, &cfg, &cat, &attest, &n_attest, err, sizeof(err)) < 0) {
        zt_log_event(LOG_ERR, ZT_MSG_RELOAD, (const char *const[]){"RELOAD_RESULT=refused", NULL},
                     "reload refused, keeping the running configuration: %s", err);
        zt_service_set_error(s, "reload refused: %s", err);
        sd_notify(false, "READY=1");
        zt_service_update_status(s);
        return 0;
    }
    if (!zt_streq(cfg->daemon.state_dir, s->cfg->daemon.state_dir) ||
        !zt_streq(cfg->daemon.runtime_dir, s->cfg->daemon.runtime_dir)) {
        log_warning("reload: state_dir and runtime_dir changes take effect at the next restart");
    }
    /* Sinks are rebuilt from the new configuration; the old ones stop first (their batches in
     * flight stay in the outbox) because the outbox has one owner. A new export that cannot
     * start is refused like a bad file, and the old one is started again. */
    zt_export_free(s->export);
    s->export = NULL;
    if (zt_export_new(cfg, &s->export, err, sizeof(err)) < 0) {
        char err2[ERR_MAX];
        zt_log_event(LOG_ERR, ZT_MSG_RELOAD, (const char *const[]){"RELOAD_RESULT=refused", NULL},
                     "reload refused, keeping the running configuration: export: %s", err);
        zt_service_set_error(s, "reload refused: export: %s", err);
        if (zt_export_new(s->cfg, &s->export, err2, sizeof(err2)) < 0) {
            zt_service_set_error(s, "export stopped: %s", err2);
            log_error("%s", s->last_error);
        }
        zt_config_free(cfg);
        zt_catalog_free(cat);
        free(attest);
        sd_notify(false, "READY=1");
        zt_service_update_status(s);
        return 0;
    }
    struct zt_config *old_cfg = s->cfg;
    struct zt_sched_entry *old_sched = s->sched;
    zt_catalog_free(s->cat);
    free(s->attest);
    s->cfg = cfg, s->cat = cat, s->attest = attest, s->n_attest = n_attest;
    apply_log_level(s);
    zt_service_sched_init(s, old_sched, old_cfg);
    free(old_sched);
    zt_config_free(old_cfg); /* a running worker has its own copy: its job's config files */
    zt_log_event(LOG_NOTICE, ZT_MSG_RELOAD, (const char *const[]){"RELOAD_RESULT=done", NULL},
                 "reloaded %s: %zu collector instance(s), %zu rules", cfg->path, cfg->n_instances,
                 cat->n_rules);
    zt_service_arm_timer(s);
    sd_notify(false, "READY=1");
    zt_service_update_status(s);
    return 0;
}

static int on_stop(sd_event_source *es, const struct signalfd_siginfo *si, void *userdata)
{
    struct zt_service *s = userdata;

    log_notice("received %s, stopping", si->ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
    sd_notify(false, "STOPPING=1\nSTATUS=stopping");
    return sd_event_exit(s->event, 0);
}

/* A service that cannot keep its results is not started: systemd shows the failure, instead of
 * an active unit that loses every scan. */
static int load_state(struct zt_service *s)
{
    const struct zt_daemon_conf *d = &s->cfg->daemon;
    char err[ERR_MAX];
    int r = zt_state_open(d->state_dir, d->history_max, &s->state);

    if (r < 0) {
        return zt_log_errno(LOG_ERR, r,
                            "cannot use the state directory %s (from %s; results, history and the "
                            "export outbox live there)",
                            d->state_dir, d->state_dir_origin ? d->state_dir_origin : "default");
    }
    log_info("state directory %s (from %s)", d->state_dir,
             d->state_dir_origin ? d->state_dir_origin : "default");
    r = zt_state_load_latest(s->state, &s->latest, err, sizeof(err));
    if (r == -EBADMSG) {
        zt_log_event(LOG_WARNING, ZT_MSG_STATE_CORRUPT, NULL, "%s", err);
        zt_service_set_error(s, "%s", err);
    } else if (r < 0) {
        zt_service_set_error(s, "%s", err);
        log_error("%s", err);
    } else if (r > 0) {
        log_info("loaded the latest result from %s/%s", s->cfg->daemon.state_dir, ZT_STATE_LATEST);
        if (zt_model_from_result(s->latest, &s->latest_model, err, sizeof(err)) < 0) {
            log_warning("the latest result cannot be compared (%s): no drift after the next scan",
                        err);
        }
    }
    return 0;
}

static int setup_loop(struct zt_service *s)
{
    sigset_t ss;

    sigemptyset(&ss);
    sigaddset(&ss, SIGTERM), sigaddset(&ss, SIGINT), sigaddset(&ss, SIGHUP);
    sigaddset(&ss, SIGCHLD);
    sigprocmask(SIG_BLOCK, &ss, NULL); /* sd-event takes them over through signalfd */
    signal(SIGPIPE, SIG_IGN);
    int r = sd_event_new(&s->event);
    if (r >= 0) {
        r = sd_event_add_signal(s->event, NULL, SIGTERM, on_stop, s);
    }
    if (r >= 0) {
        r = sd_event_add_signal(s->event, NULL, SIGINT, on_stop, s);
    }
    if (r >= 0) {
        r = sd_event_add_signal(s->event, NULL, SIGHUP, on_reload, s);
    }
    if (r >= 0) {
        r = sd_event_set_watchdog(s->event, true); /* pings at half of WATCHDOG_USEC, if set */
    }
    return r < 0 ? zt_log_errno(LOG_ERR, r, "cannot set up the event loop") : 0;
}

static int setup_control(struct zt_service *s)
{
    const char *dir = s->cfg->daemon.runtime_dir;
    _cleanup_free_ char *path = zt_xasprintf("%s/%s", dir, ZT_CONTROL_SOCKET);

    if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
        return zt_log_errno(LOG_ERR, -errno, "cannot create %s", dir);
    }
    int r = zt_control_listen(s->event, path, getegid(), zt_service_handle, s, &s->control);
    if (r < 0) {
        return zt_log_errno(LOG_ERR, r, "cannot listen on %s", path);
    }
    log_info("control socket %s", path);
    return 0;
}

static int setup_export(struct zt_service *s)
{
    char err[ERR_MAX];
    int r = zt_export_new(s->cfg, &s->export, err, sizeof(err));

    if (r < 0) {
        log_error("export: %s", err);
        return r;
    }
    if (s->export) {
        log_info("export: %zu sink(s), outbox in %s/outbox", s->cfg->n_sinks,
                 s->cfg->daemon.state_dir);
    }
    return 0;
}

static void service_done(struct zt_service *s)
{
    zt_worker_free(s->worker); /* kills a scan still running */
    zt_export_free(s->export); /* stops delivery; what was not acknowledged stays queued */
    zt_control_free(s->control);
    sd_event_source_disable_unref(s->timer);
    sd_event_unref(s->event);
    json_object_put(s->latest);
    zt_model_free(s->latest_model);
    zt_history_clear(&s->history);
    zt_state_free(s->state);
    zt_strv_clear(&s->running);
    free(s->sched);
    free(s->last_error);
    free(s->attest);
    zt_catalog_free(s->cat);
    zt_config_free(s->cfg);
}

int zt_service_run(const struct zt_service_args *args, struct zt_config *cfg,
                   struct zt_catalog *cat, struct zt_attestation *attest, size_t n_attest)
{
    struct zt_service s = {.args = args,
                           .cfg = cfg,
                           .cat = cat,
                           .attest = attest,
                           .n_attest = n_attest,
                           .next_scan_usec = UINT64_MAX,
                           .started_usec = zt_now_mono_usec()};
    int r;

    if (zt_log_stderr_is_journal()) {
        zt_log_set_target(ZT_LOG_JOURNAL);
    }
    apply_log_level(&s);
    r = setup_loop(&s);
    if (r >= 0) {
        r = load_state(&s);
    }
    if (r >= 0) {
        r = setup_export(&s);
    }
    if (r >= 0) {
        r = setup_control(&s);
    }
    if (r >= 0) {
        zt_service_sched_init(&s, NULL, NULL);
        zt_service_arm_timer(&s);
        log_notice("ztmmd %s started: %zu collector instance(s), %zu rules", ZT_VERSION,
                   cfg->n_instances, cat->n_rules);
        sd_notify(false, "READY=1");
        zt_service_update_status(&s);
        r = sd_event_loop(s.event);
        if (r < 0) {
            zt_log_errno(LOG_ERR, r, "event loop failed");
        }
    }
    service_done(&s);
    return r < 0 ? 1 : 0;
}
