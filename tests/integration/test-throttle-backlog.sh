#!/bin/bash
# Seed 004 as a soak: a JVM push gateway pulls from an MQ faster than it can
# push, so its heap backlog grows towards memory_max (256M). With
# on_pre_oom = capture throttle it is captured, then throttled (CPU quota
# 10 %, v2 also memory.high): its CPU-bound intake (parsing, 25 ms CPU per
# MB) falls below the network-bound push (8 MB/s), the queue drains and
# the rest of the 800 MB peak waits at the broker. It stays alive, with no
# OOM kill, throttled for minutes, until everything is pulled and pushed;
# when the drained JVM gives its heap back, usage falls below
# throttle_release_at and the throttle is released.
# A soak: tests/run runs it on the host alongside the VM lane (lane
# host-soak), not in the host lanes, and not under ASan, where
# test-throttle runs the same code. In the VM lane (v2: memory.high and
# cpu.max) the peak is shorter, 20 s of intake (320 MB) instead of 50 s
# (800 MB), held for 30 s at least instead of 120 s: the same mechanics in
# about half of the minutes the emulated CPU would take for the whole peak.
# soak
# not-in-lanes: host host-asan (a soak: tests/run runs it as host-soak, alongside the VM lane)
# timeout: 720
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/Backlog.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"
v2=false
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && v2=true
intake_s=50 min_held=120
if $v2; then intake_s=20 min_held=30; fi
MAX=$((256 << 20))

{ cfg_header; cat <<EOF
[service:push]
exec = $JAVA -Xmx1g -XX:+UseSerialGC -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TieredStopAtLevel=1 -cp $CLASSES Backlog 16 8 16 $intake_s 25
memory_max = 256M
capture_at = 50%
capture_lead = 5s
on_pre_oom = capture throttle
throttle_cpu = 10%
throttle_release_at = 40%
throttle_max = 15min
nmt_baseline_after = 1h
restart = no
stop_timeout = 5s
EOF
} > "$T/c.ini"
check "config valid" "$CGW" check "$T/c.ini"
cgw_start run -c "$T/c.ini"

wait_until 60 has_main_pid push || not_ok "push: started"
pid=$(svc_main_pid push)
$v2 && high0=$(cat "$(svc_cg push)/memory.high")
wait_until 90 cgw_log_has "Service 'push' throttled" || not_ok "push: throttled" "$(tail -5 "$T/cgw.err")"
check "push: the capture came first" cgw_log_has "Capture for 'push' finished"
t0=$(date +%s)

usage() {
        if $v2; then cat "$(svc_cg push)/memory.current"; else cat "$(svc_cg push)/memory.usage_in_bytes"; fi 2>/dev/null || echo 0
}
# Every 5 s until released (bounded): still the same process, under the
# limit; the program's own progress lines show the broker draining.
peak=0 alive=true released=false polls=0
while [ $(($(date +%s) - t0)) -lt 600 ]; do
        if [ "$(svc_main_pid push)" != "$pid" ]; then alive=false; break; fi
        u=$(usage)
        [ "$u" -gt "$peak" ] && peak=$u
        polls=$((polls + 1))
        if [ $((polls % 6)) = 0 ]; then
                say "$(($(date +%s) - t0))s throttled: usage $((u >> 20))M, $(grep "stdout: t=" "$T/log/push.log" | tail -n1)"
        fi
        if cgw_log_has "Service 'push': throttle released"; then
                released=true
                break
        fi
        sleep 5
done
held=$(($(date +%s) - t0))
if ! $released; then
        say "not released: the program's last lines:"
        tail -n 5 "$T/log/push.log" | sed 's/^/#   /'
        say "its threads: $(for t in /proc/$pid/task/*; do printf '%s:%s ' "$(cat "$t/comm")" "$(sed -n 's/^State:\t\(.\).*/\1/p' "$t/status")"; done)"
fi
say "released after ~${held}s; peak usage $((peak >> 20))M of 256M"
say "$(grep -E "stdout: (intake done|drained)" "$T/log/push.log" | tr '\n' ';')"
say "$(grep "throttle released" "$T/cgw.err" | head -n1)"
check "push: the same JVM alive through the throttle" $alive
check "push: released (within 10 minutes)" $released
# the program's log and cgwarden's both carry wall-clock times
drained_at=$(grep -m1 "stdout: drained" "$T/log/push.log" | cut -d' ' -f1)
released_at=$(grep -m1 "Service 'push': throttle released" "$T/cgw.err" | cut -d' ' -f2)
say "drained at $drained_at, released at $released_at"
check "push: released after the backlog drained" \
        awk -v d="$(date -d "$drained_at" +%s.%N 2>/dev/null)" -v r="$(date -d "$released_at" +%s.%N 2>/dev/null)" \
        'BEGIN { exit !(d != "" && r != "" && d < r) }'
check "push: everything at the broker was pulled" grep -q "stdout: intake done" "$T/log/push.log"
check "push: throttled for the drain (at least $min_held s), not released early" [ "$held" -ge "$min_held" ]
check "push: usage stayed below memory_max" [ "$peak" -lt "$MAX" ]
check "push: released because usage fell below throttle_release_at" \
        sh -c "grep \"Service 'push': throttle released\" '$T/cgw.err' | grep -q 'release below'"
check "push: throttled once (no second episode)" [ "$(grep -c "Service 'push' throttled" "$T/cgw.err")" = 1 ]
check "push: alive after the release" [ "$(svc_main_pid push)" = "$pid" ]
check "push: no OOM kill seen by cgwarden" sh -c "! grep -q \"Observation oom-kill for 'push'\" '$T/cgw.err'"
if $v2; then
        check "push: kernel oom_kill 0" grep -q "^oom_kill 0" "$(svc_cg push)/memory.events"
        check_eq "push: memory.high restored" "$high0" "$(cat "$(svc_cg push)/memory.high")"
        check_eq "push: cpu.max restored" "max 100000" "$(cat "$(svc_cg push)/cpu.max")"
else
        check "push: kernel oom_kill 0" grep -q "^oom_kill 0" "$(svc_cg push)/memory.oom_control"
        check_eq "push: CPU quota restored" -1 "$(cat "$(svc_cg push cpu)/cpu.cfs_quota_us")"
fi
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
