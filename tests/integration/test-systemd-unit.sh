#!/bin/bash
# contrib/systemd/cgwarden.service under a real systemd (PID 1): the systemd
# lane, tests/vm/run-in-vm --systemd. The unit is installed as it ships, only
# ExecStart points at the build's binary and at a config of the test's own,
# into /run/systemd/system (gone at the next boot), and removed afterwards.
#   start:  active once READY=1 came, after the service's exec, with it in
#           <unit>/services/NAME, cgwarden in <unit>/supervisor, no process
#           in an inner node
#   reload: RELOADING=1 (+ MONOTONIC_USEC=) then READY=1 after the added
#           service's exec; a broken config
#           keeps the running one, the unit stays active, and the FILE:LINE
#           error is in the journal and in `systemctl status`
#   stop:   STOPPING=1, the services stopped by cgwarden, exit 0, no cgroup
#           left
#   journald: the start and exit entries of a service, found by MESSAGE_ID,
#           with their CGWARDEN_* fields
#   watchdog (the unit's WatchdogSec=30s, 3s in a drop-in to be quick):
#           cgwarden pings; SIGSTOPped, it is killed and restarted by
#           systemd, and its service runs exactly once
#   crash:  cgwarden SIGKILLed: systemd (KillMode=mixed, Restart=on-failure)
#           kills what is left and restarts the unit; the service runs
#           exactly once, its old process gone
# Skips (77) unless PID 1 is systemd; the host and the plain VM lane skip it.
# systemd-lane: run by tests/integration/run --lane systemd
# timeout: 400
if [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ] || [ ! -d /run/systemd/system ]; then
        echo "SKIP: PID 1 is not systemd (runs in the systemd lane: tests/vm/run-in-vm --systemd)"
        exit 77
fi
CGW_NO_TESTCG=1
. "$(dirname "$0")/lib.sh"

UNIT=cgwarden.service
UNIT_FILE=/run/systemd/system/$UNIT
DROPIN_DIR=/run/systemd/system/$UNIT.d
CONF=$T/cgwarden.ini
# sleep durations nobody else uses: the service's processes are found by
# their command line
N1=$((500000 + $$ % 100000))
N2=$((N1 + 1))

if [ "$(systemctl show -p LoadState --value "$UNIT")" != not-found ]; then
        skip_test "a $UNIT is already installed here ($(systemctl show -p FragmentPath --value "$UNIT")); not touching it"
fi

unit_cleanup() {
        systemctl stop "$UNIT" 2> /dev/null
        rm -rf "$UNIT_FILE" "$DROPIN_DIR"
        systemctl daemon-reload
        systemctl reset-failed "$UNIT" 2> /dev/null
        systemctl log-level "${SAVED_LOG_LEVEL:-info}" 2> /dev/null
}
trap 'rc=$?; unit_cleanup; (exit $rc); cleanup' EXIT

prop() { systemctl show -p "$1" --value "$UNIT"; }
sleepers() { pgrep -x -f "/bin/sleep $1" | sort -n | tr '\n' ' ' | sed 's/ $//'; }
procs_of() { cat "$1/cgroup.procs" 2> /dev/null | tr '\n' ' ' | sed 's/ $//'; }
# the journal since CURSOR (set by mark), the unit's and systemd's lines about it
mark() { CURSOR=$(journalctl -q -n 0 --show-cursor | sed -n 's/^-- cursor: //p'); }
journal() { journalctl -q --no-pager -o cat -u "$UNIT" ${CURSOR:+--after-cursor="$CURSOR"}; }
journal_has() { journal | grep -q -- "$1"; }
# jfield MESSAGE_ID SERVICE FIELD: FIELD of the last entry since CURSOR with
# that MESSAGE_ID and CGWARDEN_SERVICE, read from the journal's export
# format. (journalctl --after-cursor with a FIELD=VALUE match finds nothing
# on systemd 252 when the cursor's own entry does not match; -u works.)
MSG_STARTED=3f2a8c1e5b7d4e6f9a0b1c2d3e4f5a61
MSG_EXITED=4a3b9d2f6c8e4f7a0b1c2d3e4f5a6b72
jfield() {
        journalctl -q --no-pager -o export ${CURSOR:+--after-cursor="$CURSOR"} -u "$UNIT" |
                awk -v id="MESSAGE_ID=$1" -v svc="CGWARDEN_SERVICE=$2" -v f="$3=" '
                        /^$/ { if (hid && hsvc) last = val; hid = hsvc = 0; val = ""; next }
                        $0 == id { hid = 1 }
                        $0 == svc { hsvc = 1 }
                        index($0, f) == 1 { val = substr($0, length(f) + 1) }
                        END { if (hid && hsvc) last = val; print last }'
}
# the line number of the first journal line matching, or 0
journal_line() { journal | grep -n -m1 -- "$1" | cut -d: -f1 | grep . || echo 0; }

write_config() { # N: 1 = sleeper, 2 = sleeper + second, 3 = 2 with an error
        {
                echo "[supervisor]"
                echo "log_dir = $T/log"
                echo "capture_dir = $T/captures"
                echo "state_dir = $T/state"
                echo
                echo "[service:sleeper]"
                echo "exec = /bin/sleep $N1"
                if [ "$1" -ge 2 ]; then
                        echo
                        echo "[service:second]"
                        echo "exec = /bin/sleep $N2"
                fi
                [ "$1" -ge 3 ] && echo "no_such_key = 1"
        } > "$CONF.new"
        mv "$CONF.new" "$CONF"
}

# ---- install the unit ----
sed "s|^ExecStart=/usr/local/bin/cgwarden run -c /etc/cgwarden/cgwarden.ini\$|ExecStart=$CGW run -c $CONF|" \
        "$TOP/contrib/systemd/cgwarden.service" > "$UNIT_FILE"
d=$(diff "$TOP/contrib/systemd/cgwarden.service" "$UNIT_FILE" | grep -c '^[<>]')
check_eq "the installed unit differs from contrib/systemd/cgwarden.service in the ExecStart line only" 2 "$d"
write_config 1
check "the config is valid (cgwarden check)" "$CGW" check "$CONF"
systemctl daemon-reload
check_eq "systemd loads the unit from $UNIT_FILE" "$UNIT_FILE" "$(prop FragmentPath)"
SAVED_LOG_LEVEL=$(systemctl log-level)
# systemd logs the notification messages it gets only at debug level
systemctl log-level debug

# ---- start ----
mark
timeout 120 systemctl start "$UNIT"
rc=$?
# right after `systemctl start` returned, i.e. after READY=1: no waiting
state=$(prop ActiveState)
CG=/sys/fs/cgroup$(prop ControlGroup)
svc_now=$(procs_of "$CG/services/sleeper")
check_eq "systemctl start: exit 0" 0 "$rc"
check_eq "systemctl start returned: ActiveState=active" active "$state"
check "the service's process is in <unit>/services/sleeper when systemctl start returns (READY=1 after the start)" \
        test -n "$svc_now"
check_eq "that process is the service's: /bin/sleep $N1" "$(sleepers "$N1")" "$svc_now"
main=$(prop MainPID)
check_eq "cgwarden (MainPID $main) is the only process in <unit>/supervisor" "$main" "$(procs_of "$CG/supervisor")"
check_eq "no process in the unit's own cgroup (an inner node)" "" "$(procs_of "$CG")"
check_eq "no process in <unit>/services (an inner node)" "" "$(procs_of "$CG/services")"
check "the unit's subtree has memory and pids enabled for the services" \
        grep -qw memory "$CG/services/cgroup.subtree_control"
check_eq "the unit as shipped has the watchdog on (WatchdogUSec)" 30s "$(prop WatchdogUSec)"
check_eq "oom_score_adj: cgwarden -900 (it sets it), the service 0 (the unit's own)" "-900 0" \
        "$(cat /proc/"$main"/oom_score_adj) $(cat /proc/"$svc_now"/oom_score_adj)"
wait_until 10 journal_has "Service 'sleeper' started" ||
        not_ok "cgwarden logs the start of 'sleeper'" "$(journal | tail -20)"
check "systemd got READY=1 from cgwarden" journal_has "Got notification message from PID $main (READY=1"
# cgwarden logs "started" when the service's exec succeeded; READY=1 comes
# after that
l_ready=$(journal_line "Got notification message from PID $main (READY=1")
l_started=$(journal_line "Service 'sleeper' started")
check "READY=1 (journal line $l_ready) after the service's exec succeeded (line $l_started)" \
        test "$l_started" -gt 0 -a "$l_ready" -gt "$l_started"
check_eq "journald: the start entry (MESSAGE_ID=$MSG_STARTED, CGWARDEN_SERVICE=sleeper) has its fields" \
        "cgwarden.service start $svc_now $(prop ControlGroup)/services/sleeper" \
        "$(jfield $MSG_STARTED sleeper _SYSTEMD_UNIT) $(jfield $MSG_STARTED sleeper CGWARDEN_EVENT) $(jfield $MSG_STARTED sleeper CGWARDEN_PID) $(jfield $MSG_STARTED sleeper CGWARDEN_CGROUP)"
check "STATUS= reaches systemd: StatusText says 1 running" sh -c "systemctl show -p StatusText --value $UNIT | grep -q '^1 running'"

# ---- reload: a service added ----
write_config 2
mark
timeout 60 systemctl reload "$UNIT"
rc=$?
# systemd 252 ends the reload job at READY=1 when RELOADING=1 came before
# kill's exit (seen so far), else at kill's exit: so bounded waits below
say "when systemctl reload returned: ActiveState=$(prop ActiveState), 'second': '$(sleepers "$N2")'"
check_eq "systemctl reload: exit 0" 0 "$rc"
if wait_until 30 sh -c "test -n \"\$(cat $CG/services/second/cgroup.procs 2>/dev/null)\""; then
        ok "after the reload the added service 'second' runs in <unit>/services/second"
else
        not_ok "after the reload the added service 'second' runs in <unit>/services/second" "$(journal | tail -20)"
fi
check_eq "exactly one process /bin/sleep $N2, in <unit>/services/second" "$(sleepers "$N2")" "$(procs_of "$CG/services/second")"
check_eq "the unchanged service kept its process" "$svc_now" "$(sleepers "$N1")"
wait_until 20 sh -c "[ \"\$(systemctl show -p ActiveState --value $UNIT)\" = active ]"
check_eq "ActiveState=active after the reload" active "$(prop ActiveState)"
wait_until 10 journal_has "(READY=1" || true
l_reloading=$(journal_line "Got notification message from PID $main (RELOADING=1, MONOTONIC_USEC=")
l_ready=$(journal_line "Got notification message from PID $main (READY=1")
l_added=$(journal_line "Service 'second' started")
check "systemd got RELOADING=1 with MONOTONIC_USEC= (line $l_reloading), then READY=1 (line $l_ready) after the added service's exec (line $l_added)" \
        test "$l_reloading" -gt 0 -a "$l_added" -gt "$l_reloading" -a "$l_ready" -gt "$l_added"
check_eq "cgwarden kept its pid through the reload" "$main" "$(prop MainPID)"

# ---- reload: a broken config keeps the running one ----
write_config 3
errline=$(grep -n '^no_such_key' "$CONF" | cut -d: -f1)
mark
timeout 60 systemctl reload "$UNIT"
check_eq "systemctl reload with a broken config: exit 0 (the signal was delivered)" 0 "$?"
if wait_until 30 journal_has "$CONF:$errline: unknown key"; then
        ok "the journal has the error as FILE:LINE ($CONF:$errline)"
else
        not_ok "the journal has the error as FILE:LINE ($CONF:$errline)" "$(journal | tail -20)"
fi
wait_until 10 journal_has "Reload failed" || true
wait_until 20 sh -c "[ \"\$(systemctl show -p ActiveState --value $UNIT)\" = active ]"
check_eq "the unit stays active" active "$(prop ActiveState)"
check_eq "cgwarden kept its pid" "$main" "$(prop MainPID)"
check "both services still run with their processes" \
        test "$(sleepers "$N1")" = "$svc_now" -a -n "$(sleepers "$N2")"
st=$(SYSTEMD_COLORS=0 systemctl status --no-pager -l -n 20 "$UNIT" 2>&1)
if grep -q "$CONF:$errline: unknown key" <<< "$st"; then
        ok "systemctl status shows the error"
else
        not_ok "systemctl status shows the error" "$st"
fi
say "systemctl status after the broken reload:"
grep -E 'Active:|Status:|unknown key|Reload failed' <<< "$st" | sed 's/^/#   /'

# ---- stop ----
write_config 2
svc1=$(sleepers "$N1")
svc2=$(sleepers "$N2")
mark
timeout 150 systemctl stop "$UNIT"
check_eq "systemctl stop: exit 0" 0 "$?"
check_eq "ActiveState=inactive" inactive "$(prop ActiveState)"
check_eq "Result=success" success "$(prop Result)"
# (systemctl show has ExecMainCode=0 once the unit is inactive: systemd's
# own log line says how the main process ended)
check "cgwarden exited with status 0 (systemd: code=exited, status=0/SUCCESS)" \
        journal_has "Main process exited, code=exited, status=0/SUCCESS"
check_eq "ExecMainStatus=0" 0 "$(prop ExecMainStatus)"
check "systemd got STOPPING=1" journal_has "Got notification message from PID $main (STOPPING=1"
both_stopped() { journal_has "Service 'sleeper' (pid $svc1)" && journal_has "Service 'second' (pid $svc2)"; }
check "cgwarden stopped both services itself (journal)" both_stopped
check_eq "no service process left" "" "$(sleepers "$N1")$(sleepers "$N2")"
check_eq "journald: the exit entry (MESSAGE_ID=$MSG_EXITED) of 'sleeper' has its fields" "exit $svc1 TERM" \
        "$(jfield $MSG_EXITED sleeper CGWARDEN_EVENT) $(jfield $MSG_EXITED sleeper CGWARDEN_PID) $(jfield $MSG_EXITED sleeper CGWARDEN_EXIT_SIGNAL)"
check "no cgroup left below the unit ($CG gone)" test ! -d "$CG"
say "stop: $(journal | grep -E "Stopping|Service '(sleeper|second)' \(pid" | tr '\n' ';')"

# ---- watchdog: WatchdogSec= in a drop-in ----
mkdir -p "$DROPIN_DIR"
printf '[Service]\nWatchdogSec=3s\n' > "$DROPIN_DIR/watchdog.conf"
systemctl daemon-reload
write_config 1
mark
timeout 120 systemctl start "$UNIT"
check_eq "watchdog: systemctl start with WatchdogSec=3s: exit 0" 0 "$?"
check_eq "WatchdogUSec=3s" 3s "$(prop WatchdogUSec)"
main=$(prop MainPID)
svc=$(sleepers "$N1")
# 3 watchdog periods: without WATCHDOG=1 systemd would have acted
sleep 9
check_eq "cgwarden pings: after 9 s the unit is still active, not restarted" "active 0 $main" \
        "$(prop ActiveState) $(prop NRestarts) $(prop MainPID)"
check "systemd got WATCHDOG=1 from cgwarden" journal_has "Got notification message from PID $main (WATCHDOG=1)"
kill -STOP "$main"
if wait_until 60 sh -c "[ \"\$(systemctl show -p NRestarts --value $UNIT)\" = 1 ] &&
                         [ \"\$(systemctl show -p ActiveState --value $UNIT)\" = active ]"; then
        ok "SIGSTOPped cgwarden: systemd's watchdog kills it and restarts the unit (NRestarts=1, active)"
else
        not_ok "SIGSTOPped cgwarden: systemd's watchdog kills it and restarts the unit" \
                "ActiveState=$(prop ActiveState) NRestarts=$(prop NRestarts)" "$(journal | tail -30)"
        kill -CONT "$main" 2> /dev/null
fi
check "the journal says why: watchdog timeout" journal_has "Watchdog timeout"
new=$(prop MainPID)
check "a new cgwarden runs (MainPID $main -> $new)" test "$new" != "$main" -a "$new" != 0
check "the stopped cgwarden is gone" is_dead "$main"
wait_until 30 sh -c "[ -n \"\$(pgrep -x -f '/bin/sleep $N1')\" ] && ! kill -0 $svc 2>/dev/null" || true
now=$(sleepers "$N1")
check "the service runs again, exactly once (pids: '$now'; before: $svc)" test -n "$now" -a "$now" = "${now%% *}"
check "its process before the watchdog kill is gone" is_dead "$svc"
check_eq "the service's process is in <unit>/services/sleeper" "$now" "$(procs_of "$CG/services/sleeper")"
say "watchdog: $(journal | grep -E "Watchdog timeout|Killing process|Main process exited|Scheduled restart|leftover|had left" | sed 's/cgwarden.service: //' | tr '\n' ';')"

# ---- crash: cgwarden SIGKILLed (#18's crash model under systemd) ----
# KillMode=mixed: the rest of the unit is SIGKILLed once cgwarden is gone;
# Restart=on-failure starts a new one, which starts each service once.
main=$new svc=$now
mark
t0=$(date +%s)
kill -KILL "$main"
if wait_until 60 sh -c "[ \"\$(systemctl show -p NRestarts --value $UNIT)\" = 2 ] &&
                         [ \"\$(systemctl show -p ActiveState --value $UNIT)\" = active ]"; then
        ok "SIGKILLed cgwarden: systemd restarts the unit (NRestarts=2, active) in $(($(date +%s) - t0)) s"
else
        not_ok "SIGKILLed cgwarden: systemd restarts the unit" \
                "ActiveState=$(prop ActiveState) NRestarts=$(prop NRestarts)" "$(journal | tail -30)"
fi
check "crash: the journal says cgwarden was killed (status=9/KILL)" journal_has "status=9/KILL"
new=$(prop MainPID)
check "crash: a new cgwarden runs (MainPID $main -> $new)" test "$new" != "$main" -a "$new" != 0
wait_until 30 sh -c "[ -n \"\$(pgrep -x -f '/bin/sleep $N1')\" ] && ! kill -0 $svc 2>/dev/null" || true
now=$(sleepers "$N1")
check "crash: the service runs again, exactly once (pids: '$now'; before: $svc)" test -n "$now" -a "$now" = "${now%% *}"
check "crash: its process from before the crash is gone" is_dead "$svc"
check_eq "crash: the service's process is in <unit>/services/sleeper" "$now" "$(procs_of "$CG/services/sleeper")"
check_eq "crash: nothing in <unit> outside supervisor/ and services/" "" \
        "$(find "$CG" -name cgroup.procs ! -path "$CG/supervisor/*" ! -path "$CG/services/*" -exec cat {} + 2> /dev/null)"
say "crash: $(journal | grep -E "Main process exited|Killing process|Scheduled restart|had left|Service 'sleeper' started" | sed 's/cgwarden.service: //' | tr '\n' ';')"
timeout 150 systemctl stop "$UNIT"
rc=$?
check_eq "watchdog: systemctl stop after the restart: exit 0, Result=success" "0 success" "$rc $(prop Result)"
check_eq "no service process left after the stop" "" "$(sleepers "$N1")"
