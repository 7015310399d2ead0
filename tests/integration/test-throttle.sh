#!/bin/bash
# throttle (seed 004, the back-pressure case): a JVM push service whose
# intake outruns its sender builds a heap backlog; on_pre_oom = capture
# throttle keeps it alive and slower (v2: memory.high held at the usage,
# cpu.max at throttle_cpu; v1: the CPU quota, the OOM pause kept armed)
# with no OOM kill, and releases it when the backlog has drained and usage
# is below throttle_release_at. Then escalation: a leak that never drains
# is handed to throttle_then after throttle_max.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/Backlog.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"
v2=false
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && v2=true

{ cfg_header; cat <<EOF
[service:push]
exec = $JAVA -Xmx1g -XX:+UseSerialGC -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TieredStopAtLevel=1 -cp $CLASSES Backlog 30 15 16 6
memory_max = 256M
capture_at = 50%
capture_lead = 1s
on_pre_oom = capture throttle
throttle_cpu = 50%
throttle_release_at = 40%
nmt_baseline_after = 1h
restart = no
stop_timeout = 5s

[service:leak]
exec = $HELPERS/leaker 20
memory_max = 256M
capture_at = 50%
capture_lead = 1s
on_pre_oom = throttle
throttle_max = 2s
throttle_then = restart
restart = no
stop_timeout = 2s
EOF
} > "$T/c.ini"
check "config valid" "$CGW" check "$T/c.ini"
cgw_start run -c "$T/c.ini"

wait_until 30 has_main_pid push || not_ok "push: started"
$v2 && high0=$(cat "$(svc_cg push)/memory.high")
wait_until 60 cgw_log_has "Service 'push' throttled" || not_ok "push: throttled" "$(tail -5 "$T/cgw.err")"
check "push: the capture came first" cgw_log_has "Capture for 'push' finished"
if $v2; then
        check "push: memory.high held below memory.max" sh -c "[ \$(cat '$(svc_cg push)/memory.high') -lt 268435456 ]"
        check_eq "push: cpu.max at throttle_cpu" "50000 100000" "$(cat "$(svc_cg push)/cpu.max")"
else
        check_eq "push: CPU quota at throttle_cpu" 50000 "$(cat "$(svc_cg push cpu)/cpu.cfs_quota_us")"
fi
if ! wait_until 120 cgw_log_has "Service 'push': throttle released"; then
        not_ok "push: released" "$(tail -8 "$T/log/push.log")" "memory.current $(cat "$(svc_cg push)/memory.current" 2>/dev/null)" \
                "$(grep -E '^(anon|file) ' "$(svc_cg push)/memory.stat" 2>/dev/null | tr '\n' ' ')"
fi
check "push: released because usage fell below throttle_release_at" \
        sh -c "grep \"Service 'push': throttle released\" '$T/cgw.err' | grep -q 'release'"
check "push: the backlog drained" grep -q "drained" "$T/log/push.log"
check "push: alive after the release" has_main_pid push
check "push: no OOM kill" sh -c "! grep -q \"Observation oom-kill for 'push'\" '$T/cgw.err'"
if $v2; then
        check_eq "push: memory.high restored" "$high0" "$(cat "$(svc_cg push)/memory.high")"
        check_eq "push: cpu.max restored" "max 100000" "$(cat "$(svc_cg push)/cpu.max")"
        check "push: kernel oom_kill 0" grep -q "^oom_kill 0" "$(svc_cg push)/memory.events"
else
        check_eq "push: CPU quota restored" -1 "$(cat "$(svc_cg push cpu)/cpu.cfs_quota_us")"
        check "push: kernel oom_kill 0" grep -q "^oom_kill 0" "$(svc_cg push)/memory.oom_control"
fi

wait_until 60 cgw_log_has "Service 'leak': escalating to throttle_then" || not_ok "leak: escalated" "$(tail -5 "$T/cgw.err")"
check "leak: released by escalation after throttle_max" cgw_log_has "Service 'leak': throttle released"
check "leak: throttle_then = restart" cgw_log_has "Service 'leak': restarting (on_pre-oom)"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
