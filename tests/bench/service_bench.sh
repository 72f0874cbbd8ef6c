#!/bin/bash
# service_bench.sh - figures for the service (a benchmark, not a test): unit exposure, idle RSS
# and wakeups per minute between scans, RSS and scan time (ztmmctl scan --wait, wall) over
# consecutive scans (after 10, 100, 500 and all of them).
# Usage: service_bench.sh BUILD_DIR [SOURCE_DIR]. Env: IDLE_SECONDS (60), SCANS (1000).
# Needs strace. Runs the daemon unprivileged-style in a temporary directory (not under systemd).
set -euo pipefail
BUILD=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
IDLE_SECONDS=${IDLE_SECONDS:-60}
SCANS=${SCANS:-1000}
ZTMMD=$BUILD/daemon/ztmmd
CTL=$BUILD/daemon/ztmmctl
W=$(mktemp -d /tmp/ztmmd-bench.XXXXXX)
PID=
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$W"
}
trap cleanup EXIT
rss_kb() {
    printf '%s kB (anonymous %s kB, PSS %s kB)' "$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status")" \
        "$(awk '/^Anonymous:/ {print $2}' "/proc/$PID/smaps_rollup")" \
        "$(awk '/^Pss:/ {print $2}' "/proc/$PID/smaps_rollup")"
}

echo "== unit exposure"
systemd-analyze security --offline=yes "$SRC/systemd/ztmmd.service" 2>/dev/null | tail -1

# Only the cheap host collector (if built in), no jitter, no scan at start.
cat >"$W/ztmmd.conf" <<CONF
[daemon]
interval = 1h
scan_on_start = no
jitter = 0
state_dir = $W/state
runtime_dir = $W/run
rules = $SRC/conf/rules/ztmm-v2.json
log_level = warning
CONF
if printf '[collector:host]\nroot = /\n' >>"$W/ztmmd.conf" &&
    ! "$ZTMMD" --check-config --config "$W/ztmmd.conf" >/dev/null 2>&1; then
    sed -i '/^\[collector:host\]/,$d' "$W/ztmmd.conf"
    echo "(host collector not built in: scanning no collectors)"
fi

# WATCHDOG_USEC as systemd sets it for WatchdogSec=60s: pings every 30 s are expected.
WATCHDOG_USEC=60000000 "$ZTMMD" --config "$W/ztmmd.conf" 2>"$W/ztmmd.log" &
PID=$!
for _ in $(seq 50); do [ -S "$W/run/control" ] && break; sleep 0.1; done
"$CTL" --socket "$W/run/control" scan --wait --format json >/dev/null || true

echo "== idle daemon (after one scan), ${IDLE_SECONDS}s"
echo "VmRSS: $(rss_kb)"
timeout "$IDLE_SECONDS" strace -qq -f -p "$PID" -e trace=epoll_wait,timerfd_settime,sendmsg \
    -o "$W/idle.strace" 2>/dev/null || true
wakeups=$(grep -c 'epoll_wait(.*= [1-9]' "$W/idle.strace" || true)
pings=$(grep -c 'WATCHDOG=1' "$W/idle.strace" || true)
echo "epoll_wait returns: $wakeups in ${IDLE_SECONDS}s; watchdog pings: $pings" \
    "(wakeups/min: $((wakeups * 60 / IDLE_SECONDS)))"

echo "== RSS and scan time over consecutive scans"
for i in $(seq "$SCANS"); do
    t0=$(date +%s%N)
    "$CTL" --socket "$W/run/control" scan --wait --format json >/dev/null || true
    echo $((($(date +%s%N) - t0) / 1000)) >>"$W/scan_usec"
    case $i in 10 | 100 | 500) echo "after $i scans: VmRSS $(rss_kb)" ;; esac
done
echo "after $SCANS scans: VmRSS $(rss_kb)"
python3 - "$W/scan_usec" <<'PY'
import statistics, sys
t = [int(x) / 1000 for x in open(sys.argv[1])]
for lo, hi in ((0, 100), (len(t) // 2 - 50, len(t) // 2 + 50), (len(t) - 100, len(t))):
    part = sorted(t[max(lo, 0):hi])
    if part:
        print(f"scans {max(lo, 0) + 1}-{hi}: median {statistics.median(part):.1f} ms, "
              f"p95 {part[int(len(part) * 0.95) - 1]:.1f} ms, max {part[-1]:.1f} ms")
PY
echo "history files kept: $(ls "$W/state/history" | wc -l)"
"$CTL" --socket "$W/run/control" status | head -3
