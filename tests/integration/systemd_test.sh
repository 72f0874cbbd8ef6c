#!/bin/bash
# systemd_test.sh - ztmmd.service under a real systemd in a private PID + mount namespace
# (a private PID + mount namespace whose /tmp, /run and /var/lib are private tmpfs): start
# (Type=notify), scan --wait, the result kept in StateDirectory= across a restart, a state
# directory that cannot be written stops the start, the metrics file through the documented
# ReadWritePaths= drop-in, reload good and broken configs, SIGKILL of a scan worker, host
# evidence under the unit vs as root, stop.
# Usage: systemd_test.sh BUILD_DIR SOURCE_DIR [PREFIX]. With PREFIX (e.g. /usr/local) a second
# build tree configured with that install prefix is built (BUILD_DIR/prefix-build) and staged
# instead: the service must still keep its results in /var/lib/ztmmd.
# Needs root, util-linux (unshare, nsenter), systemd and python3; promtool if present.
# Exit 77 (skipped) only when this machine cannot create the namespaces.
set -euo pipefail
BUILD=$(realpath "$1")
SRC=$(realpath "$2")
PREFIX=${3:-}
WORK_NAME=systemd-work${PREFIX:+-prefix}
# The namespace puts private tmpfs on /tmp, /var/tmp, /run and /var/lib: a work directory under
# one of those would vanish inside it, so it then moves to /var/cache.
case "$BUILD/" in
/tmp/* | /var/tmp/* | /run/* | /var/lib/*) W=/var/cache/ztmmd-$WORK_NAME ;;
*) W=$BUILD/tests/integration/$WORK_NAME ;;
esac
STAGE=$W/stage
SYSTEMD_PID=
UNSHARE_PID=

log() { echo "systemd_test: $*"; }
die() {
    echo "systemd_test: FAIL: $*" >&2
    if [ -n "$SYSTEMD_PID" ]; then
        ns journalctl --no-pager -n 60 -u ztmmd >&2 || true
    fi
    exit 1
}
ns() { nsenter -t "$SYSTEMD_PID" -m -p "$@"; }
ctl() { ns "$CTL" "$@"; }

cleanup() {
    # SIGKILL to the namespace's PID 1 ends every process in it; the tmpfs mounts go with it.
    if [ -n "$SYSTEMD_PID" ]; then kill -KILL "$SYSTEMD_PID" 2>/dev/null || true; fi
    if [ -n "$UNSHARE_PID" ]; then wait "$UNSHARE_PID" 2>/dev/null || true; fi
    case $W in /var/cache/ztmmd-*) rm -rf "$W" ;; esac
    # ConfigurationDirectory= makes /etc/ztmmd on the machine's /etc, owned by the test user:
    # remove it when empty (a parallel run's restart may make it again; its cleanup removes it).
    if [ "$(stat -c %u /etc/ztmmd 2>/dev/null)" = 64990 ]; then rmdir /etc/ztmmd 2>/dev/null || true; fi
}
trap cleanup EXIT

# ---- preconditions: missing tools are a failure (CI installs them), missing powers a skip ----
[ "$(id -u)" = 0 ] || { log "SKIP: needs root for namespaces"; exit 77; }
for t in unshare nsenter python3; do
    command -v $t >/dev/null || die "$t is missing (apt-get install util-linux python3)"
done
[ -x /lib/systemd/systemd ] || die "/lib/systemd/systemd is missing (apt-get install systemd)"
if ! unshare --pid --fork --mount --mount-proc true 2>/dev/null; then
    log "SKIP: this machine does not allow PID and mount namespaces"
    exit 77
fi

# ---- stage an install (DESTDIR: the unit, config and rules have absolute destinations) ----
rm -rf "$W"
mkdir -p "$W/etc/conf.d"
if [ -n "$PREFIX" ]; then
    # Incremental after the first run; only the programs are needed.
    PB=$BUILD/prefix-build
    cmake -S "$SRC" -B "$PB" -DCMAKE_INSTALL_PREFIX="$PREFIX" -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$PB" --target ztmmd ztmmctl -j2 >/dev/null || die "build with prefix $PREFIX"
    BUILD=$PB
fi
DESTDIR=$STAGE cmake --install "$BUILD" >/dev/null
ZTMMD=$(find "$STAGE" -path '*/sbin/ztmmd' | head -1)
CTL=$(find "$STAGE" -path '*/bin/ztmmctl' | head -1)
RULES=$(find "$STAGE" -path '*/ztmmd/rules/ztmm-v2.json' | head -1)
UNIT=$(find "$STAGE" -name ztmmd.service | head -1)
[ -x "$ZTMMD" ] && [ -x "$CTL" ] && [ -f "$RULES" ] && [ -f "$UNIT" ] || die "staged install incomplete"
chmod -R a+rX "$W"
# The built-in state_dir of this build (PREFIX/var/lib/ztmmd for a prefix other than /usr): the
# unit must not depend on it.
DEFAULT_STATE=$("$CTL" options | awk '$1 == "state_dir" && !d { print $3; d = 1 }')
log "prefix ${PREFIX:-(default)}: $(grep '^ExecStart=' "$UNIT"), built-in state_dir $DEFAULT_STATE"
if [ -n "$PREFIX" ]; then
    [ "$DEFAULT_STATE" = "$PREFIX/var/lib/ztmmd" ] || die "unexpected built-in state_dir $DEFAULT_STATE"
    grep -qx "ExecStart=$PREFIX/sbin/ztmmd" "$UNIT" || die "the installed unit does not run $PREFIX/sbin/ztmmd"
fi

# The test config: no scan until asked, no jitter; the host collector when it is built in.
write_config() {
    cat >"$W/etc/ztmmd.conf" <<CONF
[daemon]
interval = 1h
scan_on_start = no
jitter = 0
rules = $RULES
log_level = ${1:-info}
metrics_file = /var/lib/ztmmd-textfile/ztmmd.prom
CONF
    if [ "$HOST" = yes ]; then printf '[collector:host]\nroot = /\n' >>"$W/etc/ztmmd.conf"; fi
    # Runs in the scan's network half: it reports the capabilities that half left it.
    printf '[collector:privsep]\ntype = exec\ncommand = %s\n' \
        "$SRC/tests/fixtures/exec/caps.sh" >>"$W/etc/ztmmd.conf"
}
HOST=yes
write_config
"$ZTMMD" --check-config --config "$W/etc/ztmmd.conf" >/dev/null 2>&1 || HOST=no
write_config
"$ZTMMD" --check-config --config "$W/etc/ztmmd.conf" >/dev/null || die "test config invalid"
log "host collector: $HOST"

# The unit as installed, pointed at the staged binary and the test config.
sed -e "s|^ExecStart=.*|ExecStart=$ZTMMD --config $W/etc/ztmmd.conf|" "$UNIT" >"$W/ztmmd.service"
# An ASan build's leak check needs ptrace to stop the world, which the unit's system call filter
# rightly forbids: it would end every stop with "LeakSanitizer has encountered a fatal error".
# Leaks are checked by the unit tests outside the unit; here the hardened unit is under test.
if grep -q __asan_init "$ZTMMD" 2>/dev/null; then
    sed -i '/^\[Service\]/a Environment=ASAN_OPTIONS=detect_leaks=0' "$W/ztmmd.service"
fi
cp /etc/passwd "$W/passwd"
cp /etc/group "$W/group"
grep -q '^ztmmd:' "$W/passwd" || echo 'ztmmd:x:64990:64990:ztmmd test:/var/lib/ztmmd:/usr/sbin/nologin' >>"$W/passwd"
grep -q '^ztmmd:' "$W/group" || echo 'ztmmd:x:64990:' >>"$W/group"

# ---- the unit's exposure, as the unit file states it (no capset: the network half of a scan gives
# up its capability at execve) ----
EXPOSURE_MAX=1.7
EXPOSURE=$(systemd-analyze security --offline=yes "$UNIT" 2>/dev/null |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$EXPOSURE" ] || die "systemd-analyze security --offline=yes $UNIT printed no exposure"
python3 -c "import sys; sys.exit(0 if float('$EXPOSURE') <= $EXPOSURE_MAX else 1)" ||
    die "exposure $EXPOSURE of $UNIT is above $EXPOSURE_MAX"
log "exposure $EXPOSURE (at most $EXPOSURE_MAX)"

# ---- boot systemd in the namespace ----
. "$SRC/tests/integration/systemd_ns_boot.sh"
ns_boot "$W"
log "systemd pid $SYSTEMD_PID is $state"

# The metrics recipe of docs/metrics.md: a directory the service may write through a drop-in.
ns mkdir -p /var/lib/ztmmd-textfile /run/systemd/system/ztmmd.service.d
ns chown ztmmd:ztmmd /var/lib/ztmmd-textfile
printf '[Service]\nReadWritePaths=/var/lib/ztmmd-textfile\n' |
    ns sh -c 'cat >/run/systemd/system/ztmmd.service.d/40-metrics.conf'
ns systemctl daemon-reload

# ---- start: systemctl returns once READY=1 arrived ----
ns systemctl start ztmmd || die "systemctl start ztmmd"
[ "$(ns systemctl is-active ztmmd)" = active ] || die "ztmmd is not active"
MAINPID=$(ns systemctl show -P MainPID ztmmd)
log "ztmmd active, MainPID $MAINPID, status: $(ns systemctl show -P StatusText ztmmd)"

# ---- scan --wait returns a result ----
ctl scan --wait --format json >"$W/unit-result.json" || [ $? = 3 ] || die "ztmmctl scan --wait"
grep -q '"schema": "ztmmd.result/1"' "$W/unit-result.json" || die "scan --wait printed no result"
ctl status >/dev/null || die "ztmmctl status"
ctl show --format table >"$W/show.txt" || die "ztmmctl show --format table"
grep -q OVERALL "$W/show.txt" || die "ztmmctl show printed no table"
ns test -s /var/lib/ztmmd/latest.json || die "latest.json not written"
ns stat -c %U /var/lib/ztmmd/latest.json | grep -qx ztmmd || die "state not owned by ztmmd"
log "scan --wait: ok ($(ns systemctl show -P StatusText ztmmd))"
scan_id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["scan_id"])'; }
FIRST_ID=$(scan_id <"$W/unit-result.json")
[ "$(ns cat /var/lib/ztmmd/latest.json | scan_id)" = "$FIRST_ID" ] || die "latest.json is not scan $FIRST_ID"

# ---- privilege separation under the unit: the network half dropped CAP_DAC_READ_SEARCH ----
# (at its execve: the unit's system call filter refuses capset; the worker above it keeps it).
python3 - "$W/unit-result.json" <<'PY' || die "the network half kept its capabilities (above)"
import json, sys
doc = json.load(open(sys.argv[1]))
run = next(c for c in doc["collectors"] if c["name"] == "privsep")
ev = {e["key"]: e["value"] for e in doc["evidence"] if e["collector"] == "privsep"}
print(f"privsep collector: {run['status']} {run.get('error') or ''} {ev}")
sys.exit(0 if run["status"] == "ok" and ev.get("privsep_test.half_cap_eff") == "0000000000000000"
         and ev.get("privsep_test.worker_cap_eff") != "0000000000000000"
         and ev.get("privsep_test.cap_eff") == "0000000000000000"
         and ev.get("privsep_test.shadow_readable") is False else 1)
PY
log "privilege separation: the network half and its exec program hold no capability"

# ---- the metrics file, written by the sandboxed service ----
PROM=/var/lib/ztmmd-textfile/ztmmd.prom
ns grep -q "^ztmmd_last_scan_info{scan_id=\"$FIRST_ID\"" $PROM || die "metrics file lacks scan $FIRST_ID"
[ "$(ns stat -c %a $PROM)" = 644 ] || die "metrics file mode $(ns stat -c %a $PROM), not 644"
if command -v promtool >/dev/null; then
    ns cat $PROM | promtool check metrics || die "promtool check metrics"
fi
log "metrics: $PROM written for scan $FIRST_ID"

# ---- the result survives a restart (it lives in StateDirectory=, not under the prefix) ----
ns systemctl restart ztmmd || die "systemctl restart ztmmd"
ctl show --format json >"$W/show.json" || die "ztmmctl show after restart"
[ "$(scan_id <"$W/show.json")" = "$FIRST_ID" ] || die "after a restart the latest result is not scan $FIRST_ID"
log "restart: ztmmctl show still has scan $FIRST_ID from /var/lib/ztmmd"

# ---- a state directory the service cannot write stops the start, with its name ----
RO=$W/readonly-state # under ProtectSystem=strict: read-only for the service, though its own
mkdir -p "$RO/history"
ns chown -R ztmmd:ztmmd "$RO"
printf '[daemon]\nstate_dir = %s\n' "$RO" >"$W/etc/conf.d/50-readonly.conf"
if ns systemctl restart ztmmd 2>/dev/null; then die "ztmmd started with an unwritable state_dir"; fi
[ "$(ns systemctl is-active ztmmd || true)" != active ] || die "ztmmd active with an unwritable state_dir"
WHY=
for _ in $(seq 50); do
    WHY=$(ns journalctl --no-pager -u ztmmd -o cat 2>/dev/null |
        grep "cannot use the state directory $RO (from config" | tail -1)
    [ -n "$WHY" ] && break # (the pipeline's status is tail's: test what it found)
    sleep 0.2
done
case $WHY in *"Read-only file system") ;; *) die "the journal does not name the unusable state directory" ;; esac
log "journal: $WHY"
rm "$W/etc/conf.d/50-readonly.conf"
ns systemctl reset-failed ztmmd
ns systemctl start ztmmd || die "start after removing the unusable state_dir"
ctl show --format json | scan_id | grep -qx "$FIRST_ID" || die "scan $FIRST_ID lost"
MAINPID=$(ns systemctl show -P MainPID ztmmd)
log "unwritable state_dir $RO: start refused, named in the journal"

# ---- reload with a good config, then with a broken one ----
write_config debug
ns systemctl reload ztmmd || die "reload (good)"
for _ in $(seq 50); do
    ns journalctl --no-pager -u ztmmd -o cat 2>/dev/null | grep -q "reloaded " && break
    sleep 0.2
done
[ "$(ns systemctl is-active ztmmd)" = active ] || die "not active after a good reload"
echo "bogus_key = 1" >>"$W/etc/ztmmd.conf"
ns systemctl reload ztmmd || die "reload (broken) command"
for _ in $(seq 50); do
    ctl status --format json | grep -q "reload refused" && break
    sleep 0.2
done
ctl status --format json | grep -q "reload refused.*unknown key 'bogus_key'" ||
    die "a refused reload is not reported in status"
[ "$(ns systemctl is-active ztmmd)" = active ] || die "not active after a broken reload"
[ "$(ns systemctl show -P MainPID ztmmd)" = "$MAINPID" ] || die "daemon restarted on reload"
if ns journalctl --no-pager -u ztmmd -o cat MESSAGE_ID=4f3398013cff465bad579696cc4ea91c |
    grep -q "reload refused"; then
    log "reload: the journal says why (MESSAGE_ID=4f33...)"
else
    log "note: journald in the namespace did not record the reload message"
fi
write_config

# ---- SIGKILL of a scan worker leaves the daemon active ----
mkdir -p "$W/dropin"
ns mkdir -p /run/systemd/system/ztmmd.service.d
printf '[Service]\nEnvironment=ZTMMD_WORKER_DELAY_SEC=30\n' |
    ns sh -c 'cat >/run/systemd/system/ztmmd.service.d/50-test-delay.conf'
ns systemctl daemon-reload
ns systemctl restart ztmmd || die "restart with the delay drop-in"
MAINPID=$(ns systemctl show -P MainPID ztmmd)
ctl scan >"$W/scan.txt" || die "ztmmctl scan"
grep -q started "$W/scan.txt" || die "scan did not start"
WPID=$(ctl status --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["daemon"]["worker_pid"])')
[ "$WPID" != None ] || die "no worker pid in status"
ns kill -KILL "$WPID"
# Up to 60 s: on a loaded machine the daemon reaps the worker and records it late.
for _ in $(seq 300); do
    ctl status --format json | grep -q '"scan_failures": 1' && break
    sleep 0.2
done
ctl status --format json | grep -q 'killed by signal KILL' || die "worker kill not reported"
[ "$(ns systemctl is-active ztmmd)" = active ] || die "daemon not active after worker SIGKILL"
[ "$(ns systemctl show -P MainPID ztmmd)" = "$MAINPID" ] || die "daemon restarted after worker kill"
log "worker $WPID SIGKILLed: reported, daemon $MAINPID still active"
ns rm /run/systemd/system/ztmmd.service.d/50-test-delay.conf
ns systemctl daemon-reload

# ---- host evidence under the unit vs as root directly (same namespace, same files) ----
if [ "$HOST" = yes ]; then
    ns systemctl restart ztmmd
    ctl scan --wait --format json >"$W/unit-result.json" || true
    ns "$ZTMMD" --once --config "$W/etc/ztmmd.conf" >"$W/root-result.json" 2>/dev/null || true
    python3 "$SRC/tests/integration/compare_evidence.py" "$W/root-result.json" \
        "$W/unit-result.json" "$SRC/tests/integration/host_unit_differences.txt" ||
        die "host evidence under the unit differs from root in an undocumented way"
fi

# ---- stop ----
ns systemctl stop ztmmd || die "systemctl stop"
[ "$(ns systemctl is-active ztmmd || true)" = inactive ] || die "ztmmd did not stop cleanly"
ns test ! -e /run/ztmmd/control || die "control socket left behind"
log "PASS"
