#!/bin/sh
# systemd_ns_init.sh - PID 1 of the private namespace of systemd_test.sh (design.md §8).
# Runs inside `unshare --pid --fork --mount --mount-proc`. FIRST it puts private tmpfs on /tmp,
# /var/tmp, /run and /var/log/journal: systemd's tmpfiles step would otherwise empty the
# machine's real /tmp. Only then does it exec systemd. Never reorder these steps.
# Usage: systemd_ns_init.sh WORKDIR   (WORKDIR holds ztmmd.service, passwd, group)
set -eu
W=$1

mount --make-rprivate /
for d in /tmp /var/tmp /run /var/log/journal; do
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$d"
done
# Also private: /var/lib (StateDirectory=, systemd's random seed) and the user database, to
# which the test adds the ztmmd user without touching the machine's /etc/passwd.
mount -t tmpfs -o mode=0755 tmpfs /var/lib
mount --bind "$W/passwd" /etc/passwd
mount --bind "$W/group" /etc/group

mkdir -p /run/systemd/system
cp "$W/ztmmd.service" /run/systemd/system/ztmmd.service
# Units that would act on the machine rather than on this namespace (kernel parameters,
# modules, devices, file system remounts, the user database) are masked.
for u in systemd-sysctl systemd-modules-load systemd-udevd systemd-udev-trigger \
    systemd-udev-settle systemd-remount-fs systemd-sysusers systemd-binfmt \
    systemd-hwdb-update systemd-firstboot systemd-machine-id-commit systemd-random-seed \
    systemd-fsck-root systemd-pstore systemd-boot-system-token ldconfig \
    proc-sys-fs-binfmt_misc.automount sys-kernel-config.mount sys-kernel-debug.mount \
    sys-kernel-tracing.mount sys-fs-fuse-connections.mount dev-hugepages.mount \
    dev-mqueue.mount; do
    case $u in *.*) unit=$u ;; *) unit=$u.service ;; esac
    ln -sf /dev/null "/run/systemd/system/$unit"
done
# Container mode: systemd skips what only makes sense on real hardware.
export container=ztmmd-test
exec /lib/systemd/systemd --system --unit=basic.target
