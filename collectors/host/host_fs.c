/* host_fs.c - the host collector's window on the filesystem: every read goes under `root`,
 * "missing" is a fact while "unreadable" is a problem recorded once, here. */
#include "host.h"

#include <dirent.h>
#include <glob.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

static bool missing(int r)
{
    return r == -ENOENT || r == -ENOTDIR;
}

int zt_host_read(struct zt_host *h, const char *path, size_t max, char **ret)
{
    return zt_host_read_len(h, path, max, ret, NULL);
}

int zt_host_read_len(struct zt_host *h, const char *path, size_t max, char **ret, size_t *len)
{
    int r = zt_read_file_at(h->root, path, max, ret, len);
    if (r >= 0) {
        return 1;
    }
    if (missing(r)) {
        return 0;
    }
    return zt_ctx_error(h->ctx, r, "cannot read %s: %s", path, strerror(-r));
}

int zt_host_exists(struct zt_host *h, const char *path)
{
    _cleanup_free_ char *full = zt_path_join(h->root, path);
    struct stat st;

    if (lstat(full, &st) >= 0) {
        return 1;
    }
    int r = -errno;
    if (missing(r)) {
        return 0;
    }
    return zt_ctx_error(h->ctx, r, "cannot access %s: %s", path, strerror(-r));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void zt_host_strv_sort(struct zt_strv *sv)
{
    if (sv->n > 1) {
        qsort(sv->v, sv->n, sizeof(char *), cmp_str);
    }
}

static bool is_subdir(const char *dirpath, const struct dirent *de)
{
    if (de->d_type == DT_DIR) {
        return true;
    }
    if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK) {
        return false;
    }
    _cleanup_free_ char *p = zt_xasprintf("%s/%s", dirpath, de->d_name);
    struct stat st;
    return stat(p, &st) >= 0 && S_ISDIR(st.st_mode);
}

static void closedirp(DIR **d)
{
    if (*d) {
        closedir(*d);
    }
}

int zt_host_list_dir(struct zt_host *h, const char *dir, bool dirs, struct zt_strv *ret)
{
    _cleanup_free_ char *full = zt_path_join(h->root, dir);
    _cleanup_(closedirp) DIR *d = opendir(full);
    struct zt_strv names = {0};
    struct dirent *de;

    if (!d) {
        int r = -errno;
        if (missing(r)) {
            return 0;
        }
        return zt_ctx_error(h->ctx, r, "cannot list %s: %s", dir, strerror(-r));
    }
    while ((de = readdir(d)) && names.n < ZT_HOST_DIR_MAX) {
        if (zt_streq(de->d_name, ".") || zt_streq(de->d_name, "..") ||
            (!dirs && is_subdir(full, de))) {
            continue;
        }
        zt_strv_push(&names, de->d_name);
    }
    if (de) {
        zt_ctx_log(h->ctx, LOG_WARNING, "%s: more than %u entries, the rest ignored", dir,
                   ZT_HOST_DIR_MAX);
    }
    zt_host_strv_sort(&names);
    for (size_t i = 0; i < names.n; i++) {
        zt_strv_push(ret, names.v[i]);
    }
    zt_strv_clear(&names);
    return 1;
}

/* glob(3) error callback: a directory that does not exist is no error; others abort. The
 * errno is kept in a thread-local because glob offers no user pointer. */
static _Thread_local int glob_errno;

static int glob_err(const char *path, int err)
{
    if (err == ENOENT || err == ENOTDIR) {
        return 0;
    }
    glob_errno = err;
    return 1;
}

/* Escape glob metacharacters of the root part so only the pattern part is a pattern. */
static char *glob_escape(const char *s)
{
    char *out = zt_xmalloc(strlen(s) * 2 + 1), *o = out;
    for (; *s; s++) {
        if (strchr("*?[]\\", *s)) {
            *o++ = '\\';
        }
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

static void globfreep(glob_t *g)
{
    globfree(g);
}

int zt_host_glob(struct zt_host *h, const char *pattern, struct zt_strv *ret)
{
    _cleanup_free_ char *eroot = glob_escape(h->root);
    _cleanup_free_ char *full = zt_path_join(eroot, pattern);
    _cleanup_(globfreep) glob_t g = {0};
    size_t rootlen = strlen(h->root);

    while (rootlen > 0 && h->root[rootlen - 1] == '/') {
        rootlen--;
    }
    glob_errno = 0;
    int r = glob(full, 0, glob_err, &g);
    if (r == GLOB_NOMATCH) {
        return 0;
    }
    if (r == GLOB_ABORTED) {
        return zt_ctx_error(h->ctx, -glob_errno, "cannot read %s: %s", pattern,
                            strerror(glob_errno));
    }
    if (r != 0) {
        return zt_ctx_error(h->ctx, -ENOMEM, "cannot expand %s", pattern);
    }
    for (size_t i = 0; i < g.gl_pathc && i < ZT_HOST_DIR_MAX; i++) {
        zt_strv_push(ret, g.gl_pathv[i] + rootlen);
    }
    return 0;
}

int zt_host_unit_enabled(struct zt_host *h, const char *unit)
{
    static const char *const dirs[] = {"wants", "requires"};

    for (size_t i = 0; i < ZT_ELEMENTSOF(dirs); i++) {
        _cleanup_free_ char *pat = zt_xasprintf("/etc/systemd/system/*.%s/%s", dirs[i], unit);
        struct zt_strv found = {0};
        int r = zt_host_glob(h, pat, &found);
        size_t n = found.n;
        zt_strv_clear(&found);
        if (r < 0) {
            return r;
        }
        if (n > 0) {
            return 1;
        }
    }
    return 0;
}

char *zt_host_next_line(char **cursor)
{
    char *line = *cursor;
    if (!line || !*line) {
        return NULL;
    }
    char *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *cursor = nl + 1;
    } else {
        *cursor = line + strlen(line);
    }
    return line;
}

char *zt_host_next_logical_line(char **cursor, unsigned *lineno)
{
    char *line = zt_host_next_line(cursor);
    size_t len;

    if (!line) {
        return NULL;
    }
    (*lineno)++;
    /* The next line starts right after this one's NUL: move it back over the backslash. */
    while ((len = strlen(line)) > 0 && line[len - 1] == '\\' && **cursor) {
        char *next = zt_host_next_line(cursor);
        line[len - 1] = ' ';
        memmove(line + len, next, strlen(next) + 1);
        (*lineno)++;
    }
    return line;
}

char *zt_host_next_word(char **cursor)
{
    char *p = *cursor;
    p += strspn(p, " \t\r\n");
    if (!*p) {
        *cursor = p;
        return NULL;
    }
    char *end = p + strcspn(p, " \t\r\n");
    if (*end) {
        *end++ = '\0';
    }
    *cursor = end;
    return p;
}

char *zt_host_location(const char *path, unsigned line)
{
    return zt_xasprintf("%s:%u", path, line);
}

struct json_object *zt_host_strv_json(const struct zt_strv *sv)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < sv->n; i++) {
        json_object_array_add(a, json_object_new_string(sv->v[i]));
    }
    return a;
}

void zt_host_strv_add_unique(struct zt_strv *sv, const char *s)
{
    if (!zt_strv_contains(sv, s)) {
        zt_strv_push(sv, s);
    }
}

int zt_host_emit_bool(struct zt_host *h, const char *key, bool value, struct json_object *detail)
{
    return zt_emit(h->ctx, key, json_object_new_boolean(value), detail);
}
