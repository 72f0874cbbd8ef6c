/* host_sudo.c - passwordless privilege escalation in sudoers: user specifications tagged
 * NOPASSWD and Defaults that turn authentication off, across #include/@include and
 * #includedir/@includedir as sudo reads them. */
#include "host.h"

#include <ctype.h>
#include <json-c/json.h>
#include <libgen.h>
#include <string.h>

#define SUDOERS "/etc/sudoers"

bool zt_host_sudo_includedir_name_ok(const char *name)
{
    return *name && !strchr(name, '.') && !zt_endswith(name, "~");
}

/* Cut a comment: '#' outside quotes, unless it introduces a numeric id ("#1000", "(#0)"). */
static void strip_comment(char *line)
{
    bool quoted = false;

    for (char *p = line; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
        } else if (*p == '"') {
            quoted = !quoted;
        } else if (*p == '#' && !quoted && !isdigit((unsigned char)p[1])) {
            *p = '\0';
            return;
        }
    }
}

/* "@include x", "#includedir x": returns the path argument and sets *dir, or NULL. */
static char *include_directive(char *line, bool *dir)
{
    static const struct {
        const char *word;
        bool dir;
    } directives[] = {
        {"@includedir", true}, {"#includedir", true}, {"@include", false}, {"#include", false}};

    for (size_t i = 0; i < ZT_ELEMENTSOF(directives); i++) {
        size_t n = strlen(directives[i].word);
        if (strncmp(line, directives[i].word, n) == 0 && isspace((unsigned char)line[n])) {
            char *path = zt_strstrip(line + n);
            size_t len = strlen(path);
            if (len >= 2 && path[0] == '"' && path[len - 1] == '"') {
                path[len - 1] = '\0';
                path++;
            }
            *dir = directives[i].dir;
            return *path ? path : NULL;
        }
    }
    return NULL;
}

static bool has_not_authenticate(const char *s)
{
    for (const char *p = strchr(s, '!'); p; p = strchr(p + 1, '!')) {
        const char *q = p + 1 + strspn(p + 1, " \t");
        if (strncmp(q, "authenticate", 12) == 0 && !isalnum((unsigned char)q[12]) && q[12] != '_') {
            return true;
        }
    }
    return false;
}

static bool has_nopasswd(const char *s)
{
    for (const char *p = strstr(s, "NOPASSWD"); p; p = strstr(p + 1, "NOPASSWD")) {
        const char *q = p + 8 + strspn(p + 8, " \t");
        if (*q == ':' && (p == s || !isalnum((unsigned char)p[-1]))) {
            return true;
        }
    }
    return false;
}

static bool is_defaults(const char *line)
{
    return zt_startswith(line, "Defaults") && strchr(" \t:@!>", line[8]) != NULL;
}

static bool is_alias(const char *line)
{
    static const char *const aliases[] = {"User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias",
                                          "Cmd_Alias"};
    for (size_t i = 0; i < ZT_ELEMENTSOF(aliases); i++) {
        size_t n = strlen(aliases[i]);
        if (strncmp(line, aliases[i], n) == 0 && isspace((unsigned char)line[n])) {
            return true;
        }
    }
    return false;
}

static void parse_logical_line(struct zt_host_sudoers *acc, char *line, const char *file,
                               unsigned lineno)
{
    bool dir = false;
    char *l = zt_strstrip(line);
    char *inc = include_directive(l, &dir);

    if (inc) {
        _cleanup_free_ char *fcopy = zt_xstrdup(file);
        _cleanup_free_ char *abs =
            inc[0] == '/' ? zt_xstrdup(inc) : zt_xasprintf("%s/%s", dirname(fcopy), inc);
        _cleanup_free_ char *entry = zt_xasprintf("%c%s", dir ? 'D' : 'F', abs);
        zt_strv_push(&acc->includes, entry);
        return;
    }
    strip_comment(l);
    l = zt_strstrip(l);
    if (!*l || is_alias(l)) {
        return;
    }
    _cleanup_free_ char *loc = zt_host_location(file, lineno);
    if (is_defaults(l)) {
        if (has_not_authenticate(l + 8)) {
            zt_strv_push(&acc->no_authenticate, loc);
        }
    } else if (has_nopasswd(l)) {
        zt_strv_push(&acc->nopasswd, loc);
    }
}

void zt_host_sudoers_parse(struct zt_host_sudoers *acc, const char *text, const char *file)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line;
    unsigned lineno = 0;

    for (unsigned first = 1; (line = zt_host_next_logical_line(&cursor, &lineno));
         first = lineno + 1) {
        parse_logical_line(acc, line, file, first);
    }
}

void zt_host_sudoers_clear(struct zt_host_sudoers *acc)
{
    zt_strv_clear(&acc->nopasswd);
    zt_strv_clear(&acc->no_authenticate);
    zt_strv_clear(&acc->includes);
}

/* ---- fetch ---- */

/* Read and parse one file unless seen already (include loops). Returns 0 or a negative errno. */
static int parse_file(struct zt_host *h, struct zt_host_sudoers *acc, struct zt_strv *files,
                      struct zt_strv *missing, const char *path)
{
    _cleanup_free_ char *text = NULL;

    if (zt_strv_contains(files, path) || files->n >= ZT_HOST_DIR_MAX) {
        return 0;
    }
    int r = zt_host_read(h, path, ZT_HOST_FILE_MAX, &text);
    if (r < 0) {
        return r;
    }
    if (r == 0) {
        zt_host_strv_add_unique(missing, path);
        return 0;
    }
    zt_strv_push(files, path);
    zt_host_sudoers_parse(acc, text, path);
    return 0;
}

static int parse_dir(struct zt_host *h, struct zt_host_sudoers *acc, struct zt_strv *files,
                     struct zt_strv *missing, const char *dir)
{
    _cleanup_(zt_strv_clear) struct zt_strv names = {0};
    int r = zt_host_list_dir(h, dir, false, &names);

    for (size_t i = 0; r > 0 && i < names.n; i++) {
        if (zt_host_sudo_includedir_name_ok(names.v[i])) {
            _cleanup_free_ char *path = zt_xasprintf("%s/%s", dir, names.v[i]);
            int k = parse_file(h, acc, files, missing, path);
            if (k < 0) {
                return k;
            }
        }
    }
    return r < 0 ? r : 0;
}

static void emit(struct zt_host *h, const struct zt_host_sudoers *acc, const struct zt_strv *files,
                 const struct zt_strv *missing)
{
    struct json_object *d = json_object_new_object();
    struct json_object *dn = json_object_new_object();
    struct json_object *da = json_object_new_object();

    json_object_object_add(d, "files", zt_host_strv_json(files));
    json_object_object_add(d, "missing_includes", zt_host_strv_json(missing));
    zt_host_emit_bool(h, "host.sudo.installed", true, d);
    json_object_object_add(dn, "lines", zt_host_strv_json(&acc->nopasswd));
    zt_emit(h->ctx, "host.sudo.nopasswd_rules", json_object_new_int64((int64_t)acc->nopasswd.n),
            dn);
    json_object_object_add(da, "lines", zt_host_strv_json(&acc->no_authenticate));
    zt_emit(h->ctx, "host.sudo.no_authenticate_defaults",
            json_object_new_int64((int64_t)acc->no_authenticate.n), da);
    zt_host_emit_bool(h, "host.sudo.passwordless", acc->nopasswd.n + acc->no_authenticate.n > 0,
                      NULL);
}

int zt_host_probe_sudo(struct zt_host *h)
{
    _cleanup_(zt_host_sudoers_clear) struct zt_host_sudoers acc = {0};
    _cleanup_(zt_strv_clear) struct zt_strv files = {0}, missing = {0};
    int r = parse_file(h, &acc, &files, &missing, SUDOERS);

    if (r < 0) {
        return r;
    }
    if (files.n == 0) {
        /* No sudoers: sudo lets nobody in. Installed means the binary is there. */
        int binary = zt_host_exists(h, "/usr/bin/sudo");
        if (binary < 0) {
            return binary;
        }
        zt_host_emit_bool(h, "host.sudo.installed", binary, NULL);
        if (binary) {
            zt_emit(h->ctx, "host.sudo.nopasswd_rules", json_object_new_int64(0), NULL);
            zt_emit(h->ctx, "host.sudo.no_authenticate_defaults", json_object_new_int64(0), NULL);
            zt_host_emit_bool(h, "host.sudo.passwordless", false, NULL);
        }
        return 0;
    }
    /* includes grows while it is processed: breadth first, bounded by the file cap. */
    for (size_t i = 0; i < acc.includes.n; i++) {
        const char *inc = acc.includes.v[i];
        r = inc[0] == 'D' ? parse_dir(h, &acc, &files, &missing, inc + 1)
                          : parse_file(h, &acc, &files, &missing, inc + 1);
        if (r < 0) {
            return r;
        }
    }
    emit(h, &acc, &files, &missing);
    return 0;
}
