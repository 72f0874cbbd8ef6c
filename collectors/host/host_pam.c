/* host_pam.c - second authentication factors in PAM: which modules sit in an `auth` stack of
 * /etc/pam.d, whether sshd's stack and the shared system stack reach one (through @include,
 * include and substack), and whether any is phishing-resistant (FIDO U2F, smartcard/PKCS#11). */
#include "host.h"

#include <json-c/json.h>
#include <string.h>
#include <strings.h>

#define PAM_DIR   "/etc/pam.d"
#define SSSD_CONF "/etc/sssd/sssd.conf"

static const struct {
    const char *module;
    bool phishing_resistant;
} second_factors[] = {
    {"pam_u2f", true},
    {"pam_pkcs11", true},
    {"pam_sss", true}, /* smartcard only */
    {"pam_google_authenticator", false},
    {"pam_yubico", false},
    {"pam_oath", false},
};

/* The shared stacks every service includes: Debian/Ubuntu, and RHEL/Fedora/Arch/SUSE. */
static const char *const system_stacks[] = {"common-auth", "system-auth"};

static void entry_add(struct zt_host_pam_file *f, unsigned line, const char *module,
                      const char *control, const char *args, bool include)
{
    const char *base = strrchr(module, '/') ? strrchr(module, '/') + 1 : module;
    size_t n = strlen(base);

    if (!include && n > 3 && zt_endswith(base, ".so")) {
        n -= 3;
    }
    f->v = zt_xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
    f->v[f->n++] = (struct zt_host_pam_entry){
        .line = line,
        .module = zt_xstrndup(base, n),
        .control = zt_xstrdup(control),
        .args = zt_xstrdup(args),
        .include = include,
    };
}

/* The control field: a word, or a [bracketed list] that may contain spaces. */
static char *next_control(char **cursor)
{
    char *p = *cursor + strspn(*cursor, " \t\r");
    if (*p != '[') {
        return zt_host_next_word(cursor);
    }
    char *end = strchr(p, ']');
    if (!end) {
        return NULL;
    }
    if (end[1]) {
        end[1] = '\0';
        *cursor = end + 2;
    } else {
        *cursor = end + 1;
    }
    return p;
}

static void parse_line(char *line, unsigned lineno, struct zt_host_pam_file *ret)
{
    char *hash = strchr(line, '#');
    if (hash) {
        *hash = '\0';
    }
    char *cursor = line, *type = zt_host_next_word(&cursor);
    if (!type) {
        return;
    }
    if (zt_streq(type, "@include")) {
        char *what = zt_host_next_word(&cursor);
        if (what) {
            entry_add(ret, lineno, what, "@include", "", true);
        }
        return;
    }
    if (strcasecmp(type[0] == '-' ? type + 1 : type, "auth") != 0) {
        return;
    }
    char *control = next_control(&cursor), *module = zt_host_next_word(&cursor);
    if (!control || !module) {
        return;
    }
    bool include = strcasecmp(control, "include") == 0 || strcasecmp(control, "substack") == 0;
    _cleanup_free_ char *args = zt_xstrdup("");
    for (char *w; (w = zt_host_next_word(&cursor));) {
        char *a = zt_xasprintf("%s%s%s", args, *args ? " " : "", w);
        free(args);
        args = a;
    }
    entry_add(ret, lineno, module, control, args, include);
}

void zt_host_pam_parse(const char *text, struct zt_host_pam_file *ret)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line;
    unsigned lineno = 0;

    while ((line = zt_host_next_logical_line(&cursor, &lineno))) {
        parse_line(line, lineno, ret);
    }
}

void zt_host_pam_file_clear(struct zt_host_pam_file *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].module);
        free(f->v[i].control);
        free(f->v[i].args);
    }
    free(f->v);
    free(f->name);
    *f = (struct zt_host_pam_file){0};
}

static bool has_arg(const char *args, const char *arg)
{
    _cleanup_free_ char *copy = zt_xstrdup(args);
    char *cursor = copy;
    for (char *w; (w = zt_host_next_word(&cursor));) {
        if (zt_streq(w, arg)) {
            return true;
        }
    }
    return false;
}

bool zt_host_pam_second_factor(const struct zt_host_pam_entry *e, bool sssd_cert_auth,
                               bool *phishing_resistant)
{
    *phishing_resistant = false;
    if (e->include || strcasecmp(e->control, "optional") == 0) {
        return false; /* optional modules never decide the outcome */
    }
    for (size_t i = 0; i < ZT_ELEMENTSOF(second_factors); i++) {
        if (!zt_streq(e->module, second_factors[i].module)) {
            continue;
        }
        if (zt_streq(e->module, "pam_sss") && !sssd_cert_auth &&
            !has_arg(e->args, "require_cert_auth") && !has_arg(e->args, "try_cert_auth")) {
            return false; /* pam_sss without smartcard is a password */
        }
        *phishing_resistant = second_factors[i].phishing_resistant;
        return true;
    }
    return false;
}

bool zt_host_sssd_cert_auth(const char *text)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line;
    bool in_pam = false, on = false;

    while ((line = zt_host_next_line(&cursor))) {
        line = zt_strstrip(line);
        if (*line == '[') {
            in_pam = strncasecmp(line, "[pam]", 5) == 0;
            continue;
        }
        char *eq = strchr(line, '=');
        if (!in_pam || *line == '#' || *line == ';' || !eq) {
            continue;
        }
        *eq = '\0';
        if (strcasecmp(zt_strstrip(line), "pam_cert_auth") == 0) {
            on = strcasecmp(zt_strstrip(eq + 1), "true") == 0;
        }
    }
    return on;
}

/* ---- fetch and derive ---- */

struct pam_set {
    struct zt_host_pam_file *v;
    size_t n;
};

static void pam_set_clear(struct pam_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        zt_host_pam_file_clear(&s->v[i]);
    }
    free(s->v);
}

static const struct zt_host_pam_file *find(const struct pam_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++) {
        if (zt_streq(s->v[i].name, name)) {
            return &s->v[i];
        }
    }
    return NULL;
}

/* Whether service name (or what it includes) has a second factor. Each file is visited once
 * (include cycles, fan-out), and nesting is bounded. */
static bool reaches_from(const struct pam_set *s, const char *name, bool cert, unsigned depth,
                         bool *visited)
{
    const struct zt_host_pam_file *f = find(s, name);
    bool pr;

    if (!f || visited[f - s->v] || depth >= ZT_HOST_INCLUDE_DEPTH) {
        return false;
    }
    visited[f - s->v] = true;
    for (size_t i = 0; i < f->n; i++) {
        if (f->v[i].include ? reaches_from(s, f->v[i].module, cert, depth + 1, visited)
                            : zt_host_pam_second_factor(&f->v[i], cert, &pr)) {
            return true;
        }
    }
    return false;
}

static bool reaches(const struct pam_set *s, const char *name, bool cert)
{
    _cleanup_free_ bool *visited = zt_xcalloc(s->n + 1, sizeof(bool));
    return reaches_from(s, name, cert, 0, visited);
}

static int load(struct zt_host *h, struct pam_set *s, bool *uses_sss)
{
    _cleanup_(zt_strv_clear) struct zt_strv names = {0};
    int r = zt_host_list_dir(h, PAM_DIR, false, &names);

    for (size_t i = 0; r > 0 && i < names.n; i++) {
        _cleanup_free_ char *path = zt_xasprintf("%s/%s", PAM_DIR, names.v[i]);
        _cleanup_free_ char *text = NULL;
        int k = zt_host_read(h, path, ZT_HOST_FILE_MAX, &text);
        if (k < 0) {
            return k;
        }
        if (k == 0) {
            continue;
        }
        s->v = zt_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
        s->v[s->n] = (struct zt_host_pam_file){.name = zt_xstrdup(names.v[i])};
        zt_host_pam_parse(text, &s->v[s->n]);
        for (size_t j = 0; j < s->v[s->n].n; j++) {
            *uses_sss = *uses_sss || zt_streq(s->v[s->n].v[j].module, "pam_sss");
        }
        s->n++;
    }
    return r < 0 ? r : 0;
}

static void emit(struct zt_host *h, const struct pam_set *s, bool cert)
{
    _cleanup_(zt_strv_clear) struct zt_strv modules = {0};
    struct json_object *lines = json_object_new_array();
    bool pr_any = false, system = false;

    for (size_t i = 0; i < s->n; i++) {
        for (size_t j = 0; j < s->v[i].n; j++) {
            const struct zt_host_pam_entry *e = &s->v[i].v[j];
            bool pr;
            if (!zt_host_pam_second_factor(e, cert, &pr)) {
                continue;
            }
            zt_host_strv_add_unique(&modules, e->module);
            pr_any = pr_any || pr;
            _cleanup_free_ char *loc = zt_xasprintf("%s/%s:%u: %s %s", PAM_DIR, s->v[i].name,
                                                    e->line, e->control, e->module);
            json_object_array_add(lines, json_object_new_string(loc));
        }
    }
    for (size_t i = 0; i < ZT_ELEMENTSOF(system_stacks); i++) {
        system = system || reaches(s, system_stacks[i], cert);
    }
    zt_host_strv_sort(&modules);
    struct json_object *detail = json_object_new_object();
    json_object_object_add(detail, "lines", lines);
    json_object_object_add(detail, "sssd_pam_cert_auth", json_object_new_boolean(cert));
    zt_emit(h->ctx, "host.pam.second_factor_modules", zt_host_strv_json(&modules), detail);
    zt_host_emit_bool(h, "host.pam.second_factor", modules.n > 0, NULL);
    zt_host_emit_bool(h, "host.pam.sshd_second_factor", reaches(s, "sshd", cert), NULL);
    zt_host_emit_bool(h, "host.pam.system_second_factor", system, NULL);
    zt_host_emit_bool(h, "host.pam.phishing_resistant", pr_any, NULL);
}

int zt_host_probe_pam(struct zt_host *h)
{
    _cleanup_(pam_set_clear) struct pam_set s = {0};
    _cleanup_free_ char *sssd = NULL;
    bool uses_sss = false, cert = false;
    int r = load(h, &s, &uses_sss);

    if (r < 0) {
        return r;
    }
    if (uses_sss) {
        r = zt_host_read(h, SSSD_CONF, ZT_HOST_FILE_MAX, &sssd);
        if (r < 0) {
            return r;
        }
        cert = r > 0 && zt_host_sssd_cert_auth(sssd);
    }
    emit(h, &s, cert);
    return 0;
}
