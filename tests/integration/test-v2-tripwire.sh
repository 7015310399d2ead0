#!/bin/bash
# v2, memory_high = none: a leak of ~400 MB/s (four leakers, 100 MB/s
# each) crossed capture_at and memory.max between two samples and died
# with no evidence at all (measured: 0 of 5 pre-oom captures, 0 of 5
# post-mortems). The capture_at tripwire (memory.high at capture_at until
# the pre-oom is raised) wakes cgwarden when usage crosses it and holds
# the leak there: the pre-oom capture is complete and finished before the
# kill, the tripwire is lifted (memory.high back to max) once the episode
# is seen, and the kill that follows has its own post-mortem.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
require_v2

L=$HELPERS/leaker
RUNS=3
for run in $(seq 1 $RUNS); do
        { cfg_header; cat <<EOF2
[service:burst]
exec = /bin/sh -c '$L 100 & $L 100 & $L 100 & $L 100 & wait'
memory_max = 256M
memory_high = none
on_pre_oom = capture
on_oom_kill = capture
restart = no
stop_timeout = 2s
EOF2
        } > "$T/c.ini"
        : > "$T/cgw.err"
        rm -rf "$T/captures" "$T/log"
        cgw_start run -c "$T/c.ini"
        wait_until 60 has_main_pid burst || not_ok "run $run: started" "$(tail -3 "$T/cgw.err")"
        # (the leak crosses it within a second: the log says what was written)
        check "run $run: tripwire set: memory.high at capture_at (85% of 256M)" \
                wait_until 10 cgw_log_has "Service 'burst': capture_at tripwire set (memory.high $((256 * 1024 * 1024 * 85 / 100)))"
        check "run $run: and lifted when the pre-oom is seen" \
                wait_until 30 cgw_log_has "Service 'burst': capture_at tripwire lifted, the pre-oom is seen (memory.high max)"
        wait_until 60 sh -c "ls -d '$T/captures/burst/'*-oom-kill > /dev/null 2>&1" ||
                not_ok "run $run: an oom-kill post-mortem" "$(tail -5 "$T/cgw.err")"
        hf=$(svc_cg burst)/memory.high
        [ -f "$hf" ] && check_eq "run $run: the tripwire is lifted after the pre-oom (memory.high max)" max "$(cat "$hf")"
        d=$(capture_dir_of burst pre-oom)
        if [ -z "$d" ]; then
                not_ok "run $run: a pre-oom capture" "$(grep -E 'Observation|policy' "$T/cgw.err" | tail -5)"
        else
                ok "run $run: a pre-oom capture: $(basename "$d") ($(mf "$d" "m['trigger']['what']"))"
                check_complete "run $run: pre-oom capture complete" "$d"
                check "run $run: pre-oom capture taken before the kill (oom_kill 0 in it)" grep -q "^oom_kill 0" "$d/memory.events.txt"
                cap_line=$(log_line_of "Capture for 'burst' finished.*pre-oom")
                kill_line=$(log_line_of "Observation oom-kill for 'burst'")
                check "run $run: the pre-oom capture finished before the oom-kill was seen" test "$cap_line" -lt "$kill_line"
        fi
        pm=$(capture_dir_of burst oom-kill)
        check "run $run: the post-mortem holds the kernel's whole report (invoked oom-killer ... task list ... Killed process)" \
                sh -c "grep -q 'invoked oom-killer' '$pm/oom-report.txt' && grep -q 'Tasks state' '$pm/oom-report.txt' &&
                       grep -q 'oom-kill:constraint=' '$pm/oom-report.txt' && tail -n1 '$pm/oom-report.txt' | grep -q 'Killed process'"
        check "run $run: the post-mortem counts the kill" grep -q "^oom_kill [1-9]" "$pm/memory.events.txt"
        cgw_stop TERM
        check_eq "run $run: cgwarden exits 0" 0 "$CGW_RC"
done
