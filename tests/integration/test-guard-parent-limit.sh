#!/bin/bash
# Guardrails with the only memory limit above cgwarden (a slice or
# container limit): the service has no memory_max, the effective limit is
# found up the tree with its source, and pre-oom fires before any kill.
. "$(dirname "$0")/lib.sh"

# the limit on cgwarden's own cgroup, as a slice above it would set it
if [ "$LANE" = v2 ]; then
        echo 200M > "$TESTCG/memory.max"
else
        echo 200M > "$TESTCG/memory.limit_in_bytes"
fi
{ cfg_header; cat <<EOF
[service:child]
exec = $HELPERS/leaker 50
restart = no
EOF
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 30 cgw_log_has "Observation pre-oom for 'child'" || not_ok "pre-oom observed" "$(tail -5 "$T/cgw.err")"
ok "pre-oom observed"
check "effective limit 200M found on the parent" cgw_log_has "effective memory limit 200.0M (memory\.[a-z_]* of /.*$TESTCG_NAME)"
obs=$(grep -n "Observation pre-oom for 'child'" "$T/cgw.err" | head -1)
kill_line=$(grep -n "Service 'child' .*killed by signal\|Observation oom-kill for 'child'" "$T/cgw.err" | head -1)
if [ -z "$kill_line" ] || [ "${obs%%:*}" -lt "${kill_line%%:*}" ]; then ok "before any kill"; else not_ok "before any kill" "$obs" "$kill_line"; fi
if [ "$LANE" = v2 ]; then
        check_eq "the guard memory.high is 90% of the parent's limit" 188743680 "$(cat "$(svc_cg child)/memory.high")"
fi
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
