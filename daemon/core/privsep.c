/* privsep.c - dropping capabilities (at execve, or with capget/capset; bounding set, securebits)
 * and refusing sockets with a seccomp filter (classic BPF, from the kernel's headers) for the
 * halves of a scan (daemon/scan/scan_split.c). */
#include "privsep.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#if defined(__x86_64__) && defined(__ILP32__)
#define ZT_AUDIT_ARCH 0 /* x32: no filter written for it */
#elif defined(__x86_64__)
#define ZT_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ZT_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define ZT_AUDIT_ARCH AUDIT_ARCH_I386
#elif defined(__riscv) && __riscv_xlen == 64
#define ZT_AUDIT_ARCH AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ZT_AUDIT_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define ZT_AUDIT_ARCH AUDIT_ARCH_S390X
#else
#define ZT_AUDIT_ARCH 0
#endif

#define X32_SYSCALL_BIT 0x40000000u

static int caps_get(struct __user_cap_data_struct data[2])
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};

    memset(data, 0, 2 * sizeof(*data));
    return syscall(SYS_capget, &hdr, data) < 0 ? -errno : 0;
}

/* The capabilities of d as one mask per set. */
static uint64_t caps_mask(const struct __user_cap_data_struct d[2], size_t set)
{
    uint32_t lo = set == 0 ? d[0].effective : set == 1 ? d[0].permitted : d[0].inheritable;
    uint32_t hi = set == 0 ? d[1].effective : set == 1 ? d[1].permitted : d[1].inheritable;
    return (uint64_t)hi << 32 | lo;
}

/* True when the calling thread holds a capability outside keep, effective or permitted (the
 * ambient set is part of the permitted one). The inheritable set is not counted: with no
 * permitted capability and no_new_privs nothing in it can ever become effective, and systemd's
 * AmbientCapabilities= puts CAP_DAC_READ_SEARCH there, where only capset() could remove it. */
static bool caps_beyond(uint64_t keep)
{
    struct __user_cap_data_struct d[2];

    if (caps_get(d) < 0) {
        return true; /* unknown: assume the worst */
    }
    return ((caps_mask(d, 0) | caps_mask(d, 1)) & ~keep) != 0;
}

bool zt_privsep_caps_held(void)
{
    return caps_beyond(0);
}

static bool cap_effective(unsigned cap)
{
    struct __user_cap_data_struct d[2];

    return caps_get(d) == 0 && (caps_mask(d, 0) & (1ull << cap));
}

/* With CAP_SETPCAP (root): empty the bounding set but for keep and lock root's and setuid's
 * special cases off, so no later execve() (of a setuid or file-capability program) can give
 * any back. */
static int drop_bounding(uint64_t keep, char *err, size_t errlen)
{
    if (!cap_effective(CAP_SETPCAP)) {
        return 0; /* a non-root service user: no_new_privs already stops execve() gains */
    }
    for (unsigned long cap = 0; cap < 64; cap++) {
        if (!(keep & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
            errno != EINVAL) {
            int r = -errno;
            snprintf(err, errlen, "cannot drop capability %lu from the bounding set: %s", cap,
                     strerror(errno));
            return r;
        }
    }
    int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
    bits = (bits < 0 ? 0 : bits) | SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
           SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
           SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    if (prctl(PR_SET_SECUREBITS, (unsigned long)bits, 0, 0, 0) < 0) {
        int r = -errno;
        snprintf(err, errlen, "cannot set securebits: %s", strerror(errno));
        return r;
    }
    return 0;
}

/* Effective and permitted become what they hold of keep; inheritable empties. */
static int caps_set(uint64_t keep, char *err, size_t errlen)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[2];

    if (!caps_beyond(keep)) {
        return 0; /* nothing to give up: no capset (a unit's filter may refuse it) */
    }
    int r = caps_get(d);
    if (r < 0) {
        snprintf(err, errlen, "cannot read the capabilities: %s", strerror(-r));
        return r;
    }
    uint64_t p = caps_mask(d, 1) & keep;
    for (size_t i = 0; i < 2; i++) {
        d[i].effective = d[i].permitted = (uint32_t)(p >> (32 * i));
        d[i].inheritable = 0;
    }
    if (syscall(SYS_capset, &hdr, d) < 0) {
        r = -errno;
        snprintf(err, errlen,
                 "cannot drop capabilities: capset: %s (a unit's SystemCallFilter= must allow "
                 "capset)",
                 strerror(errno));
        return r;
    }
    return 0;
}

/* no_new_privs; the bounding set and securebits (with CAP_SETPCAP); the ambient set emptied. */
static int drop_beyond(uint64_t keep, char *err, size_t errlen)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        int r = -errno;
        snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
        return r;
    }
    int r = drop_bounding(keep, err, errlen);
    if (r < 0) {
        return r;
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
        r = -errno;
        snprintf(err, errlen, "cannot clear the ambient capabilities: %s", strerror(errno));
        return r;
    }
    return 0;
}

int zt_privsep_keep_caps(uint64_t keep, char *err, size_t errlen)
{
    int r = drop_beyond(keep, err, errlen);
    if (r < 0) {
        return r;
    }
    r = caps_set(keep, err, errlen);
    if (r < 0) {
        return r;
    }
    if (caps_beyond(keep)) {
        snprintf(err, errlen, "capabilities are still held after dropping them");
        return -EPERM;
    }
    return 0;
}

int zt_privsep_drop_at_exec(char *err, size_t errlen)
{
    return drop_beyond(0, err, errlen);
}

int zt_privsep_drop_caps(char *err, size_t errlen)
{
    return zt_privsep_keep_caps(0, err, errlen);
}

#define STMT(code, k)    BPF_STMT(BPF_##code, k)
#define JEQ(nr, to_true) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), (to_true), 0)
#define RET_ERRNO(e)     STMT(RET | BPF_K, SECCOMP_RET_ERRNO | ((e)&SECCOMP_RET_DATA))

int zt_privsep_deny_sockets(char *err, size_t errlen)
{
    if (ZT_AUDIT_ARCH == 0) {
        snprintf(err, errlen, "no seccomp filter is written for this architecture");
        return -EOPNOTSUPP;
    }
    struct sock_filter insns[] = {
        STMT(LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ZT_AUDIT_ARCH, 1, 0),
        STMT(RET | BPF_K, SECCOMP_RET_KILL_PROCESS), /* another ABI (i386 on x86_64) */
        STMT(LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1), /* x32 numbers */
        STMT(RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
#ifdef __NR_socketcall
        JEQ(__NR_socketcall, 8),
#else
        JEQ(__NR_socket, 8),
#endif
        JEQ(__NR_socket, 7),
        JEQ(__NR_io_uring_setup, 7),
        JEQ(__NR_io_uring_enter, 6),
        JEQ(__NR_ptrace, 6), /* another process's sockets, reached through that process: */
        JEQ(__NR_process_vm_writev, 5),
        JEQ(__NR_process_vm_readv, 4),
        JEQ(__NR_pidfd_getfd, 3),
        STMT(RET | BPF_K, SECCOMP_RET_ALLOW),
        RET_ERRNO(EAFNOSUPPORT),
        RET_ERRNO(ENOSYS),
        RET_ERRNO(EPERM),
    };
    struct sock_fprog prog = {.len = ZT_ELEMENTSOF(insns), .filter = insns};

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        int r = -errno;
        snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
        return r;
    }
    /* prctl() rather than seccomp(2): the unit's own filter (@system-service) allows prctl. */
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
        int r = -errno;
        snprintf(err, errlen, "cannot install the seccomp filter: %s", strerror(errno));
        return r;
    }
    return 0;
}
