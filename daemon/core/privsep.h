/* privsep.h - the two privilege drops of a scan's halves (OpenBSD daemons' privilege
 * separation): the host half keeps its capabilities but cannot open a socket, the network half
 * holds no capability at all. Each call acts on the calling thread, which must be the process's
 * only one: threads started afterwards inherit the result. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when the calling thread holds any capability, effective or permitted (ambient ones are
 * permitted too). Inheritable ones are not counted: without a permitted capability and with
 * no_new_privs they can never become effective. */
bool zt_privsep_caps_held(void);
/* Give up every capability but those in keep (a mask of 1 << CAP_*) for good, like
 * zt_privsep_drop_caps(); what is kept stays only if it was held. */
int zt_privsep_keep_caps(uint64_t keep, char *err, size_t errlen);
/* Give up every capability for good: no_new_privs; with CAP_SETPCAP also the bounding set and
 * securebits (root's execve() cannot regain them); the ambient, inheritable, permitted and
 * effective sets. Verified afterwards. Returns 0, or a negative errno with the reason in err
 * (the caller must then not go on: it would run with its privileges). */
int zt_privsep_drop_caps(char *err, size_t errlen);
/* Prepare an execve() that leaves the new program no capability, with prctl() alone (no capset,
 * which a unit's SystemCallFilter=~@privileged refuses): no_new_privs, the ambient set emptied
 * and, with CAP_SETPCAP (root), the bounding set emptied and root's special cases locked off. The
 * kernel then gives the program of a non-setuid file without file capabilities an empty
 * permitted and effective set. The inheritable set is kept: check with zt_privsep_caps_held()
 * after the execve. Returns 0, or a negative errno with the reason in err. */
int zt_privsep_drop_at_exec(char *err, size_t errlen);
/* Install a seccomp filter that refuses socket() (EAFNOSUPPORT, every family), io_uring
 * (ENOSYS: it can create sockets without socket()) and the ways into another process that has
 * sockets (ptrace, process_vm_readv/writev, pidfd_getfd: EPERM), and kills the process on a
 * system call of another architecture's ABI; sets no_new_privs. Capabilities are kept.
 * Returns 0, or a negative errno with the reason in err. */
int zt_privsep_deny_sockets(char *err, size_t errlen);
