#!/bin/bash
# Evidence capture on real leaking JVMs under cgwarden, with every JDK
# under /usr/lib/jvm (OpenJDK 17, Temurin 25 here):
#   direct: direct ByteBuffers kept in a list (seed 001/002) under
#           memory_max=384M: a pre-oom capture, complete, before any OOM
#           kill, with nmt.txt, nmt-diff.txt (the baseline cgwarden took
#           by itself) naming the grown category, threads.txt, pmap.txt
#   threads: nioEventLoopGroup-N-M threads started and never stopped
#           (seed 000) under pids_max=300: a pids-limit capture with the
#           leaking group first in tasks.txt and a full thread dump, and
#           the JVM is not killed by it
#   unsafe, backlog (host lane): Unsafe.allocateMemory never freed, and a
#           heap backlog; NMT names Other and Java Heap
# cgwarden adds -XX:+StartAttachListener and NMT through JDK_JAVA_OPTIONS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/DirectLeak.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"

n=0
for J in $JAVA $OTHER_JAVAS; do
        n=$((n + 1))
        v=$("$J" -version 2>&1 | head -n1)
        say "JDK $n: $J ($v)"
        { cfg_header; cat <<EOF
[service:direct]
exec = $J -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:MaxDirectMemorySize=2g -cp $CLASSES DirectLeak 40
memory_max = 384M
nmt_baseline_after = 2s
oom_pause_max = 2s
restart = no
stop_timeout = 5s

[service:threads]
exec = $J -Xmx64m -Xss256k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp $CLASSES ThreadLeak 400 20
pids_max = 300
restart = no
stop_timeout = 5s
EOF
        } > "$T/c.ini"
        : > "$T/cgw.err"
        rm -rf "$T/captures" "$T/log"
        cgw_start run -c "$T/c.ini"
        wait_until 180 cgw_log_has "Capture for 'direct' finished" ||
                not_ok "JDK $n direct: a capture finishes" "$(tail -5 "$T/cgw.err")"
        wait_until 180 cgw_log_has "Capture for 'threads' finished" ||
                not_ok "JDK $n threads: a capture finishes" "$(tail -5 "$T/cgw.err")"

        d=$(capture_dir_of direct pre-oom)
        say "JDK $n direct: $d"
        check "JDK $n direct: JDK_JAVA_OPTIONS picked up" grep -q "Picked up JDK_JAVA_OPTIONS: -XX:+StartAttachListener -XX:NativeMemoryTracking=summary" "$T/log/direct.log"
        check "JDK $n direct: NMT baseline taken by cgwarden" cgw_log_has "Service 'direct': NMT baseline taken"
        check_complete "JDK $n direct: manifest complete" "$d"
        for item in threads nmt nmt-diff heap pmap tasks; do
                check_eq "JDK $n direct: item $item ok" ok "$(mf_item "$d" $item)"
        done
        check "JDK $n direct: nmt.txt is an NMT summary" grep -q "Native Memory Tracking" "$d/nmt.txt"
        top=$(mf "$d" "m['findings'].get('nmt_top_growth', '')")
        say "JDK $n direct: nmt top growth: $top"
        check "JDK $n direct: the grown NMT category is the direct buffers' (Other)" sh -c "echo '$top' | grep -q '^Other +'"
        check "JDK $n direct: threads.txt is a full thread dump" grep -q "^Full thread dump" "$d/threads.txt"
        check "JDK $n direct: pmap.txt lists mappings" test "$(wc -l < "$d/pmap.txt")" -gt 10
        cap_line=$(log_line_of "Capture for 'direct' finished")
        kill_line=$(log_line_of "Observation oom-kill for 'direct'")
        check "JDK $n direct: the capture finished before any OOM kill" test "$cap_line" -lt "$kill_line"

        d=$(capture_dir_of threads pids-limit)
        say "JDK $n threads: $d"
        check_complete "JDK $n threads: manifest complete" "$d"
        check "JDK $n threads: tasks.txt names the leaking group first (comm)" sh -c "grep -A2 ' by name (comm' '$d/tasks.txt' | sed -n 3p | grep -q 'nioEventLoopGro\*'"
        check "JDK $n threads: tasks.txt groups the Java threads by their full names" sh -c "grep -A2 ' Java threads in ' '$d/tasks.txt' | sed -n 3p | grep -q 'nioEventLoopGroup-#-#'"
        top=$(mf "$d" "m['findings'].get('tasks_top_group', '')")
        check "JDK $n threads: findings.tasks_top_group is the Java group: $top" sh -c "echo '$top' | grep -q '^nioEventLoopGroup-#-# ([0-9]* of [0-9]* Java threads)'"
        check "JDK $n threads: tasks.txt lists the JVM's process with its threads" sh -c "sed -n 3p '$d/tasks.txt' | grep -Eq '^ +[0-9]+ +[0-9]{3} +java$'"
        check "JDK $n threads: threads.txt is a full thread dump with the leak" \
                sh -c "grep -q '^Full thread dump' '$d/threads.txt' && grep -q 'nioEventLoopGroup-' '$d/threads.txt'"
        check "JDK $n threads: pids.max raised for the capture" cgw_log_has "Service 'threads': pids.max raised by 16"
        pid=$(svc_main_pid threads)
        check "JDK $n threads: the JVM at its task limit is alive after the capture" test -n "$pid"
        check "JDK $n threads: pids.max restored" test "$(cat "$(svc_cg threads pids)/pids.max")" = 300
        check "JDK $n threads: not killed" sh -c "! grep -q \"Service 'threads' .*\\(killed\\|exited\\)\" '$T/cgw.err'"
        cgw_stop TERM
        check_eq "JDK $n: cgwarden exits 0" 0 "$CGW_RC"

        # host lane only (the VM lane is slow for JVMs): Unsafe.allocateMemory
        # never freed (seed 002), and a heap backlog (seed 004)
        [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && continue
        { cfg_header; cat <<EOF
[service:unsafe]
exec = $J -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp $CLASSES UnsafeLeak 40
memory_max = 384M
nmt_baseline_after = 1s
capture_lead = 1s
oom_pause_max = 2s
restart = no
stop_timeout = 5s

[service:backlog]
exec = $J -Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp $CLASSES Backlog 60 10
memory_max = 384M
nmt_baseline_after = 1s
capture_lead = 1s
oom_pause_max = 2s
restart = no
stop_timeout = 5s
EOF
        } > "$T/c.ini"
        : > "$T/cgw.err"
        rm -rf "$T/captures" "$T/log"
        cgw_start run -c "$T/c.ini"
        for svc in unsafe backlog; do
                wait_until 180 cgw_log_has "Capture for '$svc' finished" ||
                        not_ok "JDK $n $svc: a capture finishes" "$(tail -5 "$T/cgw.err")"
        done
        for svc in unsafe:Other "backlog:Java Heap"; do
                name=${svc%%:*} cat=${svc#*:}
                d=$(capture_dir_of "$name" pre-oom)
                top=$(mf "$d" "m['findings'].get('nmt_top_growth', '')")
                say "JDK $n $name: nmt top growth: $top"
                check_complete "JDK $n $name: manifest complete" "$d"
                check "JDK $n $name: the grown NMT category is $cat" sh -c "echo '$top' | grep -q '^$cat +'"
                cap_line=$(log_line_of "Capture for '$name' finished")
                kill_line=$(log_line_of "Observation oom-kill for '$name'")
                check "JDK $n $name: the capture finished before any OOM kill" test "$cap_line" -lt "$kill_line"
        done
        cgw_stop TERM
done

# A fast leak caught at the limit (capture_at 99 %): on v1 the JVM is
# paused by the OOM pause when the capture starts, on v2 throttled at
# memory.high; capture_reserve lets it answer the attach.
{ cfg_header; cat <<EOF
[service:fast]
exec = $JAVA -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:MaxDirectMemorySize=2g -cp $CLASSES DirectLeak 200
memory_max = 256M
capture_at = 99%
capture_lead = 0
oom_pause_max = 5s
restart = no
stop_timeout = 5s
EOF
} > "$T/c.ini"
: > "$T/cgw.err"
rm -rf "$T/captures" "$T/log"
cgw_start run -c "$T/c.ini"
wait_until 180 cgw_log_has "Capture for 'fast' finished" ||
        not_ok "fast: a capture finishes" "$(tail -5 "$T/cgw.err")"
d=$(capture_dir_of fast pre-oom)
check_complete "fast: manifest complete" "$d"
check_eq "fast: the JVM answered Thread.print at its limit" ok "$(mf_item "$d" threads)"
check "fast: capture_reserve granted" grep -Eq "Service 'fast': memory(\.high lifted| limit raised)" "$T/cgw.err"
cap_line=$(log_line_of "Capture for 'fast' finished")
kill_line=$(log_line_of "Observation oom-kill for 'fast'")
check "fast: the capture finished before any OOM kill" test "$cap_line" -lt "$kill_line"
check "fast: restart = no is kept after the kill" sh -c "! grep -q \"Service 'fast' started\" '$T/cgw.err' || [ \$(grep -c \"Service 'fast' started\" '$T/cgw.err') = 1 ]"
cgw_stop TERM
