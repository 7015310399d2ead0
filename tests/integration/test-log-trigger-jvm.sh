#!/bin/bash
# The JSW-style output trigger on a real JVM, with every JDK under
# /usr/lib/jvm: the Backlog push gateway under -Xmx48m (its cgroup far
# larger, so the heap runs out first) has its mq-intake thread die of
# OutOfMemoryError; the JVM prints it and limps on, the push consumer
# idle. profile = jvm's trigger (java\.lang\.OutOfMemoryError => capture
# restart) captures the limping JVM (its thread dump, NMT, heap info),
# then restarts it.
# not-in-lanes: vm (the output trigger reads the service's output, the same on v1 and v2; test-log-trigger runs it in the VM lane, and CI's VM lane has no minutes to spare; in the VM run it with tests/integration/run --lane v2 test-log-trigger-jvm.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/Backlog.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"

cfg_header > "$T/c.ini"
n=0 NAMES=
for J in $JAVA $OTHER_JAVAS; do
        n=$((n + 1))
        NAMES="$NAMES heap$n"
        say "heap$n: $J ($("$J" -version 2>&1 | head -n1))"
        cat >> "$T/c.ini" <<EOF

[service:heap$n]
exec = $J -Xmx48m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp $CLASSES Backlog 40 5
profile = jvm
memory_max = 512M
restart = on-failure
restart_delay = 100ms
stop_timeout = 10s
EOF
done
check "config valid" "$CGW" check "$T/c.ini"
cgw_start run -c "$T/c.ini"

for s in $NAMES; do
        wait_until 180 sh -c "[ \$(grep -c \"Service '$s' started\" '$T/cgw.err') -ge 2 ]" ||
                not_ok "$s: captured and restarted" "$(grep "'$s'" "$T/cgw.err" | tail -6)"
done
for s in $NAMES; do
        first=$(grep -o "Service '$s' started (pid [0-9]*" "$T/cgw.err" | sed -n '1s/.*pid //p')
        check "$s: the JVM printed the OutOfMemoryError" \
                grep -q 'Exception in thread "mq-intake" java.lang.OutOfMemoryError: Java heap space' "$T/log/$s.log"
        check "$s: the profile's trigger matched it" \
                cgw_log_has "Observation log-trigger for '$s': /java\\\\.lang\\\\.OutOfMemoryError/ matched: Exception in thread \"mq-intake\""
        check "$s: not a memory observation (the heap ran out, not the cgroup)" \
                sh -c "! grep -qE \"Observation (pre-oom|oom-kill) for '$s'\" '$T/cgw.err'"
        d=$(capture_dir_of "$s" log-trigger)
        say "$s: capture $d"
        check_complete "$s: a complete log-trigger capture" "$d"
        check "$s: the trigger line in the manifest" test "$(mf "$d" "'mq-intake' in m['trigger']['what']")" = True
        for item in threads nmt heap; do
                check_eq "$s: item $item ok" ok "$(mf_item "$d" $item)"
        done
        # (mq-intake may still be in it: the trigger can fire while the
        # dying thread is printing its stack trace)
        check "$s: the dump shows the JVM that limps on: the push consumer" \
                grep -q '^"push-consumer"' "$d/threads.txt"
        check "$s: the capture came before the restart" \
                test "$(log_line_of "Capture for '$s' finished")" -lt "$(log_line_of "Service '$s': restarting (on_log-trigger)")"
        check "$s: the limping JVM was stopped" is_dead "$first"
done
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
