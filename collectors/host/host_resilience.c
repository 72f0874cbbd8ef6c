/* host_resilience.c - what lets a host notice tampering and recover from loss: file integrity
 * monitoring (AIDE with an initialised database, Wazuh syscheck, osquery file events) and whether
 * it runs on a schedule; backups (restic, borg/borgmatic, duplicity, rsnapshot, rdiff-backup run
 * from an enabled systemd timer or from cron, or a Bacula/Bareos file daemon). */
#include "host.h"

#include <json-c/json.h>
#include <string.h>

static const char *const backup_tools[] = {"restic",    "borg",         "borgmatic", "duplicity",
                                           "rsnapshot", "rdiff-backup", "bacula-fd", "bareos-fd"};

/* ---- parsers ---- */

const char *zt_host_backup_command(const char *line)
{
    _cleanup_free_ char *copy = zt_xstrdup(line);
    char *p = copy, *w;

    p[strcspn(p, "#")] = '\0';
    while ((w = strsep(&p, " \t;&|()'\"`="))) {
        const char *base = strrchr(w, '/');
        base = base ? base + 1 : w;
        for (size_t i = 0; i < ZT_ELEMENTSOF(backup_tools); i++) {
            if (zt_streq(base, backup_tools[i])) {
                return backup_tools[i];
            }
        }
    }
    return NULL;
}

bool zt_host_wazuh_syscheck(const char *xml)
{
    const char *open = strstr(xml, "<syscheck>");
    const char *close = open ? strstr(open, "</syscheck>") : NULL;
    if (!open || !close) {
        return false;
    }
    /* syscheck runs unless the block says <disabled>yes</disabled>. */
    const char *dis = strstr(open, "<disabled>");
    if (dis && dis < close) {
        dis += strlen("<disabled>");
        dis += strspn(dis, " \t\r\n");
        return strncmp(dis, "yes", 3) != 0;
    }
    return true;
}

bool zt_host_osquery_fim(const char *json)
{
    struct json_object *doc = NULL, *paths = NULL;
    char why[64];

    if (zt_json_parse(json, strlen(json), 32, &doc, why, sizeof(why)) < 0 || !doc) {
        return false;
    }
    bool on = json_object_object_get_ex(doc, "file_paths", &paths) &&
              json_object_is_type(paths, json_type_object) && json_object_object_length(paths) > 0;
    json_object_put(doc);
    return on;
}

/* ---- file integrity monitoring ---- */

struct found {
    struct zt_strv tools, scheduled, where;
};

static void found_clear(struct found *f)
{
    zt_strv_clear(&f->tools);
    zt_strv_clear(&f->scheduled);
    zt_strv_clear(&f->where);
}

static int any_exists(struct zt_host *h, const char *const *paths, size_t n, const char **hit)
{
    for (size_t i = 0; i < n && paths[i]; i++) {
        int r = zt_host_exists(h, paths[i]);
        if (r != 0) {
            *hit = paths[i];
            return r;
        }
    }
    return 0;
}

static int any_unit_enabled(struct zt_host *h, const char *const *units, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int r = zt_host_unit_enabled(h, units[i]);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

static int fim_aide(struct zt_host *h, struct found *f)
{
    static const char *const conf[] = {"/etc/aide/aide.conf", "/etc/aide.conf"};
    static const char *const db[] = {"/var/lib/aide/aide.db", "/var/lib/aide/aide.db.gz"};
    static const char *const cron[] = {"/etc/cron.daily/aide", "/etc/cron.daily/dailyaidecheck"};
    static const char *const units[] = {"dailyaidecheck.timer", "aidecheck.timer",
                                        "aide-check.timer"};
    const char *c = NULL, *d = NULL, *s = NULL;
    int r = any_exists(h, conf, ZT_ELEMENTSOF(conf), &c);
    int rd = r > 0 ? any_exists(h, db, ZT_ELEMENTSOF(db), &d) : 0;

    if (r < 0 || rd < 0) {
        return r < 0 ? r : rd;
    }
    if (r == 0 || rd == 0) {
        return 0; /* not installed, or never initialised: it compares against nothing */
    }
    zt_strv_push(&f->tools, "aide");
    zt_strv_push(&f->where, c);
    int rc = any_exists(h, cron, ZT_ELEMENTSOF(cron), &s);
    int ru = rc == 0 ? any_unit_enabled(h, units, ZT_ELEMENTSOF(units)) : 0;
    if (rc < 0 || ru < 0) {
        return rc < 0 ? rc : ru;
    }
    if (rc > 0 || ru > 0) {
        zt_strv_push(&f->scheduled, "aide");
    }
    return 0;
}

/* An agent's FIM: configured in its file (check() on the text), scheduled when it runs. */
static int fim_agent(struct zt_host *h, struct found *f, const char *tool, const char *path,
                     bool (*check)(const char *), const char *const *procs, size_t n_procs)
{
    _cleanup_free_ char *text = NULL;
    int r = zt_host_read(h, path, ZT_HOST_FILE_MAX, &text);

    if (r <= 0 || !check(text)) {
        return r < 0 ? r : 0;
    }
    zt_strv_push(&f->tools, tool);
    zt_strv_push(&f->where, path);
    for (size_t i = 0; h->procs_known && i < n_procs; i++) {
        if (zt_host_procs_find(&h->procs, procs[i]) > 0) {
            zt_strv_push(&f->scheduled, tool);
            break;
        }
    }
    return 0;
}

int zt_host_probe_fim(struct zt_host *h)
{
    static const char *const wazuh[] = {"wazuh-syscheckd", "wazuh-agentd", "ossec-syscheckd"};
    static const char *const osq[] = {"osqueryd"};
    _cleanup_(found_clear) struct found f = {0};
    int r = fim_aide(h, &f);

    if (r >= 0) {
        r = fim_agent(h, &f, "wazuh", "/var/ossec/etc/ossec.conf", zt_host_wazuh_syscheck, wazuh,
                      ZT_ELEMENTSOF(wazuh));
    }
    if (r >= 0) {
        r = fim_agent(h, &f, "osquery", "/etc/osquery/osquery.conf", zt_host_osquery_fim, osq,
                      ZT_ELEMENTSOF(osq));
    }
    if (r < 0) {
        return r; /* the file that could not be read is recorded; nothing half-known is said */
    }
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "configured", zt_host_strv_json(&f.where));
    json_object_object_add(d, "scheduled", zt_host_strv_json(&f.scheduled));
    r = zt_emit(h->ctx, "host.fim.tools", zt_host_strv_json(&f.tools), NULL);
    if (r >= 0) {
        r = zt_host_emit_bool(h, "host.fim.configured", f.tools.n > 0, NULL);
    }
    if (r >= 0 && (h->procs_known || f.scheduled.n > 0)) {
        r = zt_host_emit_bool(h, "host.fim.scheduled", f.scheduled.n > 0, d);
        d = NULL;
    }
    json_object_put(d);
    return r;
}

/* ---- backups ---- */

/* The backup tool a systemd service runs (ExecStart= lines), or NULL. */
static int service_tool(struct zt_host *h, const char *service, const char **tool)
{
    static const char *const dirs[] = {"/etc/systemd/system", "/usr/lib/systemd/system",
                                       "/lib/systemd/system"};
    *tool = NULL;
    for (size_t i = 0; i < ZT_ELEMENTSOF(dirs); i++) {
        _cleanup_free_ char *path = zt_xasprintf("%s/%s", dirs[i], service), *text = NULL;
        int r = zt_host_read(h, path, ZT_HOST_FILE_MAX, &text);
        if (r < 0) {
            return r;
        }
        if (r == 0) {
            continue;
        }
        char *cursor = text, *line;
        while ((line = zt_host_next_line(&cursor))) {
            line += strspn(line, " \t");
            if (zt_startswith(line, "ExecStart") && (*tool = zt_host_backup_command(line))) {
                return 1;
            }
        }
        return 0; /* the first unit file found is the one systemd loads */
    }
    return 0;
}

static int backup_timers(struct zt_host *h, struct found *f)
{
    _cleanup_(zt_strv_clear) struct zt_strv timers = {0};
    int r = zt_host_glob(h, "/etc/systemd/system/*.wants/*.timer", &timers);

    for (size_t i = 0; r >= 0 && i < timers.n; i++) {
        const char *base = strrchr(timers.v[i], '/') + 1;
        _cleanup_free_ char *service =
            zt_xasprintf("%.*s.service", (int)(strlen(base) - strlen(".timer")), base);
        const char *tool = NULL;
        r = service_tool(h, service, &tool);
        if (r > 0) {
            zt_host_strv_add_unique(&f->tools, tool);
            zt_strv_push(&f->where, timers.v[i]);
        }
    }
    return r < 0 ? r : 0;
}

static int backup_cron(struct zt_host *h, struct found *f)
{
    static const char *const patterns[] = {"/etc/crontab",
                                           "/etc/cron.d/*",
                                           "/etc/cron.hourly/*",
                                           "/etc/cron.daily/*",
                                           "/etc/cron.weekly/*",
                                           "/etc/cron.monthly/*",
                                           "/var/spool/cron/crontabs/*"};
    _cleanup_(zt_strv_clear) struct zt_strv files = {0};
    int r = 0;

    for (size_t i = 0; r >= 0 && i < ZT_ELEMENTSOF(patterns); i++) {
        r = zt_host_glob(h, patterns[i], &files);
    }
    for (size_t i = 0; r >= 0 && i < files.n; i++) {
        _cleanup_free_ char *text = NULL;
        r = zt_host_read(h, files.v[i], ZT_HOST_FILE_MAX, &text);
        char *cursor = r > 0 ? text : NULL, *line;
        unsigned n = 0;
        while (cursor && (line = zt_host_next_line(&cursor))) {
            const char *tool = zt_host_backup_command(line);
            n++;
            if (tool) {
                zt_host_strv_add_unique(&f->tools, tool);
                _cleanup_free_ char *at = zt_host_location(files.v[i], n);
                zt_strv_push(&f->where, at);
                break;
            }
        }
    }
    return r < 0 ? r : 0;
}

int zt_host_probe_backup(struct zt_host *h)
{
    static const char *const daemons[] = {"bacula-fd", "bareos-fd"};
    _cleanup_(found_clear) struct found f = {0};
    int r = backup_timers(h, &f);

    if (r >= 0) {
        r = backup_cron(h, &f);
    }
    for (size_t i = 0; r >= 0 && i < ZT_ELEMENTSOF(daemons); i++) {
        _cleanup_free_ char *unit = zt_xasprintf("%s.service", daemons[i]);
        int e = zt_host_unit_enabled(h, unit);
        bool live = h->procs_known && zt_host_procs_find(&h->procs, daemons[i]) > 0;
        r = e < 0 ? e : 0;
        if (e > 0 || live) {
            zt_host_strv_add_unique(&f.tools, daemons[i]);
            zt_strv_push(&f.where, live ? "process" : unit);
        }
    }
    if (r < 0) {
        return r;
    }
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "scheduled_by", zt_host_strv_json(&f.where));
    r = zt_emit(h->ctx, "host.backup.tools", zt_host_strv_json(&f.tools), NULL);
    if (r < 0) {
        json_object_put(d);
        return r;
    }
    return zt_host_emit_bool(h, "host.backup.scheduled", f.tools.n > 0, d);
}
