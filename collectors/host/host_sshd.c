/* host_sshd.c - the effective OpenSSH server configuration as sshd itself resolves it:
 * sshd_config plus Include (globs, relative to /etc/ssh, nested), first value wins, keywords
 * case-insensitive, Match blocks kept apart, OpenSSH's defaults for what is unset. */
#include "host.h"

#include <json-c/json.h>
#include <string.h>
#include <strings.h>

#define SSHD_CONFIG "/etc/ssh/sshd_config"
#define SSHD_DIR    "/etc/ssh"

enum kind { K_BOOL, K_ROOT, K_METHODS, K_PATH };

static const struct {
    const char *keyword; /* lower case */
    enum zt_host_sshd_opt opt;
} keywords[] = {
    {"passwordauthentication", ZT_SSHD_PASSWORD_AUTH},
    {"kbdinteractiveauthentication", ZT_SSHD_KBD_INTERACTIVE},
    {"challengeresponseauthentication", ZT_SSHD_KBD_INTERACTIVE}, /* deprecated alias */
    {"usepam", ZT_SSHD_USE_PAM},
    {"permitrootlogin", ZT_SSHD_PERMIT_ROOT_LOGIN},
    {"pubkeyauthentication", ZT_SSHD_PUBKEY_AUTH},
    {"authenticationmethods", ZT_SSHD_AUTH_METHODS},
    {"trustedusercakeys", ZT_SSHD_TRUSTED_USER_CA_KEYS},
    {"hostbasedauthentication", ZT_SSHD_HOSTBASED_AUTH},
    {"gssapiauthentication", ZT_SSHD_GSSAPI_AUTH},
};

/* Per option: how its value is checked, OpenSSH's default, and its canonical name. */
static const struct {
    enum kind kind;
    const char *def;
    const char *name;
} opts[_ZT_SSHD_OPT_MAX] = {
    [ZT_SSHD_PASSWORD_AUTH] = {K_BOOL, "yes", "PasswordAuthentication"},
    [ZT_SSHD_KBD_INTERACTIVE] = {K_BOOL, "yes", "KbdInteractiveAuthentication"},
    [ZT_SSHD_USE_PAM] = {K_BOOL, "no", "UsePAM"},
    [ZT_SSHD_PERMIT_ROOT_LOGIN] = {K_ROOT, "prohibit-password", "PermitRootLogin"},
    [ZT_SSHD_PUBKEY_AUTH] = {K_BOOL, "yes", "PubkeyAuthentication"},
    [ZT_SSHD_AUTH_METHODS] = {K_METHODS, "any", "AuthenticationMethods"},
    [ZT_SSHD_TRUSTED_USER_CA_KEYS] = {K_PATH, "none", "TrustedUserCAKeys"},
    [ZT_SSHD_HOSTBASED_AUTH] = {K_BOOL, "no", "HostbasedAuthentication"},
    [ZT_SSHD_GSSAPI_AUTH] = {K_BOOL, "no", "GSSAPIAuthentication"},
};

static void lowercase(char *s)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z') {
            *s = (char)(*s - 'A' + 'a');
        }
    }
}

/* Next argument: a word or a "quoted string"; a word starting with '#' ends the line. */
static char *next_arg(char **cursor)
{
    char *p = *cursor + strspn(*cursor, " \t\r");
    char *end;

    if (!*p || *p == '#') {
        *cursor = p + strlen(p);
        return NULL;
    }
    if (*p == '"') {
        p++;
        end = strchr(p, '"');
        end = end ? end : p + strlen(p);
    } else {
        end = p + strcspn(p, " \t\r");
    }
    *cursor = *end ? end + 1 : end;
    *end = '\0';
    return p;
}

/* Check and normalise value for opt; returns a new string or NULL if sshd would reject it. */
static char *normalise(enum zt_host_sshd_opt o, char *args)
{
    _cleanup_free_ char *joined = NULL;
    char *a = next_arg(&args);

    if (!a) {
        return NULL;
    }
    switch (opts[o].kind) {
    case K_PATH:
        return zt_xstrdup(a);
    case K_METHODS:
        /* Keep every list, separated by single spaces. */
        joined = zt_xstrdup(a);
        for (char *w; (w = next_arg(&args));) {
            char *j = zt_xasprintf("%s %s", joined, w);
            free(joined);
            joined = j;
        }
        lowercase(joined);
        return TAKE_PTR(joined);
    case K_BOOL:
        lowercase(a);
        return zt_streq(a, "yes") || zt_streq(a, "no") ? zt_xstrdup(a) : NULL;
    case K_ROOT:
        lowercase(a);
        if (zt_streq(a, "without-password")) {
            return zt_xstrdup("prohibit-password");
        }
        if (zt_streq(a, "yes") || zt_streq(a, "no") || zt_streq(a, "prohibit-password") ||
            zt_streq(a, "forced-commands-only")) {
            return zt_xstrdup(a);
        }
        return NULL;
    }
    return NULL;
}

static void set_opt(struct zt_host_sshd_setting *s, char *value, const char *loc,
                    struct zt_host_sshd_scope scope)
{
    _cleanup_free_ char *v = value;

    if (!scope.in_match) {
        if (!s->value) {
            s->value = TAKE_PTR(v);
            s->source = zt_xstrdup(loc);
        }
    } else if (scope.match_all) {
        if (!s->match_all) {
            s->match_all = TAKE_PTR(v);
            s->match_source = zt_xstrdup(loc);
        }
    } else {
        zt_strv_push(&s->match_overrides, loc);
    }
}

static int do_include(struct zt_host_sshd *cfg, char *args, const char *loc,
                      struct zt_host_sshd_scope scope, unsigned depth)
{
    if (depth + 1 > ZT_HOST_INCLUDE_DEPTH) {
        snprintf(cfg->error, sizeof(cfg->error), "%s: too many nested Include directives", loc);
        return -ELOOP;
    }
    for (char *a; (a = next_arg(&args));) {
        _cleanup_free_ char *pattern =
            a[0] == '/' ? zt_xstrdup(a) : zt_xasprintf("%s/%s", SSHD_DIR, a);
        if (cfg->include) {
            int r = cfg->include(cfg, pattern, scope, depth + 1, cfg->userdata);
            if (r < 0) {
                return r;
            }
        }
    }
    return 0;
}

/* One line: "Keyword value", "Keyword=value" or "Keyword = value". */
static int parse_line(struct zt_host_sshd *cfg, char *line, const char *loc,
                      struct zt_host_sshd_scope *scope, unsigned depth)
{
    char *kw = line + strspn(line, " \t\r");
    size_t k = strcspn(kw, " \t\r=");
    char *args = kw + k;

    if (!*kw || *kw == '#') {
        return 0;
    }
    args += strspn(args, " \t\r");
    if (*args == '=') {
        args++;
    }
    kw[k] = '\0';
    lowercase(kw);
    if (zt_streq(kw, "match")) {
        _cleanup_free_ char *crit = zt_xstrdup(args);
        char *c = crit, *first = next_arg(&c);
        if (first) {
            lowercase(first);
        }
        /* "Match all" (and nothing else) applies to every connection. */
        *scope = (struct zt_host_sshd_scope){.in_match = true,
                                             .match_all = zt_streq(first, "all") && !next_arg(&c)};
        cfg->match_blocks++;
        return 0;
    }
    if (zt_streq(kw, "include")) {
        return do_include(cfg, args, loc, *scope, depth);
    }
    for (size_t i = 0; i < ZT_ELEMENTSOF(keywords); i++) {
        if (zt_streq(kw, keywords[i].keyword)) {
            enum zt_host_sshd_opt o = keywords[i].opt;
            char *v = normalise(o, args);
            if (!v) {
                snprintf(cfg->error, sizeof(cfg->error), "%s: invalid or missing value for %s", loc,
                         opts[o].name);
                return -EINVAL;
            }
            set_opt(&cfg->opt[o], v, loc, *scope);
            return 0;
        }
    }
    return 0; /* a keyword this probe does not need */
}

int zt_host_sshd_parse(struct zt_host_sshd *cfg, const char *text, const char *file,
                       struct zt_host_sshd_scope scope, unsigned depth)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line;
    unsigned lineno = 0;

    /* A Match block started in this file ends at its end (sshd restores the includer's state). */
    zt_strv_push(&cfg->files, file);
    while ((line = zt_host_next_line(&cursor))) {
        _cleanup_free_ char *loc = zt_host_location(file, ++lineno);
        int r = parse_line(cfg, line, loc, &scope, depth);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

void zt_host_sshd_clear(struct zt_host_sshd *cfg)
{
    for (size_t i = 0; i < _ZT_SSHD_OPT_MAX; i++) {
        struct zt_host_sshd_setting *s = &cfg->opt[i];
        free(s->value);
        free(s->source);
        free(s->match_all);
        free(s->match_source);
        zt_strv_clear(&s->match_overrides);
    }
    zt_strv_clear(&cfg->files);
}

static const char *effective(const struct zt_host_sshd *cfg, enum zt_host_sshd_opt o)
{
    const struct zt_host_sshd_setting *s = &cfg->opt[o];
    return s->match_all ? s->match_all : s->value ? s->value : opts[o].def;
}

static bool yes(const struct zt_host_sshd *cfg, enum zt_host_sshd_opt o)
{
    return zt_streq(effective(cfg, o), "yes");
}

/* Which authentication methods sshd would offer, by AuthenticationMethods name. */
struct methods {
    bool publickey, password, kbd, hostbased, gssapi;
};

static bool method_on(const struct methods *m, const char *name, bool *password_like)
{
    size_t n = strcspn(name, ":"); /* "keyboard-interactive:pam" names a submethod */
    *password_like = false;
    if (n == 9 && strncmp(name, "publickey", n) == 0) {
        return m->publickey;
    }
    if (n == 8 && strncmp(name, "password", n) == 0) {
        *password_like = true;
        return m->password;
    }
    if (n == 20 && strncmp(name, "keyboard-interactive", n) == 0) {
        *password_like = true;
        return m->kbd;
    }
    if (n == 9 && strncmp(name, "hostbased", n) == 0) {
        return m->hostbased;
    }
    if (n == 15 && strncmp(name, "gssapi-with-mic", n) == 0) {
        return m->gssapi;
    }
    return false;
}

/* Evaluate one comma-separated list; returns whether it can be satisfied. */
static bool eval_list(const struct methods *m, const char *list, bool *pubkey, bool *password_only,
                      unsigned *distinct)
{
    _cleanup_free_ char *copy = zt_xstrdup(list);
    char *save = NULL, *seen[8];
    bool ok = true;

    *pubkey = false;
    *password_only = true;
    *distinct = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bool pw;
        ok = method_on(m, t, &pw) && ok;
        *pubkey = *pubkey || strncmp(t, "publickey", 9) == 0;
        *password_only = *password_only && pw;
        bool dup = false;
        for (unsigned i = 0; i < *distinct; i++) {
            dup = dup || zt_streq(seen[i], t);
        }
        if (!dup && *distinct < ZT_ELEMENTSOF(seen)) {
            seen[(*distinct)++] = t;
        }
    }
    return ok;
}

static void eval_methods(const struct methods *m, const char *spec, struct zt_host_sshd_facts *f)
{
    static const char *const any = "publickey password keyboard-interactive hostbased "
                                   "gssapi-with-mic";
    _cleanup_free_ char *copy = zt_xstrdup(zt_streq(spec, "any") ? any : spec);
    char *cursor = copy;
    bool satisfiable = false, all_pubkey = true, all_multi = true;

    f->password_login = false;
    for (char *list; (list = zt_host_next_word(&cursor));) {
        bool pubkey, password_only;
        unsigned distinct;
        if (!eval_list(m, list, &pubkey, &password_only, &distinct)) {
            continue;
        }
        satisfiable = true;
        all_pubkey = all_pubkey && pubkey;
        all_multi = all_multi && distinct >= 2;
        f->password_login = f->password_login || password_only;
    }
    f->pubkey_required = satisfiable && all_pubkey;
    f->multi_factor_required = satisfiable && all_multi;
}

void zt_host_sshd_derive(const struct zt_host_sshd *cfg, struct zt_host_sshd_facts *f)
{
    *f = (struct zt_host_sshd_facts){0};
    f->password_authentication = yes(cfg, ZT_SSHD_PASSWORD_AUTH);
    f->kbd_interactive_authentication = yes(cfg, ZT_SSHD_KBD_INTERACTIVE);
    f->use_pam = yes(cfg, ZT_SSHD_USE_PAM);
    /* On Linux keyboard-interactive has no back end but PAM, whose stack asks for passwords. */
    f->kbd_interactive_password = f->kbd_interactive_authentication && f->use_pam;
    f->permit_root_login = effective(cfg, ZT_SSHD_PERMIT_ROOT_LOGIN);
    f->root_login_disabled = zt_streq(f->permit_root_login, "no");
    f->trusted_user_ca_keys = !zt_streq(effective(cfg, ZT_SSHD_TRUSTED_USER_CA_KEYS), "none");
    f->authentication_methods = effective(cfg, ZT_SSHD_AUTH_METHODS);

    struct methods m = {
        .publickey = yes(cfg, ZT_SSHD_PUBKEY_AUTH),
        .password = f->password_authentication,
        .kbd = f->kbd_interactive_password,
        .hostbased = yes(cfg, ZT_SSHD_HOSTBASED_AUTH),
        .gssapi = yes(cfg, ZT_SSHD_GSSAPI_AUTH),
    };
    eval_methods(&m, f->authentication_methods, f);
}

/* ---- fetch and emit ---- */

static int include_files(struct zt_host_sshd *cfg, const char *pattern,
                         struct zt_host_sshd_scope scope, unsigned depth, void *userdata)
{
    struct zt_host *h = userdata;
    _cleanup_(zt_strv_clear) struct zt_strv files = {0};
    int r = zt_host_glob(h, pattern, &files);

    for (size_t i = 0; r >= 0 && i < files.n; i++) {
        _cleanup_free_ char *text = NULL;
        if (cfg->files.n >= ZT_HOST_DIR_MAX) {
            /* Globs in every file multiply: bound the total work, not only the depth. */
            snprintf(cfg->error, sizeof(cfg->error), "%s: more than %u files included", pattern,
                     ZT_HOST_DIR_MAX);
            return -E2BIG;
        }
        r = zt_host_read(h, files.v[i], ZT_HOST_FILE_MAX, &text);
        if (r > 0) {
            r = zt_host_sshd_parse(cfg, text, files.v[i], scope, depth);
        }
    }
    return r < 0 ? r : 0;
}

/* Where the effective value of some options came from, for humans. */
static struct json_object *sources(const struct zt_host_sshd *cfg, const enum zt_host_sshd_opt *o,
                                   size_t n)
{
    struct json_object *d = json_object_new_object();

    for (size_t i = 0; i < n; i++) {
        const struct zt_host_sshd_setting *s = &cfg->opt[o[i]];
        struct json_object *e = json_object_new_object();
        json_object_object_add(e, "value", json_object_new_string(effective(cfg, o[i])));
        json_object_object_add(e, "source",
                               json_object_new_string(s->match_all ? s->match_source
                                                      : s->source  ? s->source
                                                                   : "default"));
        if (s->match_overrides.n > 0) {
            json_object_object_add(e, "match_overrides", zt_host_strv_json(&s->match_overrides));
        }
        json_object_object_add(d, opts[o[i]].name, e);
    }
    json_object_object_add(d, "match_blocks", json_object_new_int((int)cfg->match_blocks));
    return d;
}

#define SRC(cfg, ...)                                                                              \
    sources((cfg), (const enum zt_host_sshd_opt[]){__VA_ARGS__},                                   \
            sizeof((const enum zt_host_sshd_opt[]){__VA_ARGS__}) / sizeof(enum zt_host_sshd_opt))

static void emit_facts(struct zt_host *h, const struct zt_host_sshd *cfg)
{
    struct zt_host_sshd_facts f;
    const enum zt_host_sshd_opt all[] = {
        ZT_SSHD_PASSWORD_AUTH, ZT_SSHD_KBD_INTERACTIVE, ZT_SSHD_USE_PAM,    ZT_SSHD_PUBKEY_AUTH,
        ZT_SSHD_AUTH_METHODS,  ZT_SSHD_HOSTBASED_AUTH,  ZT_SSHD_GSSAPI_AUTH};

    zt_host_sshd_derive(cfg, &f);
    zt_host_emit_bool(h, "host.sshd.password_authentication", f.password_authentication,
                      SRC(cfg, ZT_SSHD_PASSWORD_AUTH));
    zt_host_emit_bool(h, "host.sshd.kbd_interactive_authentication",
                      f.kbd_interactive_authentication, SRC(cfg, ZT_SSHD_KBD_INTERACTIVE));
    zt_host_emit_bool(h, "host.sshd.use_pam", f.use_pam, SRC(cfg, ZT_SSHD_USE_PAM));
    zt_host_emit_bool(h, "host.sshd.kbd_interactive_password", f.kbd_interactive_password,
                      SRC(cfg, ZT_SSHD_KBD_INTERACTIVE, ZT_SSHD_USE_PAM));
    zt_host_emit_bool(h, "host.sshd.password_login", f.password_login,
                      sources(cfg, all, ZT_ELEMENTSOF(all)));
    zt_host_emit_bool(h, "host.sshd.pubkey_required", f.pubkey_required,
                      sources(cfg, all, ZT_ELEMENTSOF(all)));
    zt_host_emit_bool(h, "host.sshd.multi_factor_required", f.multi_factor_required,
                      sources(cfg, all, ZT_ELEMENTSOF(all)));
    zt_emit(h->ctx, "host.sshd.permit_root_login", json_object_new_string(f.permit_root_login),
            SRC(cfg, ZT_SSHD_PERMIT_ROOT_LOGIN));
    zt_host_emit_bool(h, "host.sshd.root_login_disabled", f.root_login_disabled,
                      SRC(cfg, ZT_SSHD_PERMIT_ROOT_LOGIN));
    zt_host_emit_bool(h, "host.sshd.trusted_user_ca_keys", f.trusted_user_ca_keys,
                      SRC(cfg, ZT_SSHD_TRUSTED_USER_CA_KEYS));
    zt_emit(h->ctx, "host.sshd.match_blocks", json_object_new_int64(cfg->match_blocks), NULL);
}

int zt_host_probe_sshd(struct zt_host *h)
{
    _cleanup_(zt_host_sshd_clear) struct zt_host_sshd cfg = {.include = include_files,
                                                             .userdata = h};
    _cleanup_free_ char *text = NULL;
    struct json_object *detail = json_object_new_object();
    int r = zt_host_read(h, SSHD_CONFIG, ZT_HOST_FILE_MAX, &text);
    int binary = r < 0 ? r : zt_host_exists(h, "/usr/sbin/sshd");

    if (binary < 0) {
        json_object_put(detail);
        return binary;
    }
    if (r > 0) {
        r = zt_host_sshd_parse(&cfg, text, SSHD_CONFIG, (struct zt_host_sshd_scope){0}, 0);
        if (r < 0) {
            json_object_put(detail);
            return cfg.error[0] ? zt_ctx_error(h->ctx, r, "%s", cfg.error) : r;
        }
    }
    json_object_object_add(detail, "binary", json_object_new_boolean(binary));
    json_object_object_add(detail, "files", zt_host_strv_json(&cfg.files));
    zt_host_emit_bool(h, "host.sshd.installed", cfg.files.n > 0 || binary, detail);
    if (cfg.files.n > 0 || binary) {
        emit_facts(h, &cfg);
    }
    return 0;
}
