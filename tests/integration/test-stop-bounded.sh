#!/bin/bash
# A second SIGTERM ends cgwarden even when a service can no longer be
# stopped through its cgroup (its process was moved out of it and ignores
# SIGTERM): it kills what is in the cgroups and exits within a bound; the
# empty services cgroup is removed at the exit.
. "$(dirname "$0")/lib.sh"

{ cfg_header; printf '[service:stuck]\nexec = %s %s/stuck.pid\nstop_timeout = 5min\n' "$HELPERS/ignoreterm" "$T"; } > "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 10 test -s "$T/stuck.pid" || not_ok "the service runs" "$(tail -n 20 "$T/cgw.err")"
pid=$(cat "$T/stuck.pid")
# out of its cgroup, into the test's own (below ours; on v2 its leaf
# "supervisor", where cgwarden is: a v2 cgroup with children holds no
# process)
if [ "$LANE" = v2 ]; then
        echo "$pid" > "$TESTCG/supervisor/cgroup.procs"
else
        for p in $TESTCG_PROCS; do echo "$pid" > "$p"; done
fi
check "the process left its cgroup" sh -c "! grep -qx $pid $(svc_cg stuck)/cgroup.procs"
kill -TERM "$CGW_PID"
wait_until 10 cgw_log_has "Stopping 'stuck'" || not_ok "the first SIGTERM stops it"
check "cgwarden waits on (stop_timeout is 5min)" kill -0 "$CGW_PID"
kill -TERM "$CGW_PID"
check "the second SIGTERM ends cgwarden within a bound" wait_until 15 sh -c "! kill -0 $CGW_PID 2>/dev/null || grep -q '^State:.*Z' /proc/$CGW_PID/status"
wait "$CGW_PID"
rc=$?
CGW_PID=
check_eq "it exits 0" 0 "$rc"
check "it says why" cgw_log_has "still not stopped 2s after the second stop request: exiting anyway"
check "the services cgroup is removed" test ! -d "$(dirname "$(svc_cg stuck)")"
kill -9 "$pid" 2> /dev/null || true
