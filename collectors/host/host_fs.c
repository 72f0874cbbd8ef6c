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

int zt_host_init(struct zt_host *h, const char *root, struct zt_ctx *ctx)
{
    *h = (struct zt_host){.root = root, .ctx = ctx, .root_fd = -1};
    int fd = zt_rootfs_open(root);
    if (fd < 0) {
        return zt_ctx_error(ctx, fd, "cannot open the root %s: %s", root, strerror(-fd));
    }
    h->root_fd = fd;
    return 0;
}

/* The problem of a file that could not be read, in words a reader of the result understands. */
static int read_problem(struct zt_host *h, const char *path, size_t max, int r)
{
    struct stat st;

    switch (r) {
    case -EBADFD:
        return zt_ctx_error(h->ctx, -EBADFD, "cannot read %s: it is a %s, not a regular file", path,
                            zt_rootfs_stat(h->root_fd, path, true, &st) == 0
                                ? zt_rootfs_type_name(st.st_mode)
                                : "special file");
    case -EFBIG:
        return zt_ctx_error(h->ctx, r, "cannot read %s: larger than %zu bytes, the limit per file",
                            path, max);
    case -EAGAIN:
        return zt_ctx_error(h->ctx, r, "cannot read %s: reading it would block", path);
    default:
        return zt_ctx_error(h->ctx, r, "cannot read %s: %s", path, strerror(-r));
    }
}

/* A missing file is a fact, unless the path is a symbolic link to nothing (or to a path outside
 * the tree, which resolves inside it): a broken configuration, not an absent one. */
static int missing_or_dangling(struct zt_host *h, const char *path)
{
    char target[256];
    int n = zt_rootfs_readlink(h->root_fd, path, target, sizeof(target));

    if (n < 0) {
        return 0;
    }
    bool real_root = h->root[strspn(h->root, "/")] == '\0';
    return zt_ctx_error(h->ctx, -ENOENT, "cannot read %s: dangling symbolic link to %s%s%s%s", path,
                        target, real_root ? "" : " (links resolve inside ",
                        real_root ? "" : h->root, real_root ? "" : ")");
}

int zt_host_read(struct zt_host *h, const char *path, size_t max, char **ret)
{
    return zt_host_read_len(h, path, max, ret, NULL);
}

int zt_host_read_len(struct zt_host *h, const char *path, size_t max, char **ret, size_t *len)
{
    int r = zt_rootfs_read(h->root_fd, path, max, 0, ret, len);
    if (r >= 0) {
        return 1;
    }
    if (missing(r)) {
        return missing_or_dangling(h, path);
    }
    return read_problem(h, path, max, r);
}

int zt_host_exists(struct zt_host *h, const char *path)
{
    struct stat st;
    int r = zt_rootfs_stat(h->root_fd, path, false, &st);

    if (r >= 0) {
        return 1;
    }
    if (missing(r)) {
        return 0;
    }
    return zt_ctx_error(h->ctx, r, "cannot access %s: %s", path, strerror(-r));
}

int zt_host_readlink(struct zt_host *h, const char *path, char *buf, size_t len)
{
    return zt_rootfs_readlink(h->root_fd, path, buf, len);
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

static bool is_subdir(struct zt_host *h, const char *dir, const struct dirent *de)
{
    if (de->d_type == DT_DIR) {
        return true;
    }
    if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK) {
        return false;
    }
    _cleanup_free_ char *p = zt_xasprintf("%s/%s", dir, de->d_name);
    struct stat st;
    return zt_rootfs_stat(h->root_fd, p, true, &st) >= 0 && S_ISDIR(st.st_mode);
}

static void closedirp(DIR **d)
{
    if (*d) {
        closedir(*d);
    }
}

/* A directory that cannot be listed: missing (a fact) when nothing is there, else a problem. */
static int list_problem(struct zt_host *h, const char *dir, int r)
{
    struct stat st;

    if (r == -ENOTDIR && zt_rootfs_stat(h->root_fd, dir, true, &st) == 0) {
        return zt_ctx_error(h->ctx, r, "cannot list %s: it is a %s, not a directory", dir,
                            zt_rootfs_type_name(st.st_mode));
    }
    if (missing(r)) {
        return 0;
    }
    return zt_ctx_error(h->ctx, r, "cannot list %s: %s", dir, strerror(-r));
}

int zt_host_list_dir(struct zt_host *h, const char *dir, bool dirs, struct zt_strv *ret)
{
    _cleanup_(closedirp) DIR *d = NULL;
    struct zt_strv names = {0};
    struct dirent *de;
    int r = zt_rootfs_opendir(h->root_fd, dir, &d);

    if (r < 0) {
        return list_problem(h, dir, r);
    }
    while ((de = readdir(d)) && names.n < ZT_HOST_DIR_MAX) {
        if (zt_streq(de->d_name, ".") || zt_streq(de->d_name, "..") ||
            (!dirs && is_subdir(h, dir, de))) {
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

/* glob(3) walks the tree through these (GLOB_ALTDIRFUNC), so that a pattern resolves inside the
 * root as a file does. glob offers no user pointer: the root and the error of the walk are kept
 * in thread-locals (each collector runs on a thread of its own). */
static _Thread_local int glob_root_fd = -1;
static _Thread_local int glob_errno;

static int glob_err(const char *path, int err)
{
    if (err == ENOENT || err == ENOTDIR) {
        return 0;
    }
    glob_errno = err;
    return 1;
}

static void *glob_opendir(const char *path)
{
    DIR *d = NULL;
    int r = zt_rootfs_opendir(glob_root_fd, path, &d);
    if (r < 0) {
        errno = -r;
        return NULL;
    }
    return d;
}

static struct dirent *glob_readdir(void *d)
{
    return readdir(d);
}

static void glob_closedir(void *d)
{
    closedir(d);
}

static int glob_stat_in_root(const char *path, struct stat *st, bool follow)
{
    int r = zt_rootfs_stat(glob_root_fd, path, follow, st);
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return 0;
}

static int glob_lstat(const char *path, struct stat *st)
{
    return glob_stat_in_root(path, st, false);
}

static int glob_stat(const char *path, struct stat *st)
{
    return glob_stat_in_root(path, st, true);
}

static void globfreep(glob_t *g)
{
    globfree(g);
}

int zt_host_glob(struct zt_host *h, const char *pattern, struct zt_strv *ret)
{
    _cleanup_(globfreep) glob_t g = {
        .gl_closedir = glob_closedir,
        .gl_readdir = glob_readdir,
        .gl_opendir = glob_opendir,
        .gl_lstat = glob_lstat,
        .gl_stat = glob_stat,
    };

    if (pattern[0] != '/') {
        return zt_ctx_error(h->ctx, -EINVAL, "cannot expand %s: not an absolute path", pattern);
    }
    glob_root_fd = h->root_fd;
    glob_errno = 0;
    int r = glob(pattern, GLOB_ALTDIRFUNC, glob_err, &g);
    glob_root_fd = -1;
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
        zt_strv_push(ret, g.gl_pathv[i]);
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
