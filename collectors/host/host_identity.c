/* host_identity.c - the identity store a host trusts: whether it resolves users from an enterprise
 * directory (nsswitch `passwd:` through SSSD with an AD, IPA or LDAP domain, nss LDAP, winbind),
 * and the interactive local accounts it keeps beside it (/etc/passwd users in the login.defs
 * UID_MIN..UID_MAX range with a login shell). */
#include "host.h"

#include <ini.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LOCAL_USERS_LISTED 50 /* names kept in the evidence detail */

/* ---- parsers ---- */

int zt_host_nsswitch_sources(const char *text, const char *db, struct zt_strv *ret)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line;
    size_t dblen = strlen(db);

    while ((line = zt_host_next_line(&cursor))) {
        line[strcspn(line, "#")] = '\0';
        line += strspn(line, " \t");
        if (strncmp(line, db, dblen) != 0 || line[dblen + strspn(line + dblen, " \t")] != ':') {
            continue;
        }
        line = strchr(line, ':') + 1;
        /* The last line for a database wins, as in glibc. */
        zt_strv_clear(ret);
        char *w;
        while ((w = zt_host_next_word(&line))) {
            if (w[0] != '[') { /* [NOTFOUND=return] and friends are actions, not sources */
                zt_strv_push(ret, w);
            }
        }
    }
    return 0;
}

struct sssd_acc {
    struct zt_strv listed;     /* [sssd] domains = a, b */
    struct zt_strv enabled;    /* [domain/X] enabled = true */
    struct zt_strv enterprise; /* [domain/X] id_provider = ad | ipa | ldap */
};

static bool truthy(const char *v)
{
    return strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0;
}

static void set_membership(struct zt_strv *sv, const char *name, bool member)
{
    for (size_t i = 0; i < sv->n; i++) {
        if (zt_streq(sv->v[i], name)) {
            if (!member) {
                free(sv->v[i]);
                sv->v[i] = sv->v[--sv->n];
            }
            return;
        }
    }
    if (member) {
        zt_strv_push(sv, name);
    }
}

static int sssd_key(void *user, const char *section, const char *name, const char *value)
{
    struct sssd_acc *a = user;

    if (strcasecmp(section, "sssd") == 0 && strcasecmp(name, "domains") == 0) {
        _cleanup_free_ char *copy = zt_xstrdup(value);
        char *p = copy, *w;
        zt_strv_clear(&a->listed);
        while ((w = strsep(&p, ","))) {
            w += strspn(w, " \t");
            w[strcspn(w, " \t")] = '\0';
            if (*w) {
                zt_strv_push(&a->listed, w);
            }
        }
    } else if (strncasecmp(section, "domain/", 7) == 0) {
        const char *domain = section + 7;
        if (strcasecmp(name, "id_provider") == 0) {
            set_membership(&a->enterprise, domain,
                           strcasecmp(value, "ad") == 0 || strcasecmp(value, "ipa") == 0 ||
                               strcasecmp(value, "ldap") == 0);
        } else if (strcasecmp(name, "enabled") == 0) {
            set_membership(&a->enabled, domain, truthy(value));
        }
    }
    return 1;
}

/* Apply one sssd.conf or conf.d snippet (later files override earlier ones, key by key). */
static void sssd_parse(struct sssd_acc *a, const char *text)
{
    (void)ini_parse_string(text, sssd_key, a);
}

static void sssd_clear(struct sssd_acc *a)
{
    zt_strv_clear(&a->listed);
    zt_strv_clear(&a->enabled);
    zt_strv_clear(&a->enterprise);
}

/* Enterprise domains SSSD actually serves: listed in [sssd] domains, or enabled on their own. */
void zt_host_sssd_enterprise_domains(const char *const *texts, size_t n, struct zt_strv *ret)
{
    struct sssd_acc a = {0};

    for (size_t i = 0; i < n; i++) {
        sssd_parse(&a, texts[i]);
    }
    for (size_t i = 0; i < a.enterprise.n; i++) {
        const char *d = a.enterprise.v[i];
        if (zt_strv_contains(&a.listed, d) || zt_strv_contains(&a.enabled, d)) {
            zt_strv_push(ret, d);
        }
    }
    sssd_clear(&a);
}

long zt_host_login_defs(const char *text, const char *key, long dflt)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line;
    long value = dflt;

    while ((line = zt_host_next_line(&cursor))) {
        char *k = zt_host_next_word(&line), *v = zt_host_next_word(&line), *end = NULL;
        if (k && v && zt_streq(k, key)) {
            long n = strtol(v, &end, 10);
            value = end && *end == '\0' && n >= 0 ? n : value;
        }
    }
    return value;
}

/* Whether a login shell lets someone log in (not nologin, false, or an administrative stub). */
static bool login_shell(const char *shell)
{
    static const char *const none[] = {"nologin", "false", "sync", "shutdown", "halt"};
    const char *base = strrchr(shell, '/');
    base = base ? base + 1 : shell;
    if (!*base) {
        return false;
    }
    for (size_t i = 0; i < ZT_ELEMENTSOF(none); i++) {
        if (zt_streq(base, none[i])) {
            return false;
        }
    }
    return true;
}

int zt_host_passwd_interactive(const char *text, long uid_min, long uid_max, struct zt_strv *names)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line;
    int n = 0;

    while ((line = zt_host_next_line(&cursor))) {
        char *f[7];
        size_t k = 0;
        for (char *p = line; k < ZT_ELEMENTSOF(f) && p;) {
            f[k++] = strsep(&p, ":");
        }
        /* name:password:uid:gid:gecos:home:shell; NIS "+" and "-" lines are no local accounts. */
        if (k < 7 || !*f[0] || f[0][0] == '+' || f[0][0] == '-' || f[0][0] == '#') {
            continue;
        }
        char *end = NULL;
        long uid = strtol(f[2], &end, 10);
        if (!end || *end || uid < uid_min || uid > uid_max || !login_shell(f[6])) {
            continue;
        }
        n++;
        if (names && names->n < LOCAL_USERS_LISTED) {
            zt_strv_push(names, f[0]);
        }
    }
    return n;
}

/* ---- the probe ---- */

static int enterprise_domains(struct zt_host *h, struct zt_strv *domains)
{
    _cleanup_(zt_strv_clear) struct zt_strv files = {0}, texts = {0};
    int r;

    zt_strv_push(&files, "/etc/sssd/sssd.conf");
    r = zt_host_glob(h, "/etc/sssd/conf.d/*.conf", &files);
    for (size_t i = 0; r >= 0 && i < files.n; i++) {
        char *text = NULL;
        r = zt_host_read(h, files.v[i], ZT_HOST_FILE_MAX, &text);
        if (r > 0) {
            zt_strv_push(&texts, text);
            free(text);
        }
    }
    if (r < 0) {
        return r;
    }
    zt_host_sssd_enterprise_domains((const char *const *)texts.v, texts.n, domains);
    return 0;
}

static int emit_store(struct zt_host *h, const struct zt_strv *sources)
{
    _cleanup_(zt_strv_clear) struct zt_strv domains = {0}, via = {0};
    struct json_object *d = json_object_new_object();

    if (zt_strv_contains(sources, "sss")) {
        int r = enterprise_domains(h, &domains);
        if (r < 0) {
            json_object_put(d);
            return r;
        }
        if (domains.n > 0) {
            zt_strv_push(&via, "sss");
        }
    }
    static const char *const direct[] = {"ldap", "winbind"};
    for (size_t i = 0; i < ZT_ELEMENTSOF(direct); i++) {
        if (zt_strv_contains(sources, direct[i])) {
            zt_strv_push(&via, direct[i]);
        }
    }
    json_object_object_add(d, "passwd_sources", zt_host_strv_json(sources));
    json_object_object_add(d, "via", zt_host_strv_json(&via));
    json_object_object_add(d, "sssd_domains", zt_host_strv_json(&domains));
    return zt_host_emit_bool(h, "host.identity.enterprise_store", via.n > 0, d);
}

static int emit_local_users(struct zt_host *h)
{
    _cleanup_free_ char *defs = NULL, *passwd = NULL;
    _cleanup_(zt_strv_clear) struct zt_strv names = {0};
    int r = zt_host_read(h, "/etc/login.defs", ZT_HOST_FILE_MAX, &defs);

    if (r < 0) {
        return r;
    }
    long uid_min = zt_host_login_defs(defs ? defs : "", "UID_MIN", 1000);
    long uid_max = zt_host_login_defs(defs ? defs : "", "UID_MAX", 60000);
    r = zt_host_read(h, "/etc/passwd", ZT_HOST_FILE_MAX, &passwd);
    if (r <= 0) {
        /* No passwd file in the tree: nothing can be said about local accounts. */
        return r;
    }
    int n = zt_host_passwd_interactive(passwd, uid_min, uid_max, &names);
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "users", zt_host_strv_json(&names));
    json_object_object_add(d, "uid_min", json_object_new_int64(uid_min));
    json_object_object_add(d, "uid_max", json_object_new_int64(uid_max));
    return zt_emit(h->ctx, "host.identity.local_interactive_users", json_object_new_int(n), d);
}

int zt_host_probe_identity(struct zt_host *h)
{
    _cleanup_free_ char *nss = NULL;
    _cleanup_(zt_strv_clear) struct zt_strv sources = {0};
    int r = zt_host_read(h, "/etc/nsswitch.conf", ZT_HOST_FILE_MAX, &nss);

    if (r < 0) {
        return r;
    }
    if (nss) {
        zt_host_nsswitch_sources(nss, "passwd", &sources);
    }
    if (sources.n == 0) {
        zt_strv_push(&sources, "files"); /* glibc's default without a passwd line */
    }
    r = emit_store(h, &sources);
    int l = emit_local_users(h);
    return r < 0 ? r : l;
}
