#!/bin/bash
# cgwarden attach: the HotSpot dynamic attach client against real JVMs
# (every JDK under /usr/lib/jvm): the first attach starts the listener,
# jcmd-style commands answer, a JVM as another user, in its own mount and
# pid namespace, with -Xrs, stopped; not a JVM; bounded timeouts; the cap.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/jvm-lib.sh"

say "java: $JAVA ($("$JAVA" -version 2>&1 | head -n1)); others:${OTHER_JAVAS:- none}"
[ -f "$CLASSES/Idle.class" ] || say "no compiled test programs in $CLASSES: using the source launcher"

# start_jvm NAME CMD...: CMD in the background, cwd $T; output in
# $T/NAME.out, pid in $T/NAME.pid (killed by the EXIT trap). Not in the
# test cgroup: on v2 that must hold cgwarden alone (the exec case below).
# Disowned: bash would report each "Killed" at the end.
start_jvm() {
        local name=$1
        shift
        (cd "$T" && exec "$@") > "$T/$name.out" 2>&1 < /dev/null &
        echo $! > "$T/$name.pid"
        disown $!
}
jvm_pid() { cat "$T/$1.pid"; }
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status"; }

# wait_secs SECONDS COMMAND...: like wait_until, but by the clock (a round
# costs much more than 20 ms in the VM), and giving up when COMMAND
# returns 2 (what it waits for cannot happen any more)
wait_secs() {
        local end=$((SECONDS + $1)) rc
        shift
        while :; do
                "$@" 2> /dev/null
                rc=$?
                [ $rc = 0 ] && return 0
                [ $rc = 2 ] && return 1
                [ $SECONDS -ge $end ] && return 1
                sleep 0.05
        done
}
jvm_ready() {
        grep -q '^ready' "$T/$1.out" && return 0
        alive "$(jvm_pid "$1")" || return 2
        return 1
}
wait_ready() { # NAME...
        local n
        for n in "$@"; do
                wait_secs 90 jvm_ready "$n" || not_ok "JVM '$n' started" "$(tail -5 "$T/$n.out")"
        done
}
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# attach NAME ARGS...: run cgwarden attach, stdout in $T/NAME.a.out, stderr
# in $T/NAME.a.err; sets RC and MS (wall time)
attach() {
        local name=$1 t0
        shift
        t0=$(ms_now)
        "$CGW" attach "$@" > "$T/$name.a.out" 2> "$T/$name.a.err"
        RC=$?
        MS=$(($(ms_now) - t0))
}
out_has() { grep -q -- "$2" "$T/$1.a.out"; }
err_has() { grep -q -- "$2" "$T/$1.a.err"; }
show() { echo "rc=$RC ${MS}ms; stderr: $(head -c 300 "$T/$1.a.err"); stdout: $(head -c 200 "$T/$1.a.out")"; }

# ---- start every JVM at once: each takes ~1 s in the VM ----
start_jvm idle $JAVA $JOPTS $(jvm_main Idle)
start_jvm nmt $JAVA $JOPTS -XX:NativeMemoryTracking=summary $(jvm_main Idle)
start_jvm xrs $JAVA $JOPTS -Xrs $(jvm_main Idle)
start_jvm stopped $JAVA $JOPTS $(jvm_main Idle)
start_jvm leak $JAVA $JOPTS $(jvm_main ThreadLeak) 300
start_jvm nobody setpriv --reuid=nobody --regid=nogroup --clear-groups $JAVA $JOPTS $(jvm_main Idle)
HAVE_NS=0
if unshare --mount --pid --fork true 2>/dev/null; then
        HAVE_NS=1
        # its own /tmp (a tmpfs) and pid namespace: the socket is only
        # visible through /proc/PID/root, and the JVM's pid is 1-ish
        start_jvm ns unshare --mount --pid --fork --kill-child --mount-proc \
                sh -c 'mount -t tmpfs tmpfs /tmp && exec "$@"' sh $JAVA $JOPTS $(jvm_main Idle)
fi
i=0
for j in $OTHER_JAVAS; do
        i=$((i + 1))
        start_jvm other$i "$j" $JOPTS $(jvm_main Idle)
done
wait_ready idle nmt xrs stopped leak nobody
[ $HAVE_NS = 1 ] && wait_ready ns
for k in $(seq 1 $i); do wait_ready other$k; done

# ---- usage ----
"$CGW" attach > /dev/null 2>&1
check_eq "no arguments: usage error" 2 $?
"$CGW" attach "$(jvm_pid idle)" > /dev/null 2>&1
check_eq "no command: usage error" 2 $?
"$CGW" attach 12abc Thread.print > /dev/null 2>&1
check_eq "a bad pid: usage error" 2 $?
"$CGW" attach --timeout=soon 1 Thread.print > /dev/null 2>&1
check_eq "a bad --timeout: usage error" 2 $?
"$CGW" attach "$(jvm_pid idle)" VM.print "$(head -c 1100 /dev/zero | tr '\0' x)" > /dev/null 2> "$T/long.err"
check_eq "a command line over 1024 bytes: usage error" 2 $?
check "... saying so" grep -q "too long" "$T/long.err"
"$CGW" attach --help | grep -q "Usage: cgwarden attach"
check "attach --help" test $? = 0

# ---- JDK 17 (or the default JDK): the first attach starts the listener ----
P=$(jvm_pid idle)
check "no attach listener before the first attach" test ! -S "/tmp/.java_pid$P"
attach idle1 "$P" Thread.print
say "first attach (starts the listener): ${MS} ms"
if [ "$RC" = 0 ] && out_has idle1 "Full thread dump"; then ok "Thread.print: a full thread dump"; else not_ok "Thread.print: a full thread dump" "$(show idle1)"; fi
check "the status line is not in the output" sh -c "! head -n1 '$T/idle1.a.out' | grep -qx 0"
check "the socket is there now" test -S "/tmp/.java_pid$P"
check "the trigger file is removed (cwd)" test ! -e "$T/.attach_pid$P"
check "the trigger file is removed (/tmp)" test ! -e "/tmp/.attach_pid$P"
attach idle2 "$P" Thread.print
say "second attach (listener running): ${MS} ms"
if [ "$RC" = 0 ] && out_has idle2 "Full thread dump"; then ok "a second attach"; else not_ok "a second attach" "$(show idle2)"; fi
attach idle3 "$P" VM.native_memory summary
if [ "$RC" = 0 ] && grep -qi "native memory tracking is not enabled" "$T/idle3.a.out"; then ok "NMT off: 'not enabled', status 0"; else not_ok "NMT off: 'not enabled', status 0" "$(show idle3)"; fi
attach idle4 "$P" No.such_command
check_eq "an unknown command: exit 1" 1 "$RC"
check "... the JVM's status on stderr" err_has idle4 "answered status -1"
check "... the JVM's message on stdout" out_has idle4 "Unknown diagnostic command"
attach idle5 "$P" properties
if [ "$RC" = 0 ] && out_has idle5 "java.home="; then ok "a raw operation (properties)"; else not_ok "a raw operation (properties)" "$(show idle5)"; fi
attach idle6 "$P" jcmd VM.version
if [ "$RC" = 0 ] && out_has idle6 "JDK "; then ok "jcmd named explicitly"; else not_ok "jcmd named explicitly" "$(show idle6)"; fi

# the output cap
attach cap --max-output=100 "$P" Thread.print
check_eq "--max-output=100: exit 1" 1 "$RC"
check_eq "... exactly 100 bytes of output" 100 "$(wc -c < "$T/cap.a.out")"
check "... 'truncated' on stderr" err_has cap "truncated"
check "the JVM survives all of it" alive "$P"

# ---- NMT ----
attach nmt "$(jvm_pid nmt)" VM.native_memory summary
if [ "$RC" = 0 ] && out_has nmt "Native Memory Tracking:"; then ok "NMT summary"; else not_ok "NMT summary" "$(show nmt)"; fi

# ---- threads named like a leak ----
attach leak "$(jvm_pid leak)" Thread.print
if [ "$RC" = 0 ] && out_has leak '"nioEventLoopGroup-38-4"' && ! out_has leak '"nioEventLoopGroup-38-5"'; then
        ok "ThreadLeak 300: threads nioEventLoopGroup-1-1 .. 38-4 in the dump"
else
        not_ok "ThreadLeak 300: threads nioEventLoopGroup-1-1 .. 38-4 in the dump" "$(show leak)"
fi
# an output pipe nobody reads (the dump is larger than a pipe's 64 KiB):
# the helper blocks in write() and is killed at the deadline
(
        t0=$(ms_now)
        "$CGW" attach --timeout=1s "$(jvm_pid leak)" Thread.print 2> "$T/block.err"
        echo "$? $(($(ms_now) - t0))" > "$T/block.rc"
) | sleep 3
read -r brc bms < "$T/block.rc"
check_eq "output blocked: exit 1" 1 "$brc"
check "... within timeout + grace (${bms} ms)" test "$bms" -lt 3000
check "... the helper was killed while writing" grep -q "killed while reading and writing the output" "$T/block.err"

# ---- not a JVM ----
sleep 300 &
SP=$!
echo "$SP" > "$T/sleep.pid"
disown $SP
attach notjvm "$SP" Thread.print
check_eq "attach to sleep: exit 1" 1 "$RC"
check "... 'is not a JVM'" err_has notjvm "is not a JVM"
check "... and sleep lives on (no SIGQUIT)" alive "$SP"
attach gone 999999999 Thread.print
check_eq "attach to no process: exit 1" 1 "$RC"
check "... 'no process'" err_has gone "no process"
P=$(jvm_pid idle)
TID=$(ls "/proc/$P/task" | grep -vx "$P" | head -n1)
attach tid "$TID" Thread.print
check_eq "attach to a thread id: exit 1" 1 "$RC"
check "... 'is a thread of process $P'" err_has tid "is a thread of process $P"

# ---- -Xrs: the listener runs from the start; without it no SIGQUIT ----
P=$(jvm_pid xrs)
attach xrs1 "$P" VM.version
if [ "$RC" = 0 ]; then ok "-Xrs with its listener (started at JVM start): attach works"; else not_ok "-Xrs with its listener: attach works" "$(show xrs1)"; fi
rm -f "/tmp/.java_pid$P"
attach xrs2 "$P" VM.version
check_eq "-Xrs without a socket: refused, exit 1" 1 "$RC"
check "... 'does not handle SIGQUIT'" err_has xrs2 "does not handle SIGQUIT"
check "... quickly (${MS} ms)" test "$MS" -lt 2000
check "... no trigger file left" test ! -e "$T/.attach_pid$P" -a ! -e "/tmp/.attach_pid$P"
sleep 0.5
check "... and the JVM still runs" alive "$P"

# ---- a JVM as nobody: the helper takes its credentials; its cwd ($T,
# root's 0755) is not writable for it: the trigger goes to /tmp ----
P=$(jvm_pid nobody)
attach nobody "$P" Thread.print
if [ "$RC" = 0 ] && out_has nobody "Full thread dump"; then ok "a JVM as nobody"; else not_ok "a JVM as nobody" "$(show nobody)"; fi
check_eq "... its socket is nobody's" nobody "$(stat -c %U "/tmp/.java_pid$P" 2>/dev/null)"
check "... no trigger file left" test ! -e "/tmp/.attach_pid$P" -a ! -e "$T/.attach_pid$P"
# a socket that is not the JVM user's is not trusted
mv "/tmp/.java_pid$P" "$T/moved.sock"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); import time; time.sleep(60)' \
        "/tmp/.java_pid$P" 2>/dev/null &
echo $! > "$T/fake.pid"
disown $!
if wait_secs 10 test -S "/tmp/.java_pid$P"; then
        attach fake "$P" Thread.print
        check_eq "a socket owned by root, not the JVM's user: exit 1" 1 "$RC"
        check "... 'not trusted'" err_has fake "not trusted"
        kill "$(cat "$T/fake.pid")" 2>/dev/null
else
        say "no python3: the ownership check is not tested"
fi
rm -f "/tmp/.java_pid$P"
mv "$T/moved.sock" "/tmp/.java_pid$P"

# ---- another mount and pid namespace ----
if [ $HAVE_NS = 1 ]; then
        NSP=$(pgrep -P "$(jvm_pid ns)" | head -n1)
        echo "$NSP" > "$T/ns-java.pid"
        NSPID=$(awk '/^NStgid:/ { print $NF }' "/proc/$NSP/status")
        say "namespaced JVM: pid $NSP, $NSPID in its namespace"
        attach ns "$NSP" Thread.print
        if [ "$RC" = 0 ] && out_has ns "Full thread dump"; then ok "a JVM in its own mount+pid namespace"; else not_ok "a JVM in its own mount+pid namespace" "$(show ns)"; fi
        check "... its socket is in its own /tmp" test -S "/proc/$NSP/root/tmp/.java_pid$NSPID"
        check "... not in ours" test ! -S "/tmp/.java_pid$NSPID" -o "$NSPID" = "$NSP"
else
        say "unshare --mount --pid does not work here: the namespace case is not tested"
fi

# ---- bounded timeouts: a stopped JVM ----
P=$(jvm_pid stopped)
kill -STOP "$P"
attach stop1 --timeout=2s "$P" Thread.print
check_eq "a stopped JVM without a listener: exit 1" 1 "$RC"
check "... 'did not start its attach listener'" err_has stop1 "did not start its attach listener"
check "... within the timeout (${MS} ms)" test "$MS" -lt 4000
check "... no trigger file left" test ! -e "$T/.attach_pid$P"
kill -CONT "$P"
# the pending SIGQUIT now only prints a thread dump to the JVM's stdout
attach stop2 "$P" VM.version
if [ "$RC" = 0 ]; then ok "once continued, it answers"; else not_ok "once continued, it answers" "$(show stop2)"; fi
kill -STOP "$P"
attach stop3 --timeout=2s "$P" Thread.print
check_eq "a stopped JVM with a listener: exit 1" 1 "$RC"
check "... 'timed out waiting for the JVM's reply'" err_has stop3 "timed out waiting for the JVM's reply"
check "... within the timeout (${MS} ms)" test "$MS" -lt 4000
kill -CONT "$P"
check "the JVM lives on" alive "$P"

# ---- parallel first attaches to one JVM ----
P=$(jvm_pid leak)
rm -f "/tmp/.java_pid$P" # its listener no longer gets connections: as if new
for k in 1 2 3 4; do
        "$CGW" attach "$P" VM.version > "$T/par$k.out" 2>&1 &
        echo $! > "$T/par$k.pid"
done
par_ok=0
for k in 1 2 3 4; do
        wait "$(cat "$T/par$k.pid")" && par_ok=$((par_ok + 1))
done
check_eq "four attaches at once all answer" 4 "$par_ok"

# ---- under cgwarden exec ----
cgw_start exec --restart=no --name=jvm -- $JAVA $JOPTS $(jvm_main Idle)
exec_ready() {
        has_main_pid jvm && grep -q '^ready' "$T/cgw.out" && return 0
        alive "$CGW_PID" || return 2
        return 1
}
if wait_secs 90 exec_ready; then
        attach exec "$(svc_main_pid jvm)" Thread.print
        if [ "$RC" = 0 ] && out_has exec "Full thread dump"; then ok "a JVM under cgwarden exec"; else not_ok "a JVM under cgwarden exec" "$(show exec)"; fi
else
        not_ok "a JVM under cgwarden exec started" "$(tail -5 "$T/cgw.err")"
fi
cgw_stop TERM

# ---- the other JDKs ----
k=0
for j in $OTHER_JAVAS; do
        k=$((k + 1))
        P=$(jvm_pid other$k)
        v=$("$j" -version 2>&1 | head -n1)
        attach other$k "$P" Thread.print
        if [ "$RC" = 0 ] && out_has other$k "Full thread dump"; then ok "Thread.print on $v"; else not_ok "Thread.print on $v" "$(show other$k)"; fi
        say "$v: first attach ${MS} ms"
        attach other$k-nmt "$P" VM.native_memory summary
        if [ "$RC" = 0 ] && grep -qi "not enabled" "$T/other$k-nmt.a.out"; then ok "NMT off on $v"; else not_ok "NMT off on $v" "$(show other$k-nmt)"; fi
done

