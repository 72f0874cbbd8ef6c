/* rootfs.h - reading a host tree under a root directory ("/" or a mounted image or fake tree):
 * every path resolves inside the root, nothing but regular files is read, nothing blocks. */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Read flags. */
enum {
    /* Hand out the first max bytes of a larger file instead of failing with -EFBIG (a process's
     * cmdline: argv[0] is all that is needed). */
    ZT_ROOTFS_HEAD = 1u << 0,
};

/* Open root (a directory) for the calls below. Returns an O_PATH descriptor or a negative errno;
 * the caller closes it. */
int zt_rootfs_open(const char *root);

/* Open path (absolute or not, taken relative to the root) with flags (O_PATH, O_NOFOLLOW,
 * O_DIRECTORY, O_RDONLY...; O_CLOEXEC is added). Every symbolic link resolves as if root_fd were
 * "/": an absolute or ".." target cannot leave the tree, a loop fails with -ELOOP, and magic
 * links of /proc are not followed. Returns a descriptor or a negative errno. */
int zt_rootfs_openat(int root_fd, const char *path, int flags);

/* stat(2) of path under the root, following a final symbolic link only if follow is true.
 * Returns 0 or a negative errno. */
int zt_rootfs_stat(int root_fd, const char *path, bool follow, struct stat *ret);

/* The target of the symbolic link path (not resolved) into buf, NUL-terminated and cut to
 * len - 1 bytes. Returns its length or a negative errno (-EINVAL: not a link). */
int zt_rootfs_readlink(int root_fd, const char *path, char *buf, size_t len);

/* Open directory path under the root for readdir(3). Returns 0 and *ret (closedir() it) or a
 * negative errno. */
int zt_rootfs_opendir(int root_fd, const char *path, DIR **ret);

/* The one reader of files under a root. Resolves path with zt_rootfs_openat() as O_PATH (which
 * neither blocks on a FIFO nor calls a device driver's open), checks with fstat() that it is a
 * regular file (-EISDIR for a directory, -EBADFD for a FIFO, socket or device node) of at most
 * max bytes (-EFBIG, unless ZT_ROOTFS_HEAD), then reopens that very inode O_NONBLOCK (a
 * regular-looking kernel file that would wait, such as /proc/kmsg, fails with -EAGAIN) and reads
 * it into a NUL-terminated buffer. /proc and /sys files, whose size reads as 0, are read to EOF
 * within max. Returns 0 and hands out the buffer through *ret (and its length through *len if
 * non-NULL), or a negative errno. */
int zt_rootfs_read(int root_fd, const char *path, size_t max, unsigned flags, char **ret,
                   size_t *len);

/* What a file's type is, for messages ("FIFO", "socket", "character device"...). */
const char *zt_rootfs_type_name(mode_t mode);

/* zt_rootfs_read() of path under root, opening the root for this one call. */
int zt_read_file_at(const char *root, const char *path, size_t max_bytes, char **ret, size_t *len);
