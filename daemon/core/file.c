/* file.c - writing a file atomically: a temporary file beside it, fsync, rename, fsync of the
 * directory. The state directory, the metrics file and the outbox's cursors use it. */
#include "file.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "util.h"

static int write_and_sync(int fd, const char *data, size_t len, bool sync)
{
    int r = zt_write_all(fd, data, len);
    if (r < 0) {
        return r;
    }
    return sync && fsync(fd) < 0 ? -errno : 0;
}

/* mode < 0: 0640 as the umask leaves it (state files); else exactly mode. */
static int write_atomic(int dir_fd, const char *name, const char *data, size_t len, int mode,
                        bool sync)
{
    static unsigned counter; /* several export threads write cursors at once */
    char tmp[256];

    if (snprintf(tmp, sizeof(tmp), ".%s.tmp-%d-%u", name, (int)getpid(),
                 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED)) >= (int)sizeof(tmp)) {
        return -ENAMETOOLONG;
    }
    int fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        return -errno;
    }
    int r = mode >= 0 && fchmod(fd, (mode_t)mode) < 0 ? -errno : 0;
    if (r == 0) {
        r = write_and_sync(fd, data, len, sync);
    }
    if (close(fd) < 0 && r == 0) {
        r = -errno;
    }
    if (r == 0 && renameat(dir_fd, tmp, dir_fd, name) < 0) {
        r = -errno;
    }
    if (r < 0) {
        unlinkat(dir_fd, tmp, 0);
        return r;
    }
    /* The rename is durable only once the directory entry is. */
    return sync && fsync(dir_fd) < 0 ? -errno : 0;
}

int zt_write_atomic(int dir_fd, const char *name, const char *data, size_t len)
{
    return write_atomic(dir_fd, name, data, len, -1, true);
}

int zt_write_atomic_mode(int dir_fd, const char *name, const char *data, size_t len, mode_t mode)
{
    return write_atomic(dir_fd, name, data, len, (int)(mode & 07777), true);
}

int zt_write_atomic_nosync(int dir_fd, const char *name, const char *data, size_t len)
{
    return write_atomic(dir_fd, name, data, len, -1, false);
}
