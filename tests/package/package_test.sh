#!/bin/bash
# package_test.sh - the Debian package end to end: build it with dpkg-buildpackage, lintian with
# no error or warning, apt-get install under a real systemd (the postinst enables and starts
# the unit), ztmmd --once from the installed paths, the service's scan, an upgrade that keeps
# a changed conffile and restarts the service, then purge leaving nothing behind.
# Usage: package_test.sh [SOURCE_DIR]. Needs root on a throwaway machine: it installs into
# this machine (dpkg database, /etc/passwd) and undoes it; systemd runs in a private PID and
# mount namespace (tests/integration/systemd_ns_init.sh). Not run by ctest: .ci/run runs it
# after the suites, as nothing else may use the ztmmd paths or user meanwhile.
# Exit 77 (skipped) only when this machine cannot create the namespaces.
set -euo pipefail
SRC=$(realpath "${1:-$(dirname "$0")/../..}")
W=/var/cache/ztmmd-package-test # not under /tmp, /run or /var/lib/systemd: private inside
SYSTEMD_PID=
UNSHARE_PID=
MADE_USER=no

log() { echo "package_test: $*"; }
die() {
    echo "package_test: FAIL: $*" >&2
    if [ -n "$SYSTEMD_PID" ]; then ns journalctl --no-pager -n 40 -u ztmmd >&2 || true; fi
    exit 1
}
ns() { nsenter -t "$SYSTEMD_PID" -m -p "$@"; }
apt_ns() { ns env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }
# Every path on this machine whose name says ztmmd (bar the test's and other tests' work dirs).
ztmmd_paths() {
    find /etc /usr /lib /var -xdev -name '*ztmmd*' -not -path '/var/cache/ztmmd-*' \
        -not -path '/var/tmp/*' -not -path '/var/log/*' 2>/dev/null | sort
}

stop_systemd() {
    if [ -n "$SYSTEMD_PID" ]; then kill -KILL "$SYSTEMD_PID" 2>/dev/null || true; fi
    if [ -n "$UNSHARE_PID" ]; then wait "$UNSHARE_PID" 2>/dev/null || true; fi
    SYSTEMD_PID=''
    UNSHARE_PID=''
}
# The user is Debian's to keep after a purge; the test takes back what it made.
drop_user() {
    if [ "$MADE_USER" = yes ]; then
        userdel ztmmd 2>/dev/null || true
        groupdel ztmmd 2>/dev/null || true
        MADE_USER=no
    fi
}
cleanup() {
    stop_systemd
    if dpkg-query -W -f='${Status}' ztmmd 2>/dev/null | grep -qv 'not-installed'; then
        dpkg --purge ztmmd >/dev/null 2>&1 || true # no systemd out here: no service to stop
    fi
    drop_user
    # Absent before the test (checked below): whatever a failed step left goes.
    rm -rf /var/lib/ztmmd /etc/ztmmd /etc/systemd/system/multi-user.target.wants/ztmmd.service
    rm -rf "$W"
}

# ---- preconditions: missing tools are a failure, missing powers a skip ----
[ "$(id -u)" = 0 ] || { log "SKIP: needs root"; exit 77; }
for t in dpkg-buildpackage dh lintian unshare nsenter git; do
    command -v $t >/dev/null ||
        die "$t is missing (tests/install-deps.sh --package; apt-get install util-linux git)"
done
[ -x /lib/systemd/systemd ] || die "/lib/systemd/systemd is missing (apt-get install systemd)"
if ! unshare --pid --fork --mount --mount-proc true 2>/dev/null; then
    log "SKIP: this machine does not allow PID and mount namespaces"
    exit 77
fi
# A machine that already has ztmmd installed would lose it to the purge: refuse.
BEFORE=$(ztmmd_paths)
if dpkg-query -W ztmmd >/dev/null 2>&1 || [ -n "$BEFORE" ] || getent passwd ztmmd >/dev/null; then
    die "this machine already has ztmmd (package, files or user): not a clean machine
$BEFORE"
fi
trap cleanup EXIT

# ---- build from a copy of the tree (dpkg-buildpackage writes beside the source) ----
rm -rf "$W"
mkdir -p "$W/src"
# The working tree as git sees it: tracked and new files, not ignored ones, not deleted ones.
git -C "$SRC" ls-files -z -co --exclude-standard |
    tar -C "$SRC" --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$W/src" -xf - ||
    die "cannot copy $SRC to $W/src"
(cd "$W/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b -Pnocheck) \
    >"$W/build.log" 2>&1 || { tail -40 "$W/build.log" >&2; die "dpkg-buildpackage"; }
VERSION=$(cd "$W/src" && dpkg-parsechangelog -S Version)
DEB=$W/ztmmd_${VERSION}_$(dpkg --print-architecture).deb
[ -f "$DEB" ] || die "no $DEB"
log "built $(basename "$DEB"): $(stat -c %s "$DEB") bytes, Installed-Size $(dpkg-deb -f "$DEB" Installed-Size) KiB"
log "Depends: $(dpkg-deb -f "$DEB" Depends); Recommends: $(dpkg-deb -f "$DEB" Recommends)"

# ---- lintian: no error, no warning ----
LINTIAN_OK=yes
lintian --fail-on error,warning "$W"/ztmmd_*.changes >"$W/lintian.txt" 2>&1 || LINTIAN_OK=no
sed 's/^/lintian: /' "$W/lintian.txt"
[ "$LINTIAN_OK" = yes ] || die "lintian reports errors or warnings"
! grep -qE '^[EW]: ' "$W/lintian.txt" || die "lintian reports errors or warnings"

# ---- boot systemd in the namespace (package mode: the real dpkg and user databases) ----
printf '#!/bin/sh\nexit 0\n' >"$W/policy-rc.d"
chmod 755 "$W" "$W/policy-rc.d"
. "$SRC/tests/integration/systemd_ns_boot.sh"
ns_boot "$W" package
log "systemd pid $SYSTEMD_PID is $state"

# ---- install: the postinst makes the user and the secrets directory, enables and starts ----
MADE_USER=yes # from here on, whatever made it, the user is the test's to remove
apt_ns install "$DEB" >"$W/install.log" 2>&1 || { cat "$W/install.log" >&2; die "apt-get install"; }
getent passwd ztmmd >/dev/null || die "no ztmmd user after install"
[ "$(stat -c '%a %U %G' /etc/ztmmd/secrets)" = "750 root ztmmd" ] ||
    die "/etc/ztmmd/secrets is $(stat -c '%a %U %G' /etc/ztmmd/secrets), not 750 root ztmmd"
# 0750 as the unit's ConfigurationDirectoryMode= (systemd would not change it, only complain).
[ "$(stat -c '%a %U' /etc/ztmmd)" = "750 root" ] || die "/etc/ztmmd is $(stat -c '%a %U (uid %u, changed %z)' /etc/ztmmd)"
CONFFILES=$(dpkg-query -W -f='${Conffiles}\n' ztmmd | awk 'NF { print $1 }')
for f in /etc/ztmmd/ztmmd.conf /etc/ztmmd/conf.d/host.conf.example /etc/ztmmd/conf.d/aws.conf.example; do
    grep -qx "$f" <<<"$CONFFILES" || die "$f is not a conffile"
done
[ "$(ns systemctl is-enabled ztmmd)" = enabled ] || die "ztmmd.service not enabled by the postinst"
for _ in $(seq 50); do [ "$(ns systemctl is-active ztmmd || true)" = active ] && break; sleep 0.2; done
[ "$(ns systemctl is-active ztmmd || true)" = active ] || die "ztmmd.service not started by the postinst"
MAINPID=$(ns systemctl show -P MainPID ztmmd)
log "installed: $(wc -l <<<"$CONFFILES") conffiles, ztmmd.service enabled and active (pid $MAINPID)"

# ---- the version the package carries, from the installed programs ----
[ "$(/usr/sbin/ztmmd --version)" = "ztmmd $VERSION" ] || die "ztmmd --version: $(/usr/sbin/ztmmd --version)"
[ "$(/usr/bin/ztmmctl --version)" = "ztmmctl $VERSION" ] || die "ztmmctl --version: $(/usr/bin/ztmmctl --version)"
zcat /usr/share/man/man8/ztmmd.8.gz | grep -q "^\.TH ZTMMD 8 .*\"ztmmd $VERSION\"" ||
    die "ztmmd(8) does not carry version $VERSION"
log "ztmmd --version, ztmmctl --version and ztmmd(8): $VERSION"

# ---- one scan in the foreground, from the installed paths and the default configuration ----
ns /usr/sbin/ztmmd --once --format table >"$W/once.txt" 2>"$W/once.err" || [ $? = 3 ] ||
    { cat "$W/once.err" >&2; die "ztmmd --once --format table"; }
grep -q '^OVERALL: ' "$W/once.txt" || die "ztmmd --once printed no table: $(head -5 "$W/once.txt")"
log "ztmmd --once: $(grep '^OVERALL: ' "$W/once.txt")"

# ---- the service scans this host (as the ztmmd user) ----
ns ztmmctl scan --wait --format json >"$W/scan.json" || [ $? = 3 ] || die "ztmmctl scan --wait"
scan_id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["scan_id"])'; }
SCAN=$(scan_id <"$W/scan.json")
[ "$(stat -c %U /var/lib/ztmmd/latest.json)" = ztmmd ] || die "latest.json not owned by ztmmd"
grep -q '"host"' "$W/scan.json" || die "the service's scan has no host collector"
log "service scan $SCAN kept in /var/lib/ztmmd"

# ---- upgrade: the same files as a higher version; the changed conffile stays ----
echo "# kept across upgrades (package_test)" >>/etc/ztmmd/ztmmd.conf
CONF_SUM=$(md5sum </etc/ztmmd/ztmmd.conf)
rm -rf "$W/repack"
dpkg-deb -R "$DEB" "$W/repack"
sed -i "s/^Version: .*/Version: ${VERSION}+pkgtest1/" "$W/repack/DEBIAN/control"
dpkg-deb -b --root-owner-group "$W/repack" "$W/ztmmd_upgrade.deb" >/dev/null
apt_ns install "$W/ztmmd_upgrade.deb" >"$W/upgrade.log" 2>&1 || { cat "$W/upgrade.log" >&2; die "upgrade"; }
[ "$(dpkg-query -W -f='${Version}' ztmmd)" = "${VERSION}+pkgtest1" ] || die "not upgraded"
[ "$(md5sum </etc/ztmmd/ztmmd.conf)" = "$CONF_SUM" ] || die "the changed ztmmd.conf was replaced"
[ -z "$(find /etc/ztmmd -name '*.dpkg-*')" ] || die "dpkg left $(find /etc/ztmmd -name '*.dpkg-*')"
[ "$(ns systemctl is-active ztmmd || true)" = active ] || die "not active after the upgrade"
NEWPID=$(ns systemctl show -P MainPID ztmmd)
[ "$NEWPID" != "$MAINPID" ] || die "the upgrade did not restart the service (pid $MAINPID)"
[ "$(ns ztmmctl show --format json | scan_id)" = "$SCAN" ] || die "scan $SCAN lost in the upgrade"
log "upgraded to ${VERSION}+pkgtest1: changed ztmmd.conf kept, service restarted (pid $NEWPID), scan $SCAN kept"

# ---- purge: the service stops, and the package's files, state and config go ----
apt_ns purge ztmmd >"$W/purge.log" 2>&1 || { cat "$W/purge.log" >&2; die "apt-get purge"; }
[ "$(ns systemctl is-active ztmmd || true)" != active ] || die "ztmmd still active after purge"
[ ! -e /var/lib/ztmmd ] || die "/var/lib/ztmmd left after purge"
! grep -q 'warning' "$W/purge.log" || die "purge warned: $(grep warning "$W/purge.log")"
stop_systemd
getent passwd ztmmd >/dev/null && log "the ztmmd user stays after purge (Debian policy); the test removes it"
drop_user
AFTER=$(ztmmd_paths)
[ -z "$AFTER" ] || die "left behind after purge:
$AFTER"
log "purged: no ztmmd path left in /etc, /usr, /lib, /var"
log "PASS"
