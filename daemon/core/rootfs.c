/* rootfs.c - reading a host tree under a root directory: openat2(RESOLVE_IN_ROOT) so that links
 * cannot leave the tree, O_PATH plus fstat() before any real open so that a FIFO, socket or
 * device node is refused without blocking (and without calling a driver's open()), and bounded
 * reads. Every host collector read goes through here. */
#include "rootfs.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "util.h"

/* openat2() attempts on EAGAIN before the error is reported (see zt_rootfs_openat). */
#define ZT_ROOTFS_EAGAIN_TRIES 128

int zt_rootfs_open(const char *root)
{
    int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int zt_rootfs_openat(int root_fd, const char *path, int flags)
{
    while (*path == '/') {
        path++;
    }
    if (!*path) {
        path = ".";
    }
    struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int fd;
    /* A ".." resolved in a scoped lookup fails with EAGAIN when any rename or mount happened on
     * the machine meanwhile (openat2(2): "the caller may choose to retry"). A busy machine does
     * that often enough that one try made a link like sys/dev/block/8:1 -> ../../block/sda/sda1
     * unreadable now and then. The race is the kernel's, not an attack: retry, bounded. */
    for (unsigned tries = 0;; tries++) {
        fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        if (fd >= 0 || errno != EAGAIN || tries == ZT_ROOTFS_EAGAIN_TRIES) {
            break;
        }
    }
    if (fd < 0 && errno == ENOSYS) {
        /* Kernels before 5.6: links resolve as the kernel sees them, and may leave the tree. */
        fd = openat(root_fd, path, flags | O_CLOEXEC);
    }
    return fd < 0 ? -errno : fd;
}

int zt_rootfs_stat(int root_fd, const char *path, bool follow, struct stat *ret)
{
    _cleanup_close_ int fd = zt_rootfs_openat(root_fd, path, O_PATH | (follow ? 0 : O_NOFOLLOW));

    if (fd < 0) {
        return fd;
    }
    return fstat(fd, ret) < 0 ? -errno : 0;
}

int zt_rootfs_readlink(int root_fd, const char *path, char *buf, size_t len)
{
    _cleanup_close_ int fd = zt_rootfs_openat(root_fd, path, O_PATH | O_NOFOLLOW);

    if (fd < 0) {
        return fd;
    }
    ssize_t n = readlinkat(fd, "", buf, len - 1);
    if (n < 0) {
        return errno == ENOENT ? -EINVAL : -errno; /* "": the fd is not a link */
    }
    buf[n] = '\0';
    return (int)n;
}

int zt_rootfs_opendir(int root_fd, const char *path, DIR **ret)
{
    int fd = zt_rootfs_openat(root_fd, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK);

    if (fd < 0) {
        return fd;
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        int r = -errno;
        close(fd);
        return r;
    }
    *ret = d;
    return 0;
}

/* Open for reading the inode that the O_PATH descriptor pfd (a regular file) refers to. Through
 * /proc/self/fd this is that inode whatever happens to the path meanwhile; without /proc the path
 * is opened again and must still name the same file. */
static int reopen(int root_fd, const char *path, int pfd, const struct stat *st)
{
    char proc[64];
    const int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
    int fd = open(proc, flags);
    if (fd >= 0 || errno != ENOENT) {
        return fd < 0 ? -errno : fd;
    }
    _cleanup_close_ int again = zt_rootfs_openat(root_fd, path, O_PATH);
    struct stat st2;
    if (again < 0) {
        return again;
    }
    if (fstat(again, &st2) < 0) {
        return -errno;
    }
    if (st2.st_dev != st->st_dev || st2.st_ino != st->st_ino) {
        return -ESTALE; /* replaced while being opened */
    }
    fd = zt_rootfs_openat(root_fd, path, flags);
    if (fd < 0) {
        return fd;
    }
    if (fstat(fd, &st2) < 0 || st2.st_dev != st->st_dev || st2.st_ino != st->st_ino) {
        close(fd);
        return -ESTALE;
    }
    return fd;
}

int zt_rootfs_read(int root_fd, const char *path, size_t max, unsigned flags, char **ret,
                   size_t *len)
{
    _cleanup_close_ int pfd = zt_rootfs_openat(root_fd, path, O_PATH);
    struct stat st;

    if (pfd < 0) {
        return pfd;
    }
    if (fstat(pfd, &st) < 0) {
        return -errno;
    }
    if (S_ISDIR(st.st_mode)) {
        return -EISDIR;
    }
    if (!S_ISREG(st.st_mode)) {
        return -EBADFD; /* FIFO, socket, character or block device: never opened */
    }
    bool head = flags & ZT_ROOTFS_HEAD;
    if (!head && (uint64_t)st.st_size > max) {
        return -EFBIG;
    }
    _cleanup_close_ int fd = reopen(root_fd, path, pfd, &st);
    if (fd < 0) {
        return fd;
    }
    return zt_read_fd(fd, max, head, ret, len);
}

const char *zt_rootfs_type_name(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG:
        return "regular file";
    case S_IFDIR:
        return "directory";
    case S_IFLNK:
        return "symbolic link";
    case S_IFIFO:
        return "FIFO";
    case S_IFSOCK:
        return "socket";
    case S_IFCHR:
        return "character device";
    case S_IFBLK:
        return "block device";
    default:
        return "file of unknown type";
    }
}

int zt_read_file_at(const char *root, const char *path, size_t max_bytes, char **ret, size_t *len)
{
    _cleanup_close_ int root_fd = zt_rootfs_open(root);

    if (root_fd < 0) {
        return root_fd;
    }
    return zt_rootfs_read(root_fd, path, max_bytes, 0, ret, len);
}
