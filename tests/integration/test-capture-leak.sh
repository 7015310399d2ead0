#!/bin/bash
# Evidence capture on a C leaker (100 MB/s under memory_max=256M): the
# pre-oom observation starts a capture that finishes before any OOM kill;
# the capture directory follows the contract (renamed from .partial, 0700
# and 0600, manifest.json with trigger and items), holds the procfs and
# cgroup items and the history, and records the JVM items as skipped (not
# a JVM). Then retention: capture restart in a loop keeps capture_keep.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"

{ cfg_header; cat <<EOF
[service:leak]
exec = $HELPERS/leaker 100
memory_max = 256M
oom_pause_max = 1s
restart = no
stop_timeout = 2s
EOF
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 60 cgw_log_has "Capture for 'leak' finished" || not_ok "a capture finishes" "$(tail -5 "$T/cgw.err")"
d=$(capture_dir_of leak pre-oom)
check "capture directory <stamp>-pre-oom exists" test -n "$d" -a -d "$d"
say "capture: $d"
check_complete "manifest: complete" "$d"
check_eq "manifest: reason" pre-oom "$(mf "$d" "m['reason']")"
check_eq "manifest: service" leak "$(mf "$d" "m['service']")"
check "manifest: trigger carries memory and limit" \
        test "$(mf "$d" "m['trigger']['memory_current'] > 0 and m['trigger']['memory_max'] == 256*1024*1024")" = True
check "manifest: started_at/finished_at RFC 3339 with ms" \
        test "$(mf "$d" "all(len(m[k]) == 24 and m[k].endswith('Z') for k in ('started_at', 'finished_at'))")" = True
for item in status smaps_rollup tasks pmap memory.stat memory.events pids history; do
        check_eq "item $item ok" ok "$(mf_item "$d" $item)"
done
check_eq "threads: skipped, not a JVM" "skipped: not a JVM (no libjvm.so mapped)" "$(mf_item "$d" threads)"
check "files 0600, directory 0700, no .partial left" capture_modes_ok "$d"
check "pmap.txt: a total line" grep -q "^total kB" "$d/pmap.txt"
check "tasks.txt: the leaker's thread first" sh -c "grep -A2 ' by name (comm' '$d/tasks.txt' | sed -n 3p | grep -q leaker"
check "tasks.txt: one process, the leaker" sh -c "head -n1 '$d/tasks.txt' | grep -q '^1 process, 1 thread in the cgroup' && sed -n 3p '$d/tasks.txt' | grep -q ' leaker$'"
check_eq "findings.tasks_processes" "1 process, 1 thread in the cgroup" "$(mf "$d" "m['findings'].get('tasks_processes')")"
check "history.csv: header and samples" test "$(wc -l < "$d/history.csv")" -ge 2
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
        check "memory.events.txt at capture time: no oom_kill yet" grep -q "^oom_kill 0" "$d/memory.events.txt"
else
        check "memory.events.txt (v1 oom_control) at capture time: no oom_kill yet" grep -q "oom_kill 0" "$d/memory.events.txt"
fi
cap_line=$(log_line_of "Capture for 'leak' finished")
kill_line=$(log_line_of "Observation oom-kill for 'leak'")
check "the capture finished before any OOM kill (log order)" test "$cap_line" -lt "$kill_line"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"

# retention: every pre-oom captures and restarts (no cooldown); capture_keep = 2
{ cfg_header; cat <<EOF
[service:loop]
exec = $HELPERS/leaker 200
memory_max = 128M
on_pre_oom = capture restart
action_cooldown = 0
capture_keep = 2
start_limit = none
stop_timeout = 2s
EOF
} > "$T/c.ini"
: > "$T/cgw.err"
cgw_start run -c "$T/c.ini"
wait_until 90 sh -c "[ \$(grep -c \"Capture for 'loop' finished\" '$T/cgw.err') -ge 3 ]" ||
        not_ok "three captures with restarts" "$(tail -5 "$T/cgw.err")"
check "restarted by on_pre_oom" cgw_log_has "Service 'loop': restarting (on_pre-oom)"
cgw_stop TERM
n=$(ls -d "$T/captures/loop"/*-pre-oom 2>/dev/null | wc -l)
check_eq "capture_keep = 2 kept the newest two" 2 "$n"
[ "$n" = 2 ] || { ls -la "$T/captures/loop"; grep -E "Capture|retention|policy" "$T/cgw.err"; } | sed 's/^/# /'

check "retention is logged" cgw_log_has "Capture retention for 'loop': removed"

# post-mortem: no action before the kill (on_pre_oom = none, no guard),
# so the kernel kills; the oom-kill capture holds what is still readable
{ cfg_header; cat <<EOF
[service:pm]
exec = $HELPERS/leaker 200
memory_max = 128M
memory_high = none
on_pre_oom = none
oom_pause_max = 500ms
restart = no
stop_timeout = 2s
EOF
} > "$T/c.ini"
: > "$T/cgw.err"
cgw_start run -c "$T/c.ini"
wait_until 60 cgw_log_has "Capture for 'pm' finished" || not_ok "pm: a post-mortem capture finishes" "$(tail -5 "$T/cgw.err")"
d=$(capture_dir_of pm oom-kill)
check "pm: capture directory <stamp>-oom-kill" test -n "$d" -a -d "$d"
check_eq "pm: no pid (the process is gone)" None "$(mf "$d" "m['pid']")"
for item in memory.stat memory.events history; do
        check_eq "pm: item $item ok" ok "$(mf_item "$d" $item)"
done
check_eq "pm: no procfs or JVM items" absent "$(mf_item "$d" threads)$(mf_item "$d" status | sed 's/absent//')"
if [ -r /dev/kmsg ] && cgw_log_has "Kernel OOM report for 'pm'"; then
        check "pm: oom-report.txt holds the kernel's report" grep -q "Killed process" "$d/oom-report.txt"
        check "pm: the whole report: the invocation, the usage, the cgroup's stats, the task list, the constraint" \
                sh -c "grep -q '\] .* invoked oom-killer: ' '$d/oom-report.txt' && grep -q '\] memory: usage ' '$d/oom-report.txt' &&
                       grep -q '\] Memory cgroup stats for ' '$d/oom-report.txt' && grep -q '\] Tasks state' '$d/oom-report.txt' &&
                       grep -q '\] oom-kill:constraint=' '$d/oom-report.txt'"
else
        say "pm: the kernel's OOM report was not readable here"
fi
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
        check "pm: memory.events.txt shows the kill" grep -q "^oom_kill [1-9]" "$d/memory.events.txt"
else
        check "pm: memory.events.txt (v1 oom_control) shows the kill" grep -q "oom_kill [1-9]" "$d/memory.events.txt"
fi
cgw_stop TERM

# cooldown per process: the restarted leaker reaches pre-oom again within
# action_cooldown (default 60 s) and, being a new process, is captured
# again (before, its pre-oom was dropped and it died without evidence);
# each policy restart goes through the restart back-off
{ cfg_header; cat <<EOF
[service:cool]
exec = $HELPERS/leaker 200
memory_max = 128M
on_pre_oom = capture restart
oom_pause_max = 500ms
restart = on-failure
restart_delay = 100ms
stop_timeout = 2s
EOF
} > "$T/c.ini"
: > "$T/cgw.err"
rm -rf "$T/captures/cool"
cgw_start run -c "$T/c.ini"
wait_until 60 sh -c "[ \$(ls -d '$T/captures/cool/'*-pre-oom 2>/dev/null | wc -l) -ge 3 ]" ||
        not_ok "cool: three processes captured within action_cooldown" "$(grep policy "$T/cgw.err" | tail -3)"
pids=$(for d in "$T/captures/cool/"*-pre-oom; do mf "$d" "m['pid']"; done | sort -u | wc -l)
check_eq "cool: three captures, three different pids" 3 "$pids"
check "cool: no pre-oom dropped by the cooldown" sh -c "! grep -q \"Service 'cool': policy: pre-oom.*dropped.*cooldown\" '$T/cgw.err'"
check "cool: the policy restarts went through the back-off" cgw_log_has "Service 'cool' will restart in 200ms (failure 2)"
cgw_stop TERM
