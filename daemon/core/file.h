/* file.h - writing a file atomically (the state directory, the metrics file, the outbox's
 * cursors). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Write data to dir_fd/name atomically: a temporary file is written and fsync()ed, renamed over
 * name, and the directory fsync()ed. Returns 0 or a negative errno (name is then untouched). */
int zt_write_atomic(int dir_fd, const char *name, const char *data, size_t len);
/* The same with the file's mode set to exactly mode, whatever the umask (files other programs
 * read, such as the metrics file). */
int zt_write_atomic_mode(int dir_fd, const char *name, const char *data, size_t len, mode_t mode);
/* The same without fsync: the file is replaced whole or not at all, but after a crash it may hold
 * its previous content (the outbox's cursors: an older cursor only resends a batch). */
int zt_write_atomic_nosync(int dir_fd, const char *name, const char *data, size_t len);
