#!/bin/bash
# Watch mode's unit = under a real systemd (the systemd lane): a unit
# cgwarden did not start, resolved over D-Bus (LoadUnit, its ControlGroup),
# guarded through its restarts, and restarted through systemd.
#   resolve:  the unit's cgroup comes from systemd while the unit is not
#             running; status lists the watch with kind "unit" once it runs
#   follow:   `systemctl restart` (systemd's own restart): cgwarden finds the
#             new JVM in the recreated cgroup
#   pre-oom:  a direct-buffer leak under the unit's MemoryMax= is captured
#             (NMT diff, thread dump) before the kernel's kill, and
#             on_pre_oom's restart goes to systemd (RestartUnit): a new JVM
#             runs, the leaking one never met the OOM killer
#   stop:     after a reload to on_pre_oom = capture stop, the next leak
#             ends in StopUnit: the unit inactive, no cgroup left, cgwarden
#             goes on
#   cli:      `cgwarden start|restart|stop NAME` of the watched unit go to
#             systemd (StartUnit, RestartUnit, StopUnit); `stop --wait`
#             returns once the unit's cgroup is empty or gone
# Skips (77) unless PID 1 is systemd; the host and the plain VM lane skip it.
# systemd-lane: run by tests/integration/run --lane systemd
# timeout: 500
if [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ] || [ ! -d /run/systemd/system ]; then
        echo "SKIP: PID 1 is not systemd (runs in the systemd lane: tests/vm/run-in-vm --systemd)"
        exit 77
fi
CGW_NO_TESTCG=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/DirectLeak.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"

UNIT=cgw-leaky-$$.service
UNIT_FILE=/run/systemd/system/$UNIT
unit_cleanup() {
        systemctl stop "$UNIT" 2> /dev/null
        rm -f "$UNIT_FILE"
        systemctl daemon-reload
        systemctl reset-failed "$UNIT" 2> /dev/null
}
trap 'rc=$?; unit_cleanup; (exit $rc); cleanup' EXIT

prop() { systemctl show -p "$1" --value "$UNIT"; }
main_pid() { prop MainPID; }
status_json() { "$CGW" status --json -c "$T/c.ini" 2> /dev/null; }
st() { # NAME PYTHON-EXPRESSION-ON-s: a field of NAME's status
        status_json | python3 -c 'import json,sys; d=json.load(sys.stdin); s=[x for x in d if x["name"]==sys.argv[1]]; print(eval(sys.argv[2]) if s else "absent")' "$1" "$2" 2> /dev/null
}
log_line_of() { grep -n -m1 -- "$1" "$T/cgw.err" | cut -d: -f1 | grep . || echo 999999; }
# the program the unit runs next: its ExecStart reads it from a file
program() { echo "$*" > "$T/program"; }
new_main() { # OLD-PID: the unit's main process, once it is another one
        local p
        p=$(main_pid)
        [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$1" ] && echo "$p"
}

# the unit: a JVM under MemoryMax=, no swap, no restart by systemd itself;
# a JVM ends with 143 on SIGTERM (StopUnit), as Java units say
{
        echo "[Unit]"
        echo "Description=cgwarden test: a JVM in a unit cgwarden watches"
        echo "[Service]"
        echo "ExecStart=/bin/sh -c 'exec $JAVA $JOPTS -XX:NativeMemoryTracking=summary -XX:MaxDirectMemorySize=2g -cp $CLASSES \$\$(cat $T/program)'"
        echo "MemoryMax=256M"
        echo "MemorySwapMax=0"
        echo "Restart=no"
        echo "SuccessExitStatus=143"
} > "$UNIT_FILE"
systemctl daemon-reload
check_eq "systemd loads the test unit" loaded "$(prop LoadState)"
program Idle

{
        cfg_header
        printf '\n[watch:leaky]\nunit = %s\ncapture_at = 70%%\nnmt_baseline_after = 2s\ncapture_timeout = 20s\n' "$UNIT"
        printf 'on_pre_oom = capture restart\n'
} > "$T/c.ini"
"$CGW" check "$T/c.ini" > "$T/check.out" 2>&1
check_eq "check: unit= with on_pre_oom = capture restart is valid" 0 "$?"

# ---- resolve: the unit is not running yet ----
cgw_start run -c "$T/c.ini"
CG=/system.slice/$UNIT
wait_until 20 cgw_log_has "Watch 'leaky': unit $UNIT has cgroup $CG" ||
        { not_ok "the unit's cgroup comes from systemd while it is inactive" "$(tail -5 "$T/cgw.err")"; exit 1; }
check "watch only: nothing created in the cgroup tree" cgw_log_has "watching only (nothing created in the cgroup tree)"

# ---- start, then systemd's own restart ----
systemctl start "$UNIT"
P1=$(wait_until 30 new_main 0)
[ -n "$P1" ] || P1=$(main_pid)
wait_until 60 cgw_log_has "Watch 'leaky': the JVM is process $P1" ||
        not_ok "the unit's JVM is found" "$(tail -5 "$T/cgw.err")"
check_eq "status: leaky is a unit, running the unit's main pid" "unit running $P1" \
        "$(st leaky 's[0]["kind"] + " " + s[0]["state"] + " " + str(s[0]["pid"])')"
check_eq "status: leaky's cgroup is the unit's" "$CG" "$(st leaky 's[0]["cgroup"]')"
systemctl restart "$UNIT"
P2=$(wait_until 30 new_main "$P1")
check "systemctl restart: a new main process" test -n "$P2"
wait_until 60 cgw_log_has "Watch 'leaky': the JVM is process $P2" ||
        not_ok "the unit restarted by systemd is followed to its new JVM" "$(tail -5 "$T/cgw.err")"

# ---- a leak: captured before the kill, restarted through systemd ----
program DirectLeak 10
systemctl restart "$UNIT"
P3=$(wait_until 30 new_main "$P2")
check "the leaking JVM runs" test -n "$P3"
# the restart cgwarden asks for runs the idle program again
wait_until 10 grep -q . /proc/"$P3"/cmdline && program Idle
wait_until 60 cgw_log_has "Watch 'leaky': the JVM is process $P3" ||
        not_ok "the leaking JVM is found" "$(tail -5 "$T/cgw.err")"
wait_until 120 cgw_log_has "systemd queued restart of $UNIT" ||
        not_ok "on_pre_oom's restart goes to systemd" "$(tail -8 "$T/cgw.err")"
P4=$(wait_until 30 new_main "$P3")
check "restarted through systemd: a new main process" test -n "$P4"
wait_until 60 cgw_log_has "Watch 'leaky': the JVM is process $P4" ||
        not_ok "the unit restarted by cgwarden is followed to its new JVM" "$(tail -5 "$T/cgw.err")"
d=$(capture_dir_of leaky pre-oom)
say "pre-oom capture $d"
check "a pre-oom capture" test -n "$d"
if [ -n "$d" ]; then
        check_complete "the pre-oom capture is complete" "$d"
        for item in nmt nmt-diff threads; do
                check_eq "item $item ok" ok "$(mf_item "$d" $item)"
        done
        check_eq "the capture names the leaking JVM" "$P3" "$(mf "$d" "m['pid']")"
fi
check "the capture finished before the restart was asked" \
        test "$(log_line_of "Capture for 'leaky' finished")" -lt "$(log_line_of "Asking systemd for the restart of $UNIT")"
check "the leaking JVM never met the kernel's OOM killer" sh -c "! grep -q \"Observation oom-kill for 'leaky'\" '$T/cgw.err'"
check "systemd saw no OOM kill either" sh -c "! journalctl -q --no-pager -u '$UNIT' | grep -q 'killed by the OOM killer'"

# ---- stop through systemd, after a reload ----
sed -i 's/^on_pre_oom = capture restart$/on_pre_oom = capture stop/' "$T/c.ini"
"$CGW" reload -c "$T/c.ini" > /dev/null 2>&1
wait_until 20 cgw_log_has "Watch 'leaky' added" || not_ok "reload: the changed watch is replaced" "$(tail -5 "$T/cgw.err")"
program DirectLeak 10
systemctl restart "$UNIT"
P5=$(wait_until 30 new_main "$P4")
check "the second leaking JVM runs" test -n "$P5"
wait_until 60 cgw_log_has "Watch 'leaky': the JVM is process $P5" ||
        not_ok "the second leaking JVM is found" "$(tail -5 "$T/cgw.err")"
wait_until 120 cgw_log_has "systemd queued stop of $UNIT" ||
        not_ok "on_pre_oom's stop goes to systemd" "$(tail -8 "$T/cgw.err")"
wait_until 30 sh -c "[ \"\$(systemctl show -p ActiveState --value '$UNIT')\" = inactive ]"
check_eq "stopped through systemd: the unit is inactive" inactive "$(prop ActiveState)"
check "no cgroup left of the unit" wait_until 10 test ! -d "/sys/fs/cgroup$CG"
check "cgwarden goes on: status answers" sh -c "'$CGW' status -c '$T/c.ini' > /dev/null 2>&1"

# ---- the CLI through systemd: cgwarden start, restart, stop NAME ----
program Idle
out=$("$CGW" start leaky -c "$T/c.ini" 2>&1)
check_eq "cgwarden start leaky (a watched unit): exit 0" "0" "$?"
check "start: the job went to systemd ('$out')" sh -c "echo '$out' | grep -q 'leaky: start asked of systemd'"
wait_until 30 sh -c "[ \"\$(systemctl show -p ActiveState --value '$UNIT')\" = active ]"
check_eq "start: the unit is active" active "$(prop ActiveState)"
P6=$(wait_until 30 new_main 0)
check "start: a JVM runs" test -n "$P6"
wait_until 60 cgw_log_has "Watch 'leaky': the JVM is process $P6" ||
        not_ok "start: the JVM is found" "$(tail -5 "$T/cgw.err")"
"$CGW" restart leaky -c "$T/c.ini" > "$T/restart.out" 2>&1
check_eq "cgwarden restart leaky: exit 0" "0" "$?"
P7=$(wait_until 30 new_main "$P6")
check "restart: a new JVM runs ($P6 -> $P7)" test -n "$P7"
check "restart: logged as asked through the control socket" cgw_log_has "Watch 'leaky': restart of $UNIT asked through the control socket"
out=$("$CGW" stop leaky --wait=60 -c "$T/c.ini" 2>&1)
check_eq "cgwarden stop leaky --wait: exit 0 once stopped ('$out')" "0" "$?"
check "stop --wait: its last line is the empty or gone cgroup, or the inactive unit" sh -c "echo '$out' | tail -n1 | grep -Eq '^leaky: (empty|gone|inactive)$'"
check_eq "stop: the unit is inactive" inactive "$(prop ActiveState)"
check "stop: the JVM is gone" is_dead "$P7"
listed_inactive() { [ "$(st leaky 's[0]["state"]')" = inactive ]; }
wait_until 10 listed_inactive
check_eq "status: the inactive unit is listed (kind, state, its cgroup-to-be)" "unit inactive $CG" \
        "$(st leaky 's[0]["kind"]+" "+s[0]["state"]+" "+s[0]["cgroup"]')"
out=$("$CGW" start leaky -c "$T/c.ini" 2>&1)
check_eq "cgwarden start of the inactive unit (no cgroup now): exit 0" "0" "$?"
wait_until 30 sh -c "[ \"\$(systemctl show -p ActiveState --value '$UNIT')\" = active ]"
check_eq "start: active again" active "$(prop ActiveState)"
"$CGW" stop leaky --wait=60 -c "$T/c.ini" > /dev/null 2>&1
check_eq "stop --wait again: exit 0" "0" "$?"
cgw_stop
check_eq "cgwarden exits 0" 0 "$CGW_RC"
