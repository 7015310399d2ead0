#!/bin/bash
# cgroup v2 only. In a cgroup that also holds someone else's process (a
# login shell's session scope, say), cgwarden cannot own the subtree: it
# says which cgroup and what to do, exits 1, and leaves the tree and the
# foreign process as they were.
. "$(dirname "$0")/lib.sh"
require_v2

echo "+memory +pids" > "$TESTCG/cgroup.subtree_control"
mkdir "$TESTCG/session.scope"
sh -c "echo \$\$ > $TESTCG/session.scope/cgroup.procs; exec sleep 1000" &
echo $! > "$T/foreign.pid"
foreign=$(cat "$T/foreign.pid")
wait_until 5 grep -qx "$foreign" "$TESTCG/session.scope/cgroup.procs"

(
        echo "$BASHPID" > "$TESTCG/session.scope/cgroup.procs"
        exec "$CGW" exec --restart=no -- /bin/true
) 2> "$T/err"
check_eq "exit status 1" 1 $?
check "the error names the cgroup and the way out" grep -q "cannot enable controllers in .*session.scope: it holds processes other than cgwarden.*Delegate=yes" "$T/err"
check "the foreign process still runs" kill -0 "$foreign"
check_eq "the foreign process is still where it was" "$foreign" "$(cat "$TESTCG/session.scope/cgroup.procs")"
check_eq "no cgroup left below the scope" "" "$(find "$TESTCG/session.scope" -mindepth 1 -type d)"
check_eq "the scope's controllers are as before" "" "$(cat "$TESTCG/session.scope/cgroup.subtree_control")"
