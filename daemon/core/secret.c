/* secret.c - loading secrets from protected files or systemd credentials, wiped after use. */
#include "secret.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

void zt_secret_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void zt_secret_freep(char **s)
{
    zt_secret_free(*s);
}

/* Refuse files others could read or replace: the secret would be exposed or swapped. */
static int check_stat(const char *path, const struct stat *st, char *err, size_t errlen)
{
    if (!S_ISREG(st->st_mode)) {
        snprintf(err, errlen, "secret file %s is not a regular file", path);
        return -EINVAL;
    }
    if (st->st_uid != 0 && st->st_uid != geteuid()) {
        snprintf(err, errlen, "secret file %s is owned by uid %u, not root or the daemon (%u)",
                 path, (unsigned)st->st_uid, (unsigned)geteuid());
        return -EPERM;
    }
    if (st->st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, errlen,
                 "secret file %s has mode %04o: it must not be accessible to group or others "
                 "(chmod 0600)",
                 path, (unsigned)(st->st_mode & 07777));
        return -EPERM;
    }
    return 0;
}

static int read_fd(int fd, const char *path, size_t max_bytes, char *buf, size_t *len, char *err,
                   size_t errlen)
{
    size_t n = 0;

    for (;;) {
        /* pread: a preopened descriptor is read again from its start by every load. */
        ssize_t k = pread(fd, buf + n, max_bytes + 1 - n, (off_t)n);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            int r = -errno;
            snprintf(err, errlen, "cannot read secret file %s: %s", path, strerror(errno));
            return r;
        }
        if (k == 0) {
            break;
        }
        n += (size_t)k;
        if (n > max_bytes) {
            snprintf(err, errlen, "secret file %s is larger than %zu bytes", path, max_bytes);
            return -EFBIG;
        }
    }
    *len = n;
    return 0;
}

/* Paths opened before a privilege drop, and their descriptors (never closed: the process that
 * preopens is a scan half that exits after the scan). */
static struct {
    char *path;
    int fd;
} preopened[ZT_SECRET_PREOPEN_MAX];
static size_t n_preopened;

static int open_secret(const char *path)
{
    return open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
}

int zt_secret_preopen(const char *path)
{
    if (n_preopened == ZT_SECRET_PREOPEN_MAX) {
        return -ENOSPC;
    }
    for (size_t i = 0; i < n_preopened; i++) {
        if (zt_streq(preopened[i].path, path)) {
            return 0;
        }
    }
    int fd = open_secret(path);
    if (fd < 0) {
        return -errno;
    }
    preopened[n_preopened].path = zt_xstrdup(path);
    preopened[n_preopened++].fd = fd;
    return 0;
}

int zt_secret_adopt(const char *path, int fd)
{
    if (n_preopened == ZT_SECRET_PREOPEN_MAX || fd < 0) {
        return fd < 0 ? -EBADF : -ENOSPC;
    }
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        return -errno;
    }
    preopened[n_preopened].path = zt_xstrdup(path);
    preopened[n_preopened++].fd = fd;
    return 0;
}

int zt_secret_read_file(const char *path, size_t max_bytes, char **ret, char *err, size_t errlen)
{
    _cleanup_close_ int fd = -1;
    struct stat st;
    size_t len = 0;

    if (max_bytes == 0 || max_bytes > ZT_SECRET_MAX) {
        max_bytes = ZT_SECRET_MAX;
    }
    for (size_t i = 0; i < n_preopened && fd < 0; i++) {
        if (zt_streq(preopened[i].path, path)) {
            fd = fcntl(preopened[i].fd, F_DUPFD_CLOEXEC, 3);
        }
    }
    if (fd < 0) {
        fd = open_secret(path);
    }
    if (fd < 0) {
        int r = -errno;
        snprintf(err, errlen, "cannot open secret file %s: %s", path, strerror(errno));
        return r;
    }
    if (fstat(fd, &st) < 0) {
        int r = -errno;
        snprintf(err, errlen, "cannot stat secret file %s: %s", path, strerror(errno));
        return r;
    }
    int r = check_stat(path, &st, err, errlen);
    if (r < 0) {
        return r;
    }
    char *buf = zt_xmalloc(max_bytes + 2);
    r = read_fd(fd, path, max_bytes, buf, &len, err, errlen);
    if (r < 0) {
        explicit_bzero(buf, max_bytes + 2);
        free(buf);
        return r;
    }
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
        buf[--len] = '\0';
    }
    buf[len] = '\0';
    if (len == 0 || memchr(buf, '\0', len)) {
        explicit_bzero(buf, max_bytes + 2);
        free(buf);
        snprintf(err, errlen, "secret file %s is empty or contains NUL bytes", path);
        return -EINVAL;
    }
    *ret = buf;
    return 0;
}

static bool credential_name_ok(const char *name)
{
    return name[0] && !strchr(name, '/') && !zt_streq(name, ".") && !zt_streq(name, "..");
}

int zt_secret_read_credential(const char *name, size_t max_bytes, char **ret, char *err,
                              size_t errlen)
{
    const char *dir = getenv("CREDENTIALS_DIRECTORY");

    if (!credential_name_ok(name)) {
        snprintf(err, errlen, "invalid credential name '%.64s'", name);
        return -EINVAL;
    }
    if (!dir || dir[0] != '/') {
        snprintf(err, errlen,
                 "credential '%s' requested but $CREDENTIALS_DIRECTORY is not set "
                 "(add LoadCredential=%s:... to the unit)",
                 name, name);
        return -ENOENT;
    }
    _cleanup_free_ char *path = zt_xasprintf("%s/%s", dir, name);
    return zt_secret_read_file(path, max_bytes, ret, err, errlen);
}

int zt_secret_load(const char *file, const char *credential, char **ret, char *err, size_t errlen)
{
    if (file && file[0]) {
        return zt_secret_read_file(file, 0, ret, err, errlen);
    }
    if (credential && credential[0]) {
        return zt_secret_read_credential(credential, 0, ret, err, errlen);
    }
    snprintf(err, errlen, "no secret configured (set a *_file or credential option)");
    return -ENOKEY;
}
