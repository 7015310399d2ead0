#!/bin/bash
# cgroup v1 only. The guard on v1 is the OOM pause: at memory_max the
# leaker's tasks wait (oom_kill_disable=1) instead of dying; the
# observation arrives; with nothing taking over (on_pre_oom = none),
# cgwarden gives the decision back to the kernel after oom_pause_max, and
# the kill follows. With the default on_pre_oom = capture, the capture
# holds the pause's timer and hands the decision back when it is done.
. "$(dirname "$0")/lib.sh"
require_v1

{ cfg_header; cat <<EOF
[service:pause]
exec = $HELPERS/leaker 100
memory_max = 64M
oom_pause_max = 2s
on_pre_oom = none
restart = no
EOF
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 20 cgw_log_has "Service 'pause' is paused at its memory limit" || not_ok "the pause is seen" "$(tail -5 "$T/cgw.err")"
t_pause=$(date +%s%N)
pid=$(svc_main_pid pause)
check "pre-oom observed before the pause ends" cgw_log_has "Observation pre-oom for 'pause'"
check "kernel: under_oom 1" grep -q "under_oom 1" "$(svc_cg pause)/memory.oom_control"
check "kernel: oom_kill_disable 1" grep -q "oom_kill_disable 1" "$(svc_cg pause)/memory.oom_control"
check "the leaker is alive, waiting at the limit" grep -q "^State:.*D" /proc/"$pid"/status
check_eq "no OOM kill yet" "oom_kill 0" "$(grep oom_kill "$(svc_cg pause)/memory.oom_control" | grep -v disable)"
wait_until 10 cgw_log_has "Service 'pause' (pid $pid) killed by signal SIGKILL" || not_ok "the kernel kill follows"
t_kill=$(date +%s%N)
ms=$(( (t_kill - t_pause) / 1000000 ))
say "pause to kill: ${ms}ms"
check "the kill came after oom_pause_max (>= ~2 s)" test "$ms" -ge 1800
check "the release is logged" cgw_log_has "stayed paused at its memory limit for oom_pause_max (2000ms) with no action"
check "oom-kill observed" cgw_log_has "Observation oom-kill for 'pause': memory.oom_control oom_kill +1"
check "the kernel's own report is quoted" cgw_log_has "Kernel OOM report for 'pause': Memory cgroup out of memory: Killed process $pid (leaker)"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"

# the default on_pre_oom = capture: the capture takes over from the timer
{ cfg_header; cat <<EOF
[service:cap]
exec = $HELPERS/leaker 100
memory_max = 64M
capture_at = 100%
oom_pause_max = 30s
restart = no
EOF
} > "$T/c.ini"
: > "$T/cgw.err"
cgw_start run -c "$T/c.ini"
wait_until 20 cgw_log_has "Observation oom-kill for 'cap'" || not_ok "cap: the kill follows the capture" "$(tail -5 "$T/cgw.err")"
check "cap: the capture finished" cgw_log_has "Capture for 'cap' finished (complete)"
check "cap: then the kernel decides (well before oom_pause_max)" cgw_log_has "Service 'cap': evidence taken; the kernel OOM killer decides again"
check "cap: the pause timer did not expire" sh -c "! grep -q \"Service 'cap' stayed paused\" '$T/cgw.err'"
cgw_stop TERM
