#!/bin/bash
# Stopping kills everything of the service: a double-forked daemonised
# grandchild and a child that ignores SIGTERM both end up dead, after
# stop_timeout, and nothing survives cgwarden.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/df"
{ cfg_header; cat <<EOF
[service:df]
exec = $HELPERS/doublefork $T/df
stop_timeout = 1s

[service:stubborn]
exec = $HELPERS/ignoreterm $T/stubborn.pid
stop_timeout = 1500ms

[service:dfexit]
exec = $HELPERS/doublefork $T/dfx --main-exits
restart = no
stop_timeout = 1s
EOF
} > "$T/c.ini"
mkdir -p "$T/dfx"

cgw_start run -c "$T/c.ini"
wait_until 10 test -s "$T/df/grandchild.pid" -a -s "$T/stubborn.pid" || not_ok "services started"
gc=$(cat "$T/df/grandchild.pid")
st=$(cat "$T/stubborn.pid")
check "grandchild is in the service cgroup" grep -qx "$gc" "$(svc_cg df)/cgroup.procs"

# main exits 0 leaving a daemon behind: the service ends, the daemon is killed
wait_until 10 test -s "$T/dfx/grandchild.pid"
gcx=$(cat "$T/dfx/grandchild.pid")
check "dfexit: leftover daemon of an exited main is killed after stop_timeout" wait_until 10 is_dead "$gcx"
check "dfexit: the kill is logged" cgw_log_has "Service 'dfexit' did not stop within 1000ms"

t0=$(date +%s%N)
cgw_stop TERM
t1=$(date +%s%N)
check_eq "cgwarden exits 0" 0 "$CGW_RC"
check "double-forked grandchild is dead" wait_until 5 is_dead "$gc"
check "SIGTERM-ignoring child is dead" wait_until 5 is_dead "$st"
check "stubborn was killed after its stop_timeout" cgw_log_has "Service 'stubborn' did not stop within 1500ms"
ms=$(( (t1 - t0) / 1000000 ))
say "shutdown took ${ms}ms"
check "shutdown waited for stop_timeout (>= 1.5 s)" test "$ms" -ge 1400
left=$(find "$TESTCG" -mindepth 1 -type d 2>/dev/null)
check_eq "no cgroup left" "" "$left"

# A policy restart while cgwarden stops (here a log trigger on what the
# service prints when it gets SIGTERM; in the field a throttle's
# escalation or a capture's restart) is ignored: the restarted service
# would outlive the shutdown, and cgwarden would never exit.
{ cfg_header; cat <<EOF2
[service:lastwords]
exec = /bin/sh -c 'trap "echo restart-me; sleep 0.5; exit 0" TERM; echo up; while :; do sleep 0.1; done'
log_trigger = restart-me => restart
stop_timeout = 5s
EOF2
} > "$T/c2.ini"
: > "$T/cgw.err"
cgw_start run -c "$T/c2.ini"
# the log also holds cgwarden's note "started pid N: <exec>", which says "echo up"
wait_until 20 grep -q "stdout: up$" "$T/log/lastwords.log" || not_ok "lastwords: started"
cgw_stop TERM
check_eq "lastwords: cgwarden exits 0 (a restart during the shutdown did not keep it up)" 0 "$CGW_RC"
check "lastwords: the trigger fired during the shutdown" cgw_log_has "Observation log-trigger for 'lastwords'"
check "lastwords: its restart was ignored" cgw_log_has "Service 'lastwords': restart ignored: cgwarden is stopping."
check_eq "lastwords: started once" 1 "$(grep -c "Service 'lastwords' started" "$T/cgw.err")"
