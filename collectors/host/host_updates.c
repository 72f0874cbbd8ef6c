/* host_updates.c - automatic security updates (Debian/Ubuntu unattended-upgrades, RHEL/Fedora
 * dnf-automatic) and a pending reboot after updates. */
#include "host.h"

#include <ctype.h>
#include <ini.h>
#include <json-c/json.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#define APT_KEY       "apt::periodic::unattended-upgrade"
#define APT_SCOPE_MAX 32

/* ---- a small reader for apt.conf(5): nested scopes, "::" paths, comments ---- */

enum tok { T_END, T_WORD, T_STRING, T_OPEN, T_CLOSE, T_SEMI };

static enum tok next_token(const char **p, char *buf, size_t len)
{
    const char *s = *p;

    for (;;) {
        s += strspn(s, " \t\r\n");
        if (s[0] == '/' && s[1] == '/') {
            s += strcspn(s, "\n");
        } else if (s[0] == '#') {
            s += strcspn(s, "\n"); /* comments, and #clear / #include directives (not needed) */
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            s = e ? e + 2 : s + strlen(s);
        } else {
            break;
        }
    }
    *p = s + (*s ? 1 : 0);
    switch (*s) {
    case '\0':
        *p = s;
        return T_END;
    case '{':
        return T_OPEN;
    case '}':
        return T_CLOSE;
    case ';':
        return T_SEMI;
    case '"': {
        size_t n = strcspn(s + 1, "\"");
        snprintf(buf, len, "%.*s", (int)n, s + 1);
        *p = s + 1 + n + (s[1 + n] ? 1 : 0);
        return T_STRING;
    }
    default: {
        size_t n = strcspn(s, " \t\r\n{};\"");
        snprintf(buf, len, "%.*s", (int)n, s);
        *p = s + n;
        return T_WORD;
    }
    }
}

static void apply(const char *scope, const char *name, const char *val, long *value)
{
    char full[512];
    snprintf(full, sizeof(full), "%s%s%s", scope, *scope ? "::" : "", name);
    if (strcasecmp(full, APT_KEY) == 0) {
        /* The value is a period in days: "1" daily, "0" off; apt reads it as an integer. */
        *value = isdigit((unsigned char)*val) ? strtol(val, NULL, 10) : 0;
    }
}

int zt_host_apt_unattended(const char *text, long *value)
{
    char scope[512] = "", name[256] = "", val[256] = "", tok[256];
    size_t marks[APT_SCOPE_MAX];
    unsigned depth = 0;
    bool have_val = false;
    enum tok t;

    for (const char *p = text; (t = next_token(&p, tok, sizeof(tok))) != T_END;) {
        if (t == T_WORD || t == T_STRING) {
            if (!*name && t == T_WORD) {
                snprintf(name, sizeof(name), "%s", tok);
            } else if (*name) {
                snprintf(val, sizeof(val), "%s", tok);
                have_val = true;
            }
        } else if (t == T_SEMI) {
            if (*name && have_val) {
                apply(scope, name, val, value);
            }
            *name = '\0';
            have_val = false;
        } else if (t == T_OPEN) {
            if (depth == APT_SCOPE_MAX) {
                return -EINVAL;
            }
            marks[depth++] = strlen(scope);
            size_t n = strlen(scope);
            snprintf(scope + n, sizeof(scope) - n, "%s%s", n ? "::" : "", name);
            *name = '\0';
            have_val = false;
        } else if (t == T_CLOSE) {
            if (depth == 0) {
                return -EINVAL;
            }
            scope[marks[--depth]] = '\0';
            *name = '\0';
            have_val = false;
        }
    }
    return depth == 0 ? 0 : -EINVAL;
}

/* automatic.conf is INI (Python's configparser): libinih reads it. Keys are case-insensitive,
 * the last assignment wins. */
static int dnf_key(void *user, const char *section, const char *name, const char *value)
{
    bool *apply = user, b = false;

    if (zt_streq(section, "commands") && strcasecmp(name, "apply_updates") == 0) {
        *apply = zt_parse_bool(value, &b) >= 0 && b;
    }
    return 1;
}

bool zt_host_dnf_apply_updates(const char *text)
{
    bool apply = false;

    (void)ini_parse_string(text, dnf_key, &apply); /* a malformed line is skipped, not fatal */
    return apply;
}

/* apt reads apt.conf.d files named [A-Za-z0-9_.-]* with no extension or ".conf". */
static bool apt_name_ok(const char *name)
{
    for (const char *c = name; *c; c++) {
        if (!isalnum((unsigned char)*c) && !strchr("_-.", *c)) {
            return false;
        }
    }
    return !strchr(name, '.') || zt_endswith(name, ".conf");
}

static int apt_file(struct zt_host *h, const char *path, long *value, struct json_object *d)
{
    _cleanup_free_ char *text = NULL;
    int r = zt_host_read(h, path, ZT_HOST_FILE_MAX, &text);
    long before = *value;

    if (r <= 0) {
        return r;
    }
    if (zt_host_apt_unattended(text, value) < 0) {
        zt_ctx_log(h->ctx, LOG_WARNING, "%s: unbalanced braces, apt would reject it", path);
    }
    if (*value != before || strstr(text, "Unattended-Upgrade")) {
        json_object_object_add(d, "source", json_object_new_string(path));
    }
    return 0;
}

/* APT::Periodic::Unattended-Upgrade: apt.conf.d in lexical order, then apt.conf (last wins). */
static int apt_periodic(struct zt_host *h, long *value, struct json_object *d)
{
    _cleanup_(zt_strv_clear) struct zt_strv names = {0};
    int r = zt_host_list_dir(h, "/etc/apt/apt.conf.d", false, &names);

    for (size_t i = 0; r >= 0 && i < names.n; i++) {
        if (apt_name_ok(names.v[i])) {
            _cleanup_free_ char *path = zt_xasprintf("/etc/apt/apt.conf.d/%s", names.v[i]);
            r = apt_file(h, path, value, d);
        }
    }
    return r < 0 ? r : apt_file(h, "/etc/apt/apt.conf", value, d);
}

/* dnf-automatic applies updates if its -install timer is on, or the plain timer with
 * apply_updates = yes in automatic.conf (the -download and -notifyonly timers never apply). */
static int dnf_automatic(struct zt_host *h, bool *on, struct json_object *d)
{
    _cleanup_free_ char *conf = NULL;
    int install = zt_host_unit_enabled(h, "dnf-automatic-install.timer");
    int plain = install >= 0 ? zt_host_unit_enabled(h, "dnf-automatic.timer") : 0;
    int r = plain > 0 ? zt_host_read(h, "/etc/dnf/automatic.conf", ZT_HOST_FILE_MAX, &conf) : 0;

    if (install < 0 || plain < 0 || r < 0) {
        return install < 0 ? install : plain < 0 ? plain : r;
    }
    bool apply = r > 0 && zt_host_dnf_apply_updates(conf);
    json_object_object_add(d, "dnf_automatic_install_timer", json_object_new_boolean(install));
    json_object_object_add(d, "dnf_automatic_timer", json_object_new_boolean(plain));
    json_object_object_add(d, "apply_updates", json_object_new_boolean(apply));
    *on = install > 0 || (plain > 0 && apply);
    return 0;
}

int zt_host_probe_updates(struct zt_host *h)
{
    _cleanup_json_ struct json_object *da = json_object_new_object();
    _cleanup_json_ struct json_object *dd = json_object_new_object();
    long periodic = 0;
    bool dnf = false;
    int r = apt_periodic(h, &periodic, da);
    int uu = r < 0 ? r : zt_host_exists(h, "/usr/bin/unattended-upgrade");
    int d = uu < 0 ? uu : dnf_automatic(h, &dnf, dd);
    int reboot = d < 0 ? d : zt_host_exists(h, "/run/reboot-required");
    int vreboot = reboot != 0 ? reboot : zt_host_exists(h, "/var/run/reboot-required");

    if (vreboot < 0) {
        return vreboot;
    }
    bool apt = periodic > 0 && uu > 0;
    json_object_object_add(da, "periodic_days", json_object_new_int64(periodic));
    json_object_object_add(da, "installed", json_object_new_boolean(uu > 0));
    zt_host_emit_bool(h, "host.updates.unattended_upgrades", apt, TAKE_PTR(da));
    zt_host_emit_bool(h, "host.updates.dnf_automatic", dnf, TAKE_PTR(dd));
    zt_host_emit_bool(h, "host.updates.automatic", apt || dnf, NULL);
    zt_host_emit_bool(h, "host.updates.reboot_required", vreboot > 0, NULL);
    return 0;
}
