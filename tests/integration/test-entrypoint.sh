#!/bin/bash
# cgwarden exec as a container's entrypoint, without a container runtime:
# cgwarden is PID 1 of a new pid namespace (v2: also of a new cgroup
# namespace, whose root is its cgroup, with a cgroup2 mounted there as a
# runtime does), in a test cgroup with a memory limit, and the cgroupfs it
# sees is read-only (a new mount namespace), so it may not create cgroups:
#   a. the mode is chosen by itself and logged; no cgroup is created, the
#      command runs in cgwarden's own cgroup, the limit is left as it was
#   b. HUP, USR1, QUIT, USR2, WINCH sent to cgwarden reach the command (HUP
#      is not a reload, QUIT does not stop it); TERM stops it (its status
#      143 is cgwarden's)
#   c. an orphan reparented to PID 1 is reaped when it dies, and the main
#      process's own status is still the one cgwarden exits with; a main
#      process that ends leaving an orphan deaf to SIGTERM: the orphan is
#      killed at stop_timeout, cgwarden is not, and exits with main's 0
#   d. the exit status passes through: 7 -> 7, SIGKILL -> 137; --guard-self
#      forces the mode (not PID 1); limits to set are usage errors; not as
#      PID 1, a foreign process in the cgroup is not stopped with the
#      service, the service's orphan is
#   f. tini's flags: a shell as the command, its child sigcheck in its
#      process group: a forwarded USR1 reaches the child with
#      --signal-group (tini -g) only, TERM too; --remap-exit=143 (tini -e)
#      makes the TERM-killed shell's 143 an exit 0
#   e. a JVM leaking direct buffers under a 160M limit: a pre-oom capture
#      (manifest, complete) is in --capture-dir before the kernel's OOM kill
#      (its memory.events.txt has no oom_kill yet; the cgroup's has one
#      after), and cgwarden exits 137 once the post-mortem (with the
#      kernel's OOM report) is written; cgwarden has oom_score_adj -1000
#      (it shares the JVM's memory cgroup), the JVM the original value
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"

command -v unshare > /dev/null || skip_test "no unshare (util-linux)"

LIMIT=$((160 << 20))
if [ "$LANE" = v2 ]; then
        echo "$LIMIT" > "$TESTCG/memory.max"
        TESTCG_ALL=$TESTCG
else
        echo "$LIMIT" > "$TESTCG/memory.limit_in_bytes"
        TESTCG_ALL=$(for p in $TESTCG_PROCS; do dirname "$p"; done)
fi
limit_now() { cat "$TESTCG/$([ "$LANE" = v2 ] && echo memory.max || echo memory.limit_in_bytes)"; }
oom_kills() { sed -n 's/^oom_kill \([0-9]*\)/\1/p' "$TESTCG/$([ "$LANE" = v2 ] && echo memory.events || echo memory.oom_control)"; }

# What PID 1 runs before cgwarden: join the test cgroup, then make the
# cgroupfs read-only for itself (v1: each cgroup mount remounted read-only
# in this mount namespace; v2: a new cgroup namespace rooted at the test
# cgroup and a read-only cgroup2 mounted in it, as a container runtime
# does). "$@" is cgwarden's command line.
if [ "$LANE" = v2 ]; then
        NS_SCRIPT='echo 0 > "$CG_PROCS" || exit 99
exec unshare --cgroup -- sh -c '\''umount -l /sys/fs/cgroup && mount -t cgroup2 -o ro cgroup2 /sys/fs/cgroup || exit 98; exec "$@"'\'' sh "$@"'
else
        NS_SCRIPT='for p in $CG_PROCS; do echo 0 > "$p" || exit 99; done
for m in $(awk '\''$5 ~ "^/sys/fs/cgroup" { print $5 }'\'' /proc/self/mountinfo); do
        mount -o remount,bind,ro "$m" || exit 98
done
exec "$@"'
fi

# the pid (on the host) of cgwarden: unshare's child, once it runs cgwarden
entry_pid() {
        local p
        p=$(cat "/proc/$UNSHARE_PID/task/$UNSHARE_PID/children" 2> /dev/null) || return 1
        p=${p%% *}
        # the same file (its path differs in the VM's new mount namespace)
        [ -n "$p" ] && [ "$(stat -L -c %d:%i "/proc/$p/exe" 2> /dev/null)" = "$(stat -L -c %d:%i "$CGW")" ] && echo "$p"
}

entry_found_or_gone() { entry_pid > /dev/null || is_dead "$UNSHARE_PID"; }

# entry_start ARGS...: `cgwarden ARGS` as PID 1 as above, in the background.
# Output: $T/cgw.out, $T/cgw.err. Sets UNSHARE_PID and ENTRY_PID (cgwarden,
# as the host sees it).
entry_start() {
        CG_PROCS=$TESTCG_PROCS unshare --pid --fork --mount --mount-proc --propagation private -- \
                bash -c "$NS_SCRIPT" entry "$CGW" "$@" > "$T/cgw.out" 2> "$T/cgw.err" &
        UNSHARE_PID=$!
        echo "$UNSHARE_PID" > "$T/unshare.pid"
        # (a short command may have ended already)
        wait_until 20 entry_found_or_gone
        ENTRY_PID=$(entry_pid)
        if [ -n "$ENTRY_PID" ]; then
                echo "$ENTRY_PID" > "$T/entry.pid"
        elif ! is_dead "$UNSHARE_PID"; then
                not_ok "cgwarden runs as PID 1 of its namespace" "$(cat "$T/cgw.err")"
        fi
}

# entry_wait SECONDS: wait for cgwarden's end (bounded); ENTRY_RC is its
# status (unshare passes it on)
entry_wait() {
        ENTRY_RC=timeout
        if wait_until "$1" is_dead "$UNSHARE_PID"; then
                wait "$UNSHARE_PID"
                ENTRY_RC=$?
        else
                # so that the next part starts clean (its PID 1 gone, the
                # namespace's processes with it)
                [ -n "$ENTRY_PID" ] && kill -9 "$ENTRY_PID"
                kill -9 "$UNSHARE_PID"
                wait "$UNSHARE_PID"
        fi
        rm -f "$T/unshare.pid" "$T/entry.pid"
}

# the children of cgwarden, as the host sees them
entry_children() { tr -s ' ' '\n' < "/proc/$ENTRY_PID/task/$ENTRY_PID/children" 2> /dev/null | grep .; }
has_child() { [ -n "$(entry_children)" ]; }

# host_pid NSPID: the host pid of cgwarden's namespace's process NSPID
host_pid() {
        local p
        for p in $(cat "$TESTCG/cgroup.procs"); do
                [ "$(readlink "/proc/$p/ns/pid" 2> /dev/null)" = "$(readlink "/proc/$ENTRY_PID/ns/pid")" ] || continue
                [ "$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status" 2> /dev/null)" = "$1" ] && { echo "$p"; return 0; }
        done
        return 1
}

# ---- a, b: the mode, the cgroup, the signals ----
say "a, b: signals"
entry_start exec -- "$HELPERS/sigcheck" --record "$T/sig"
check "the command runs" wait_until 20 grep -qx ready "$T/sig"
check "the mode is chosen by itself and logged" \
        grep -q "info: entrypoint mode: PID 1 in cgroup .*, which is not delegated (.*); guarding it\." "$T/cgw.err"
say "$(grep -m1 'entrypoint mode' "$T/cgw.err" | sed 's/^[^:]*: //')"
child=$(entry_children)
check "the command is cgwarden's one child" test -n "$child"
check "the command runs in cgwarden's own cgroup" grep -qx "$child" "$TESTCG/cgroup.procs"
check_eq "no cgroup was created" "" "$(for d in $TESTCG_ALL; do find "$d" -mindepth 1 -type d; done)"
check_eq "the limit is as it was" "$LIMIT" "$(limit_now)"
check "the command's signals are not blocked" grep -q "^SigBlk:.*0000000000000000$" "$T/cgw.out"
for sig in HUP USR1 QUIT USR2 WINCH; do
        kill -s "$sig" "$ENTRY_PID"
        check "SIG$sig sent to cgwarden reaches the command" wait_until 10 grep -qx "$sig" "$T/sig"
done
check "cgwarden still runs after them (HUP is no reload, QUIT no stop)" kill -0 "$ENTRY_PID"
check "the command still runs" kill -0 "$child"
check "the forwarding is logged" grep -q "Forwarded SIGHUP to 'sigcheck' (pid [0-9]*)" "$T/cgw.err"
kill -s TERM "$ENTRY_PID"
entry_wait 60
check "SIGTERM reaches the command" grep -qx TERM "$T/sig"
check_eq "SIGTERM: cgwarden exits with the command's status (143)" 143 "$ENTRY_RC"
check "the stop is exec mode's (stop_signal to the command)" grep -q "Stopping 'sigcheck' (pid [0-9]*) with SIGTERM" "$T/cgw.err"

# ---- c: an orphan's zombie is reaped ----
say "c: orphans"
mkdir -m 777 "$T/df"
entry_start exec -- "$HELPERS/doublefork" "$T/df"
check "the daemonised grandchild runs" wait_until 20 test -s "$T/df/grandchild.pid"
orphan=$(host_pid "$(cat "$T/df/grandchild.pid")")
main=$(host_pid "$(cat "$T/df/main.pid")")
[ -n "$orphan" ] && echo "$orphan" > "$T/orphan.pid"
check "the grandchild is found" test -n "$orphan"
check "its parent died: it was reparented to cgwarden (PID 1)" \
        grep -qx "PPid:[[:space:]]*$ENTRY_PID" "/proc/$orphan/status"
kill -9 "$orphan"
check "its zombie is reaped by cgwarden" wait_until 10 sh -c "! test -e /proc/$orphan"
rm -f "$T/orphan.pid"
check "the main process still runs" kill -0 "$main"
check "cgwarden still runs" kill -0 "$ENTRY_PID"
kill -s TERM "$ENTRY_PID"
entry_wait 60
check_eq "the main process's status (143) is still cgwarden's" 143 "$ENTRY_RC"

# the main process ends and leaves an orphan that ignores SIGTERM: the
# stop of exec mode (stop_signal to what is left, stop_timeout, then all
# but cgwarden killed), and cgwarden exits with the main process's status
rm -rf "$T/df" && mkdir -m 777 "$T/df"
entry_start exec --stop-timeout=2s -- "$HELPERS/doublefork" "$T/df" --main-exits
check "the grandchild ran" wait_until 20 test -s "$T/df/grandchild.pid"
entry_wait 60
check_eq "main exits 0, its orphan is killed at stop_timeout: cgwarden exits 0" 0 "$ENTRY_RC"
check "the kill at stop_timeout is logged" grep -q "Service 'doublefork' did not stop within 2000ms: killing its cgroup" "$T/cgw.err"
check_eq "nothing is left in the cgroup" "" "$(cat "$TESTCG/cgroup.procs")"

# ---- d: exit status ----
say "d: exit status"
entry_start exec -- "$HELPERS/crasher" exit 7
entry_wait 30
check_eq "exit 7 gives 7" 7 "$ENTRY_RC"
entry_start exec -- sh -c 'kill -KILL $$'
entry_wait 30
check_eq "killed by SIGKILL gives 137" 137 "$ENTRY_RC"
check "the death is logged" grep -q "killed by signal SIGKILL" "$T/cgw.err"

# ---- f: --signal-group (tini -g), --remap-exit (tini -e) ----
say "f: tini's -g and -e"
# sh traps USR1 and waits for its child; the child records its signals
grp_cmd() { # RECORD
        echo "$HELPERS/sigcheck --record $1 > /dev/null & c=\$!; trap 'echo USR1 >> $1.sh' USR1; echo ready >> $1.sh; while kill -0 \$c 2> /dev/null; do wait \$c; done"
}
entry_start exec -- sh -c "$(grp_cmd "$T/g0")"
wait_until 20 sh -c "grep -qx ready '$T/g0' && grep -qx ready '$T/g0.sh'"
kill -s USR1 "$ENTRY_PID"
check "without --signal-group USR1 reaches the shell (the main process)" wait_until 10 grep -qx USR1 "$T/g0.sh"
check "and not its child" sh -c "! grep -qx USR1 '$T/g0'"
kill -s TERM "$ENTRY_PID"
entry_wait 60
check_eq "SIGTERM kills the shell: 143" 143 "$ENTRY_RC"
entry_start exec --signal-group --remap-exit=143 --remap-exit=7 -- sh -c "$(grp_cmd "$T/g1")"
wait_until 20 sh -c "grep -qx ready '$T/g1' && grep -qx ready '$T/g1.sh'"
kill -s USR1 "$ENTRY_PID"
check "--signal-group: USR1 reaches the shell" wait_until 10 grep -qx USR1 "$T/g1.sh"
check "--signal-group: and its child (the process group)" wait_until 10 grep -qx USR1 "$T/g1"
kill -s TERM "$ENTRY_PID"
entry_wait 60
check "--signal-group: the stop signal reaches the child too" grep -qx TERM "$T/g1"
check_eq "--remap-exit=143: the shell's 143 exits 0" 0 "$ENTRY_RC"
check "the remap is logged" grep -q "Exit status 143 remapped to 0 (--remap-exit)" "$T/cgw.err"
entry_start exec --remap-exit=SIGKILL -- sh -c 'kill -KILL $$'
entry_wait 30
check_eq "--remap-exit=SIGKILL: killed by SIGKILL exits 0" 0 "$ENTRY_RC"
entry_start exec --remap-exit=143 -- "$HELPERS/crasher" exit 7
entry_wait 30
check_eq "--remap-exit=143: another status (7) passes through" 7 "$ENTRY_RC"
cgw_run_fg exec --remap-exit=300 -- /bin/true 2> "$T/e-remap"
check_eq "--remap-exit=300 is a usage error" 2 $?
check "it says why" grep -q "exec: invalid exit status '300' for --remap-exit" "$T/e-remap"

# ---- the usage errors of the mode ----
CG_PROCS=$TESTCG_PROCS unshare --pid --fork --mount --mount-proc --propagation private -- \
        bash -c "$NS_SCRIPT" entry "$CGW" exec --memory-max=100M -- /bin/true 2> "$T/e-limit"
check_eq "a limit to set is a usage error in this mode" 2 $?
check "the error says why" grep -q "exec: --memory-max=100M: in entrypoint mode .* the container's" "$T/e-limit"

# ---- forced: --guard-self, not PID 1, in a cgroup it could write ----
: > "$T/cgw.err"
cgw_run_fg exec --guard-self -- "$HELPERS/crasher" exit 3 2> "$T/cgw.err"
check_eq "--guard-self: exit 3 gives 3" 3 $?
check "--guard-self is logged" grep -q "entrypoint mode (--guard-self): guarding cgwarden's own cgroup" "$T/cgw.err"
check_eq "--guard-self: no cgroup was created" "" "$(for d in $TESTCG_ALL; do find "$d" -mindepth 1 -type d; done)"
cgw_run_fg exec --guard-self --pids-max=100 -- /bin/true 2> "$T/e-limit"
check_eq "--guard-self: a limit to set is a usage error" 2 $?
# not PID 1, in a cgroup a foreign process shares: only cgwarden's
# descendants are the service's (its orphans too: it is their subreaper)
sh -c "for p in $TESTCG_PROCS; do echo \$\$ > \$p; done; exec sleep 1000" &
echo $! > "$T/foreign.pid"
foreign=$(cat "$T/foreign.pid")
wait_until 5 grep -qx "$foreign" "$TESTCG/cgroup.procs"
rm -rf "$T/df" && mkdir -m 777 "$T/df"
cgw_run_fg exec --guard-self --stop-timeout=1s -- "$HELPERS/doublefork" "$T/df" --main-exits 2> "$T/cgw.err"
check_eq "--guard-self: main exits 0, its orphan killed at stop_timeout: exit 0" 0 $?
orphan=$(cat "$T/df/grandchild.pid" 2> /dev/null)
check "--guard-self: the orphan (reparented to cgwarden, its subreaper) was killed" \
        test -n "$orphan" -a ! -e "/proc/$orphan"
check "--guard-self: the foreign process in the same cgroup was left alone" kill -0 "$foreign"
kill -9 "$foreign"

# ---- e: a JVM, its evidence before the kernel's OOM kill ----
. "$(dirname "$0")/jvm-lib.sh"
if [ ! -f "$CLASSES/DirectLeak.class" ]; then
        say "e: skipped: the Java test programs were not compiled (no javac at build time)"
        exit 0
fi
say "e: JVM $JAVA ($("$JAVA" -version 2>&1 | head -n1))"
# slower under TCG (the VM lane), where the JVM items of a capture take longer
RATE=8
[ "$LANE" = v2 ] && RATE=3
kills_before=$(oom_kills)
rm -rf "$T/captures"
entry_start exec --name=jvm --capture-dir="$T/captures" --on-pre-oom=capture --capture-timeout=120s -- \
        "$JAVA" $JOPTS -XX:MaxDirectMemorySize=1g $(jvm_main DirectLeak) "$RATE"
# cgwarden shares the JVM's memory cgroup: the OOM killer must never take
# it (-1000, as root), and the JVM must not inherit that
if [ -n "$ENTRY_PID" ] && wait_until 20 sh -c "pgrep -P '$ENTRY_PID' > /dev/null"; then
        jpid=$(pgrep -P "$ENTRY_PID" | head -n1)
        # lowering it needs CAP_SYS_RESOURCE (bit 24), which this host's
        # container lacks: then it stays as it was
        want=-1000
        (( 0x$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status) >> 24 & 1 )) || want=$(cat /proc/self/oom_score_adj)
        check_eq "e: cgwarden's oom_score_adj (-1000 with CAP_SYS_RESOURCE: never the OOM killer's choice)" "$want" "$(cat "/proc/$ENTRY_PID/oom_score_adj" 2>&1)"
        check_eq "e: the JVM's oom_score_adj is the one cgwarden was given" "$(cat /proc/self/oom_score_adj)" "$(cat "/proc/$jpid/oom_score_adj" 2>&1)"
fi
entry_wait 400
check_eq "the kernel's OOM kill: cgwarden exits 137" 137 "$ENTRY_RC"
check "the kernel killed it (oom_kill counted in the container's cgroup)" test "$(oom_kills)" -gt "${kills_before:-0}"
d=$(capture_dir_of jvm pre-oom)
if [ -z "$d" ]; then
        not_ok "a pre-oom capture is in --capture-dir" "$(ls -R "$T/captures" 2>&1 | head)" "$(grep -i 'capture\|oom' "$T/cgw.err" | tail -5)"
else
        ok "a pre-oom capture is in --capture-dir: $(basename "$d")"
        check "with its manifest" test -s "$d/manifest.json"
        check_complete "the capture is complete" "$d"
        killed=$(sed -n "s/.*Service 'jvm' (pid \([0-9]*\)) killed by signal SIGKILL.*/\1/p" "$T/cgw.err" | head -n1)
        check_eq "it is the killed JVM's" "$killed" "$(mf "$d" "m['pid']")"
        check "it has the thread dump and the NMT summary" test -s "$d/threads.txt" -a -s "$d/nmt.txt"
        cap_line=$(grep -n "Capture for 'jvm' finished.*$(basename "$d")" "$T/cgw.err" | head -n1 | cut -d: -f1)
        end_line=$(log_line_of "Service 'jvm' (pid [0-9]*) killed by signal SIGKILL")
        check "it finished before the kill" test "${cap_line:-999999}" -lt "$end_line"
        [ "${cap_line:-999999}" -lt "$end_line" ] || say "$(grep -n "Capture for\|killed by" "$T/cgw.err")"
        before=$(sed -n 's/.*oom_kill \([0-9]*\).*/\1/p' "$d/memory.events.txt" | tail -n1)
        check_eq "it was taken before the kernel's OOM kill (oom_kill in its memory.events.txt)" "${kills_before:-0}" "${before:-?}"
        say "trigger: $(mf "$d" "m['trigger']")"
fi
# the post-mortem starts as the JVM dies: cgwarden exits after it
pm=$(capture_dir_of jvm oom-kill)
check "the post-mortem (oom-kill) capture is finished before cgwarden exits" test -n "$pm"
if [ -n "$pm" ]; then
        check_complete "the post-mortem is complete" "$pm"
        # kmsg names the cgroup as the host sees it; in a cgroup namespace
        # (v2 here) cgwarden cannot tell it is its own (its own path is /)
        if [ "$LANE" = v1 ]; then
                check "it has the kernel's OOM report" grep -q "Killed process" "$pm/oom-report.txt"
        else
                say "oom-report.txt: $([ -s "$pm/oom-report.txt" ] && echo present || echo "absent (cgroup namespace)")"
        fi
fi
check_eq "the limit is still as it was" "$LIMIT" "$(limit_now)"
check_eq "still no cgroup was created" "" "$(for d in $TESTCG_ALL; do find "$d" -mindepth 1 -type d; done)"
