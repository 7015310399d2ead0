#!/bin/bash
# cgroup v2 only. Started the way systemd starts a unit with Delegate=yes
# (in a pre-made cgroup that already holds its process), cgwarden moves
# itself into the leaf OWN/supervisor, creates services below OWN/services,
# never leaves a process in an inner node, starts children directly in
# their cgroup (clone3 CLONE_INTO_CGROUP), kills with cgroup.kill, and
# leaves OWN as it found it.
. "$(dirname "$0")/lib.sh"
require_v2

# The "unit" cgroup, like systemd's /system.slice/cgwarden.service: two
# levels below the test cgroup, controllers delegated down to it, and the
# process placed there before cgwarden starts (as systemd does).
echo "+memory +pids" > "$TESTCG/cgroup.subtree_control"
mkdir -p "$TESTCG/system.slice/cgwarden.service"
echo "+memory +pids" > "$TESTCG/system.slice/cgroup.subtree_control"
UNIT=$TESTCG/system.slice/cgwarden.service
TESTCG_PROCS=$UNIT/cgroup.procs
svc_cg() { echo "$UNIT/services/$1"; }
{ cfg_header; cat <<EOF
[service:a]
exec = sleep 1000

[service:b]
exec = $HELPERS/ignoreterm $T/b.pid
stop_timeout = 500ms
EOF
} > "$T/c.ini"

CGWARDEN_LOG_LEVEL=debug cgw_start run -c "$T/c.ini"
wait_until 10 has_main_pid a && wait_until 10 test -s "$T/b.pid" || not_ok "services started"
check "cgwarden is in OWN/supervisor" grep -qx "0::/.*$TESTCG_NAME/system.slice/cgwarden.service/supervisor" /proc/$CGW_PID/cgroup
check_eq "OWN holds no process" "" "$(cat "$UNIT/cgroup.procs")"
check_eq "OWN/services holds no process" "" "$(cat "$UNIT/services/cgroup.procs")"
check "service a is a leaf below OWN/services" grep -qx "0::/.*$TESTCG_NAME/system.slice/cgwarden.service/services/a" /proc/"$(svc_main_pid a)"/cgroup
check "children are started with clone3 into their cgroup" cgw_log_has "clone3 into cgroup"
check "memory, pids enabled in OWN" grep -q "memory" "$UNIT/cgroup.subtree_control"
inner=$(find "$TESTCG" -mindepth 1 -type d | while read -r d; do
        if [ -n "$(ls "$d" | grep -x 'cgroup.procs')" ] && [ -n "$(find "$d" -mindepth 1 -maxdepth 1 -type d)" ] && [ -s "$d/cgroup.procs" ]; then echo "$d"; fi
done)
check_eq "no inner node holds a process" "" "$inner"
b=$(cat "$T/b.pid")
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
check "SIGTERM-ignoring service is killed (cgroup.kill)" wait_until 5 is_dead "$b"
check_eq "supervisor leaf and services removed" "" "$(find "$UNIT" -mindepth 1 -type d)"
check_eq "OWN's controllers switched off again" "" "$(cat "$UNIT/cgroup.subtree_control")"
