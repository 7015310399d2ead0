#!/bin/bash
# hang -> thread dump -> restart, with a real JVM of every JDK under
# /usr/lib/jvm (OpenJDK 17, Temurin 25 here), one service each, side by
# side: Deadlock (tests/jvm) speaks sd_notify through systemd-notify run
# as a child (READY=1, then WATCHDOG=1 only while its workers' heartbeat
# advances), and after a few seconds its workers order-writer and
# ledger-flusher take two monitors in opposite orders. The pings stop;
# with ready = notify and watchdog = 10s cgwarden observes `hang`, and
# on_hang = capture restart (the default, written out: with restart = no
# only the service's own list may restart it) takes
# the evidence (threads.txt: Thread.print through the attach listener
# cgwarden asked for in JDK_JAVA_OPTIONS, naming the deadlock and both
# threads), then restarts the JVM, which reports READY=1 again from its
# new pid.
# The first JDK's service runs as root: systemd-notify (root) sends the
# datagram with its parent's pid, the JVM's main pid. The others run as
# nobody: the kernel refuses that, systemd-notify sends its own pid, heard
# because that process is in the service's cgroup (still alive, waiting
# for its BARRIER=1 to be read).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

# systemd-notify (package systemd, in tests/run's list): how a Java
# service sends sd_notify without JNA
NOTIFIER=
for n in "$(command -v systemd-notify 2>/dev/null)" /bin/systemd-notify /usr/bin/systemd-notify; do
        [ -n "$n" ] && [ -x "$n" ] && { NOTIFIER=$n; break; }
done
if [ -z "$NOTIFIER" ]; then
        not_ok "systemd-notify found" "no systemd-notify in PATH, /bin or /usr/bin: install the package systemd (tests/run --install)"
        exit 1
fi

# healthy (and pinging every second) for DEADLOCK_AFTER s after READY=1
DEADLOCK_AFTER=4
PING_MS=1000
cfg_header > "$T/c.ini"
n=0
NAMES=
declare -A USER_OF
for J in $JAVA $OTHER_JAVAS; do
        n=$((n + 1))
        if [ $n = 1 ]; then USER_OF[deadlock$n]=root; else USER_OF[deadlock$n]=nobody; fi
        say "deadlock$n: $J ($("$J" -version 2>&1 | head -n1)) as ${USER_OF[deadlock$n]}"
        NAMES="$NAMES deadlock$n"
        # start_timeout, stop_timeout: generous for the VM lane (TCG),
        # slower, and slower still when another qemu shares the host
        cat >> "$T/c.ini" <<EOF

[service:deadlock$n]
exec = $J $JOPTS $(jvm_main Deadlock) $DEADLOCK_AFTER $PING_MS $NOTIFIER
profile = jvm
user = ${USER_OF[deadlock$n]}
ready = notify
start_timeout = 150s
watchdog = 10s
on_hang = capture restart
restart = no
stop_timeout = 30s
EOF
done
check "config valid" "$CGW" check "$T/c.ini"

t0=$SECONDS
cgw_start run -c "$T/c.ini"

# the main pid of a service's Nth start, the sender of its Nth READY=1
start_pid() { # NAME N
        grep -o "Service '$1' started (pid [0-9]*" "$T/cgw.err" | sed -n "$2s/.*pid //p"
}
ready_pid() { # NAME N
        grep -o "Service '$1' is ready (READY=1 from pid [0-9]*" "$T/cgw.err" | sed -n "$2s/.*pid //p"
}
# check_ready_sender NAME N MAIN_PID: root's systemd-notify speaks for the
# JVM, nobody's for itself (a process in the service's cgroup)
check_ready_sender() {
        local r
        r=$(ready_pid "$1" "$2")
        if [ "${USER_OF[$1]}" = root ]; then
                check_eq "$1: READY=1 #$2 from the JVM's pid (root's systemd-notify)" "$3" "$r"
        else
                check "$1: READY=1 #$2 from systemd-notify's own pid ($r), not the JVM's ($3)" \
                        sh -c "[ -n '$r' ] && [ '$r' != '$3' ]"
        fi
}

for s in $NAMES; do
        wait_until 180 cgw_log_has "Service '$s' is ready (READY=1" ||
                not_ok "$s: READY=1 heard" "$(tail -5 "$T/cgw.err")"
done
say "ready after $((SECONDS - t0)) s"
for s in $NAMES; do
        wait_until 120 cgw_log_has "Observation hang for '$s'" ||
                not_ok "$s: hang observed" "$(tail -5 "$T/cgw.err")"
done
say "hang after $((SECONDS - t0)) s"
for s in $NAMES; do
        wait_until 240 sh -c "[ \$(grep -c \"Service '$s' is ready (READY=1\" '$T/cgw.err') -ge 2 ]" ||
                not_ok "$s: READY=1 heard again after the restart" "$(tail -5 "$T/cgw.err")"
done
say "ready again after $((SECONDS - t0)) s"

for s in $NAMES; do
        first=$(start_pid "$s" 1)
        second=$(start_pid "$s" 2)
        say "$s: pid $first, then $second"
        check_ready_sender "$s" 1 "$first"
        check "$s: the JVM pinged while healthy" grep -q "watchdog-pinger: sent WATCHDOG=1" "$T/log/$s.log"
        check "$s: and stopped pinging when deadlocked" grep -q "no more WATCHDOG=1" "$T/log/$s.log"
        check "$s: the hang names the watchdog" \
                cgw_log_has "Observation hang for '$s': no WATCHDOG=1 for watchdog (10s)"

        d=$(capture_dir_of "$s" hang)
        say "$s: capture $d"
        check "$s: a capture with reason hang" test -n "$d"
        check_complete "$s: manifest complete" "$d"
        check_eq "$s: item threads ok" ok "$(mf_item "$d" threads)"
        check "$s: threads.txt is a full thread dump" grep -q "^Full thread dump" "$d/threads.txt"
        check "$s: threads.txt names the deadlock" grep -q "Found one Java-level deadlock" "$d/threads.txt"
        check "$s: threads.txt names both workers" \
                sh -c "grep -q '^\"order-writer\"' '$d/threads.txt' && grep -q '^\"ledger-flusher\"' '$d/threads.txt'"
        check "$s: the workers wait for each other's monitor" \
                sh -c "grep -A2 '^\"order-writer\":' '$d/threads.txt' | grep -q 'which is held by \"ledger-flusher\"'"

        check "$s: restarted (its own on_hang: capture restart)" cgw_log_has "Service '$s': restarting (on_hang)"
        cap_line=$(log_line_of "Capture for '$s' finished")
        restart_line=$(log_line_of "Service '$s': restarting (on_hang)")
        check "$s: the restart after the capture" test "$cap_line" -lt "$restart_line"
        check "$s: the deadlocked JVM stops on SIGTERM" \
                sh -c "! grep -q \"Service '$s' did not stop within\" '$T/cgw.err'"
        check "$s: the old JVM is gone" is_dead "$first"
        check "$s: a new main pid" sh -c "[ -n '$second' ] && [ '$second' != '$first' ]"
        check_ready_sender "$s" 2 "$second"
done

cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
say "total $((SECONDS - t0)) s"
