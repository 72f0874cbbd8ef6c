/* secret.h - loading secrets (client secrets, keys) from protected files or systemd credentials. */
#pragma once

#include <stddef.h>

#define ZT_SECRET_MAX (64u * 1024u) /* no client secret, key or certificate is larger */

/* Read the secret in path: a regular file owned by root or the daemon's uid and not readable or
 * writable by group or others. Trailing newlines are dropped. Returns 0 and a NUL-terminated
 * copy in *ret (free with zt_secret_free()), or -errno with a message naming the file in err. */
int zt_secret_read_file(const char *path, size_t max_bytes, char **ret, char *err, size_t errlen);
/* Read systemd credential name (LoadCredential=) from $CREDENTIALS_DIRECTORY, with the same
 * checks. Returns like zt_secret_read_file(); -ENOENT when no credentials directory is set. */
int zt_secret_read_credential(const char *name, size_t max_bytes, char **ret, char *err,
                              size_t errlen);
/* Load from file if set, else from credential: the usual `*_file = ` / `credential = ` pair. */
int zt_secret_load(const char *file, const char *credential, char **ret, char *err, size_t errlen);
/* Open path now, while the process may still hold the capabilities to (a root-owned 0600 file
 * read by the service user), for a zt_secret_read_file() of the same path after they are
 * dropped: that call checks and reads the descriptor opened here. Only the first
 * ZT_SECRET_PREOPEN_MAX paths are kept. Returns 0 or a negative errno (nothing kept; the later
 * read then opens the path itself and reports the error). Not thread safe: call it before the
 * collector threads start. */
#define ZT_SECRET_PREOPEN_MAX 64
int zt_secret_preopen(const char *path);
/* Take fd, opened on path by another program image before it gave up its capabilities (a scan
 * half, scan_exec.c), as if zt_secret_preopen(path) had opened it here. Returns 0 or a negative
 * errno (fd is then left alone). */
int zt_secret_adopt(const char *path, int fd);
/* Wipe and free a secret string. NULL is fine. */
void zt_secret_free(char *s);
void zt_secret_freep(char **s);
