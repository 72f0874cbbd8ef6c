# systemd_ns_boot.sh - sourced by systemd_test.sh and tests/package/package_test.sh.
# ns_boot WORKDIR [MODE] boots systemd in a private PID + mount namespace through
# systemd_ns_init.sh (which makes /tmp, /run... private BEFORE systemd starts) and waits until
# it runs. Sets UNSHARE_PID and SYSTEMD_PID, which the caller's cleanup kills, and state
# (running or degraded); uses the caller's ns() and die(). Its output: WORKDIR/systemd.log.
# shellcheck shell=bash
ns_boot() {
    unshare --pid --fork --mount --mount-proc \
        sh "$(dirname "${BASH_SOURCE[0]}")/systemd_ns_init.sh" "$@" >"$1/systemd.log" 2>&1 &
    UNSHARE_PID=$!
    for _ in $(seq 100); do
        SYSTEMD_PID=$(pgrep -P "$UNSHARE_PID" || true)
        [ -n "$SYSTEMD_PID" ] && [ "$(cat /proc/"$SYSTEMD_PID"/comm 2>/dev/null)" = systemd ] && break
        sleep 0.1
    done
    [ -n "$SYSTEMD_PID" ] || die "systemd did not start: $(cat "$1/systemd.log")"
    for _ in $(seq 300); do
        state=$(ns systemctl is-system-running 2>/dev/null || true)
        case $state in running | degraded) break ;; esac
        sleep 0.2
    done
}
