#!/bin/bash
# soak.sh - many scans through the running service: no leak, file descriptors flat, RSS flat after
# warm-up (a benchmark, not a test: it prints the curve and a verdict, and exits 1 on a leak or
# descriptor growth, so it can gate a release).
# Usage: soak.sh BUILD_DIR [SOURCE_DIR]. Env: SCANS (1000), EVERY (100), ONCE (20).
# The daemon (not under systemd) scans the hardened host fixture tree with `ztmmctl scan --wait`
# and exports every event to a rotating file sink, so scan, drift, state, outbox and delivery all
# run on every round. Every EVERY scans it prints the daemon's VmRSS, anonymous and PSS memory
# and its open descriptors (/proc/PID/fd). With an ASan build (-DZT_SANITIZE=ON) the daemon runs
# under LeakSanitizer (quarantine off, so RSS means what it says) and its exit is checked for leak
# reports; the forked scan workers end with _exit (their memory goes back with them), so the scan
# path itself is then checked by ONCE runs of `ztmmd --once` on the same config, each a leak
# check at exit. With a regular build the RSS figures are the real ones.
set -euo pipefail
BUILD=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
SCANS=${SCANS:-1000}
EVERY=${EVERY:-100}
ONCE=${ONCE:-20}
ZTMMD=$BUILD/daemon/ztmmd
CTL=$BUILD/daemon/ztmmctl
W=$(mktemp -d /tmp/ztmmd-soak.XXXXXX)
PID=
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$W"
}
trap cleanup EXIT

asan=no
if ldd "$ZTMMD" | grep -q libasan; then
    asan=yes
    export ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=0:log_path=$W/asan:abort_on_error=0
    export UBSAN_OPTIONS=print_stacktrace=1
fi

cat >"$W/ztmmd.conf" <<CONF
[daemon]
interval = 1h
scan_on_start = no
jitter = 0
state_dir = $W/state
runtime_dir = $W/run
rules = $SRC/conf/rules/ztmm-v2.json
log_level = warning

[collector:host]
root = $SRC/tests/fixtures/host/hardened

[sink:events]
type = file
path = $W/events.jsonl
max_size = 1M
keep = 2
findings = all
CONF

"$ZTMMD" --config "$W/ztmmd.conf" 2>"$W/ztmmd.log" &
PID=$!
for _ in $(seq 100); do [ -S "$W/run/control" ] && break; sleep 0.1; done
[ -S "$W/run/control" ] || { cat "$W/ztmmd.log"; exit 1; }

sample() {
    printf '%6s %9s %9s %9s %5s\n' "$1" "$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status")" \
        "$(awk '/^Anonymous:/ {print $2}' "/proc/$PID/smaps_rollup")" \
        "$(awk '/^Pss:/ {print $2}' "/proc/$PID/smaps_rollup")" "$(ls "/proc/$PID/fd" | wc -l)"
}

echo "== soak: $SCANS scans through ztmmd (pid $PID, ASan: $asan), sample every $EVERY"
printf '%6s %9s %9s %9s %5s\n' scans "RSS kB" "anon kB" "PSS kB" fds
sample 0 | tee "$W/curve"
failed=0
start=$(date +%s%N)
for i in $(seq "$SCANS"); do
    "$CTL" --socket "$W/run/control" scan --wait --format json >/dev/null 2>>"$W/ctl.err" ||
        failed=$((failed + 1))
    if [ $((i % EVERY)) = 0 ]; then sample "$i" | tee -a "$W/curve"; fi
done
ms=$((($(date +%s%N) - start) / 1000000))
scans_done=$("$CTL" --socket "$W/run/control" status --format json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["daemon"]["scans"])')
echo "scans done: $scans_done in $((ms / 1000)) s ($((ms / SCANS)) ms each);" \
    "scan --wait failures: $failed"

kill -TERM "$PID"
status=0
wait "$PID" || status=$?
PID=
echo "daemon exit status after SIGTERM: $status"

# Verdict: descriptors equal from the first sample after warm-up on; RSS growth after it.
read -r _ rss1 _ _ fd1 < <(sed -n 2p "$W/curve")
read -r _ rssN _ _ fdN < <(tail -1 "$W/curve")
verdict=0
echo "fds: $fd1 after $EVERY scans, $fdN after $SCANS$([ "$fd1" = "$fdN" ] && echo " (flat)")"
[ "$fd1" = "$fdN" ] || verdict=1
awk -v a="$rss1" -v b="$rssN" -v n="$EVERY" -v m="$SCANS" 'BEGIN {
    printf "RSS: %d kB after %d scans, %d kB after %d: %+d kB (%+.1f%%)\n", a, n, b, m, b - a,
        (b - a) * 100.0 / a }'

if [ "$asan" = yes ]; then
    for i in $(seq "$ONCE"); do
        "$ZTMMD" --once --config "$W/ztmmd.conf" >/dev/null 2>>"$W/once.err" || true
    done
    reports=$(cat "$W"/asan.* 2>/dev/null | grep -c 'ERROR: LeakSanitizer\|ERROR: AddressSanitizer' || true)
    echo "LeakSanitizer: daemon after $SCANS scans + $ONCE 'ztmmd --once' scans:" \
        "$reports report(s)"
    if [ "$reports" != 0 ]; then
        cat "$W"/asan.* | head -80
        verdict=1
    fi
fi
[ "$status" = 0 ] || verdict=1
[ "$failed" = 0 ] || { head -5 "$W/ctl.err"; verdict=1; }
exit "$verdict"
