#!/bin/sh
# systemd_ns_init.sh - PID 1 of the private namespace of systemd_test.sh (design.md §8).
# Runs inside `unshare --pid --fork --mount --mount-proc`. FIRST it puts private tmpfs on /tmp,
# /var/tmp, /run and /var/log/journal: systemd's tmpfiles step would otherwise empty the
# machine's real /tmp. Only then does it exec systemd. Never reorder these steps.
# Usage: systemd_ns_init.sh WORKDIR   (WORKDIR holds ztmmd.service, passwd, group)
#        systemd_ns_init.sh WORKDIR package   (tests/package: WORKDIR holds policy-rc.d)
set -eu
W=$1
MODE=${2:-unit}

mount --make-rprivate /
for d in /tmp /var/tmp /run /var/log/journal; do
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$d"
done
if [ "$MODE" = package ]; then
    # apt installs the package from inside: the dpkg database and the user database stay the
    # machine's (the test undoes its changes); systemd's own state, with deb-systemd-helper's,
    # is private. A container's policy-rc.d ("start no service") is replaced by the test's,
    # which allows it, as on a Debian host that has none.
    mount -t tmpfs -o mode=0755 tmpfs /var/lib/systemd
    if [ -e /usr/sbin/policy-rc.d ]; then mount --bind "$W/policy-rc.d" /usr/sbin/policy-rc.d; fi
    mkdir -p /run/systemd/system
else
    # Also private: /var/lib (StateDirectory=, systemd's random seed) and the user database,
    # to which the test adds the ztmmd user without touching the machine's /etc/passwd.
    mount -t tmpfs -o mode=0755 tmpfs /var/lib
    mount --bind "$W/passwd" /etc/passwd
    mount --bind "$W/group" /etc/group
    mkdir -p /run/systemd/system
    cp "$W/ztmmd.service" /run/systemd/system/ztmmd.service
fi
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
