#!/bin/bash
# A graceful stop at the task limit: a JVM whose thread leak ran into
# pids_max cannot start the thread that runs its SIGTERM handler
# ("Failed to start the native thread for java.lang.Thread \"SIGTERM
# handler\""), so a stop used to wait all of stop_timeout and end in
# SIGKILL. cgwarden raises pids.max by pids_capture_reserve while it
# stops a service at or near its task limit: the JVM exits 143 within a
# few seconds, and pids.max is restored. Every JDK under /usr/lib/jvm.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/ThreadLeak.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"

n=0
for J in $JAVA $OTHER_JAVAS; do
        n=$((n + 1))
        say "JDK $n: $J"
        { cfg_header; cat <<EOF2
[service:threads]
exec = $J -Xmx64m -Xss256k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp $CLASSES ThreadLeak 0 5
pids_max = 200
on_pids_limit = none
on_pids_max = none
restart = no
stop_timeout = 30s
EOF2
        } > "$T/c.ini"
        : > "$T/cgw.err"
        rm -rf "$T/captures" "$T/log"
        cgw_start run -c "$T/c.ini"
        # at the limit: the leak's own "failed" line
        wait_until 120 sh -c "grep -q 'unable to create\\|failed' '$T/log/threads.log' 2>/dev/null" ||
                not_ok "JDK $n: the thread leak reached pids_max" "$(tail -3 "$T/log/threads.log" 2>&1)"
        check_eq "JDK $n: at its task limit" 200 "$(cat "$(svc_cg threads pids)/pids.current")"
        t0=$(date +%s%N)
        cgw_stop TERM
        ms=$((($(date +%s%N) - t0) / 1000000))
        say "JDK $n: stopped in ${ms} ms (stop_timeout 30s)"
        check_eq "JDK $n: cgwarden exits 0" 0 "$CGW_RC"
        check "JDK $n: pids.max raised for the stop" cgw_log_has "Service 'threads': 200 of 200 tasks: pids.max raised by 16"
        check "JDK $n: the JVM ran its SIGTERM handler (exit 143), not killed at stop_timeout" \
                cgw_log_has "Service 'threads' (pid [0-9]*) exited with status 143"
        check "JDK $n: stopped within 10 s, not stop_timeout" test "$ms" -lt 10000
done
