#!/bin/bash
# A service runs in its own memory and pids cgroups with the configured
# limits (read back from the kernel), and cgwarden removes every cgroup it
# made when it exits.
. "$(dirname "$0")/lib.sh"

{ cfg_header; cat <<EOF
[service:lim]
exec = $HELPERS/sigcheck --stay
memory_max = 64M
memory_high = 48M
pids_max = 50
restart = no
EOF
} > "$T/c.ini"

cgw_start run -c "$T/c.ini"
wait_until 10 has_main_pid lim || not_ok "service started" "$(cat "$T/cgw.err")"
pid=$(svc_main_pid lim)
check "main process is in the service cgroup" grep -q "/services/lim\$" /proc/$pid/cgroup

if [ "$LANE" = v2 ]; then
        check_eq "memory.max" 67108864 "$(cat "$(svc_cg lim)/memory.max")"
        check_eq "memory.high" 50331648 "$(cat "$(svc_cg lim)/memory.high")"
        check_eq "pids.max" 50 "$(cat "$(svc_cg lim)/pids.max")"
        check "cgwarden sits in the supervisor leaf" grep -q "^0::.*/$TESTCG_NAME/supervisor\$" /proc/$CGW_PID/cgroup
        check_eq "no process in the inner node" "" "$(cat "$TESTCG/cgroup.procs")"
        check_eq "no process in services/" "" "$(cat "$TESTCG/services/cgroup.procs")"
        check "memory and pids enabled for services" grep -q "memory.*pids\|pids.*memory" "$TESTCG/services/cgroup.subtree_control"
else
        check_eq "memory.limit_in_bytes" 67108864 "$(cat "$(svc_cg lim)/memory.limit_in_bytes")"
        check_eq "pids.max" 50 "$(cat "$(svc_cg lim pids)/pids.max")"
        check "main process is in the service pids cgroup" grep -q "pids:.*/services/lim\$" /proc/$pid/cgroup
        check "main process is in the service freezer cgroup" grep -q "freezer:.*/services/lim\$" /proc/$pid/cgroup
fi

cgw_stop TERM
check_eq "cgwarden exits 0 on SIGTERM" 0 "$CGW_RC"
check "service process is gone" wait_until 5 is_dead "$pid"
left=$(find "$TESTCG" -mindepth 1 -type d 2>/dev/null)
check_eq "every cgroup cgwarden made is removed" "" "$left"
