#!/bin/bash
# The README's way to run cgwarden by hand on a systemd host with cgroup
# v2: `systemd-run --scope -p Delegate=yes cgwarden run -c FILE` under a
# real systemd (the systemd lane), as root.
#   start: systemd makes the scope, cgwarden moves itself into
#          <scope>/supervisor and starts its service in
#          <scope>/services/NAME, no process in an inner node
#   limits: memory_max and pids_max land in the service's cgroup inside
#          the scope
#   stop:  SIGTERM to cgwarden (as Ctrl-C in the terminal would): the
#          service stopped, cgwarden exits 0, systemd-run returns its
#          status, and the scope and everything in it are gone
#   undelegated: the same without Delegate=yes runs (root may write
#          there) with a warning that systemd has not delegated the scope
#          (systemd 251+ marks a delegated cgroup with trusted.delegate)
# Skips (77) unless PID 1 is systemd; the host and the plain VM lane skip it.
# systemd-lane: run by tests/integration/run --lane systemd
# timeout: 120
if [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ] || [ ! -d /run/systemd/system ]; then
        echo "SKIP: PID 1 is not systemd (runs in the systemd lane: tests/vm/run-in-vm --systemd)"
        exit 77
fi
CGW_NO_TESTCG=1
. "$(dirname "$0")/lib.sh"
require_v2

SCOPE=cgw-scope-$$.scope
N=$((600000 + $$ % 100000))
scope_cleanup() {
        systemctl stop "$SCOPE" 2> /dev/null
        systemctl stop "cgw-undelegated-$$.scope" 2> /dev/null
        systemctl reset-failed "$SCOPE" "cgw-undelegated-$$.scope" 2> /dev/null
}
trap 'rc=$?; scope_cleanup; (exit $rc); cleanup' EXIT

{ cfg_header; cat <<EOC
[service:sleeper]
exec = /bin/sleep $N
memory_max = 64M
pids_max = 20
restart = no
stop_timeout = 2s
EOC
} > "$T/c.ini"

systemd-run --quiet --scope -p Delegate=yes --unit "$SCOPE" "$CGW" run -c "$T/c.ini" \
        > "$T/cgw.out" 2> "$T/cgw.err" &
RUN_PID=$!
wait_until 30 sh -c "[ \"\$(systemctl show -p ActiveState --value '$SCOPE')\" = active ]" ||
        not_ok "systemd-run made the scope" "$(tail -5 "$T/cgw.err")"
CG=/sys/fs/cgroup$(systemctl show -p ControlGroup --value "$SCOPE")
say "the scope's cgroup: $CG"
wait_until 30 sh -c "grep -q . '$CG/services/sleeper/cgroup.procs' 2>/dev/null" ||
        not_ok "the service started in <scope>/services/sleeper" "$(tail -5 "$T/cgw.err")"
svc=$(pgrep -x -f "/bin/sleep $N")
check_eq "the service (/bin/sleep $N) is the one process in <scope>/services/sleeper" "$svc" \
        "$(cat "$CG/services/sleeper/cgroup.procs" 2> /dev/null)"
cgw=$(cat "$CG/supervisor/cgroup.procs" 2> /dev/null)
check "cgwarden is in <scope>/supervisor" sh -c "[ -n '$cgw' ] && grep -q cgwarden /proc/$cgw/comm"
check_eq "no process in the scope's own cgroup (an inner node)" "" "$(cat "$CG/cgroup.procs")"
check_eq "memory_max in <scope>/services/sleeper" $((64 << 20)) "$(cat "$CG/services/sleeper/memory.max")"
check_eq "pids_max in <scope>/services/sleeper" 20 "$(cat "$CG/services/sleeper/pids.max")"
check "status answers" sh -c "'$CGW' status -c '$T/c.ini' | grep -q 'sleeper .*running'"

kill -TERM "$cgw"
wait_until 30 sh -c "! kill -0 $RUN_PID 2>/dev/null"
wait "$RUN_PID"
check_eq "SIGTERM: systemd-run returns cgwarden's exit status 0" 0 "$?"
check "the service is gone" is_dead "$svc"
wait_until 10 sh -c "[ ! -d '$CG' ]"
check "the scope's cgroup is gone" test ! -d "$CG"
check "the scope is gone or inactive" sh -c "! systemctl is-active --quiet '$SCOPE'"

# without Delegate=yes: cgwarden runs (root may write there), but warns
# that systemd has not delegated the scope (no trusted.delegate xattr)
systemd-run --quiet --scope --unit "cgw-undelegated-$$.scope" "$CGW" run -c "$T/c.ini" \
        > "$T/undel.out" 2> "$T/undel.err" &
RUN_PID=$!
wait_until 30 grep -q "has not marked" "$T/undel.err"
say "undelegated: $(grep -m1 'has not marked' "$T/undel.err" | sed 's/.*warn: //')"
check "without Delegate=yes: a warning names the scope and Delegate=yes" \
        sh -c "grep 'has not marked' '$T/undel.err' | grep -q 'cgw-undelegated-$$.scope.*Delegate=yes'"
check "with Delegate=yes there was no such warning" sh -c "! grep -q 'has not marked' '$T/cgw.err'"
wait_until 30 sh -c "pgrep -x -f '/bin/sleep $N' > /dev/null"
cgw=$(cat "/sys/fs/cgroup/system.slice/cgw-undelegated-$$.scope/supervisor/cgroup.procs" 2> /dev/null)
[ -n "$cgw" ] && kill -TERM "$cgw"
wait_until 30 sh -c "! kill -0 $RUN_PID 2>/dev/null"
wait "$RUN_PID"
check_eq "without Delegate=yes: cgwarden still stops cleanly (exit 0)" 0 "$?"
