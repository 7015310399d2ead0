#!/bin/bash
# cgwarden exec as a container's PID 1 in a cgroup with memory.oom.group = 1
# (what the kubelet sets on a container's cgroup, 1.28 on): a C leaker
# (5 MB/s: the upload has the ~4 s from capture_at to the limit) under the container's 128M limit.
#   ro  the cgroupfs read-only (not delegated): cgwarden says at start
#       that an OOM kill will take it too; the pre-oom capture is finished
#       and uploaded (capture_upload, cp to a directory) before the group
#       kill, which then kills cgwarden with the command (status 137)
#   rw  a writable cgroup (delegated): cgwarden sets memory.oom.group to 0
#       on it and to 1 on the service's cgroup, so the OOM kill takes the
#       service alone; cgwarden writes the post-mortem, exits 137 (the
#       service's status), and puts memory.oom.group back to 1
# timeout: 300
# not-in-lanes: vm (test-entrypoint-crun.sh runs both cases in a real crun container, with the upload and the termination message; this namespace-only twin also checks that memory.oom.group is back to 1 at exit; CI's VM lane has no minutes to spare: run it with tests/integration/run --lane v2 test-entrypoint-oom-group.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"

[ "$LANE" = v2 ] || skip_test "needs cgroup v2 (memory.oom.group)"
[ -f "$TESTCG/memory.oom.group" ] || skip_test "no memory.oom.group in this kernel"
command -v unshare > /dev/null || skip_test "no unshare (util-linux)"

echo $((128 << 20)) > "$TESTCG/memory.max"
echo 1 > "$TESTCG/memory.oom.group"
group_kills() { sed -n 's/^oom_group_kill \([0-9]*\)/\1/p' "$TESTCG/memory.events"; }

# PID 1's set-up, as a runtime does: join the cgroup, a cgroup namespace
# rooted there, cgroup2 mounted read-only (ro) or read-write (rw)
ns_script() { # ro|rw
        echo 'echo 0 > "$CG_PROCS" || exit 99
exec unshare --cgroup -- sh -c '\''umount -l /sys/fs/cgroup && mount -t cgroup2 -o '"$1"' cgroup2 /sys/fs/cgroup || exit 98; exec "$@"'\'' sh "$@"'
}
# entry ro|rw ARGS...: `cgwarden ARGS` as PID 1 of a new pid namespace, in
# the foreground (bounded: 124 when it did not end in 120 s); ENTRY_RC is
# its status as unshare passes it on
entry() {
        local mode=$1
        shift
        CG_PROCS=$TESTCG_PROCS timeout -k 10 120 unshare --pid --fork --mount --mount-proc --propagation private -- \
                bash -c "$(ns_script "$mode")" entry "$CGW" "$@" > "$T/$mode.out" 2> "$T/$mode.err"
        ENTRY_RC=$?
}

# ---- ro ----
mkdir -p "$T/up"
before=$(group_kills)
entry ro exec --capture-dir="$T/ro" --capture-upload="cp \${CGWARDEN_CAPTURE_TARBALL} $T/up/" -- "$HELPERS/leaker" 5
# util-linux's unshare says a child killed by SIGKILL with status 1 and
# "sigprocmask unblock failed" (it cannot re-raise SIGKILL on itself)
check "ro: cgwarden was killed with the command by the group kill (SIGKILL)" \
        sh -c "[ '$ENTRY_RC' = 137 ] || { [ '$ENTRY_RC' = 1 ] && grep -q 'unshare: sigprocmask unblock failed' '$T/ro.err'; }"
check "ro: said at start that an OOM kill takes cgwarden too" \
        grep -q "warn: memory.oom.group = 1 on / (not delegated: cgwarden may not change it): a kernel OOM kill there takes cgwarden with the command" "$T/ro.err"
d=$(ls -d "$T/ro/leaker"/*-pre-oom 2> /dev/null | head -n1)
check "ro: a pre-oom capture was made" test -n "$d"
[ -n "$d" ] && check_complete "ro: it is complete" "$d"
check "ro: and uploaded before the kill (.uploaded, the tarball at the target)" \
        sh -c "test -s '$d/.uploaded' && test -s '$T/up/.$(basename "${d:-x}").tar.gz'"
check_eq "ro: no post-mortem (cgwarden died in the kill)" "" "$(ls -d "$T/ro/leaker"/*-oom-kill 2> /dev/null)"
[ -n "$before" ] && check_eq "ro: the kernel counted one group kill" $((before + 1)) "$(group_kills)"
check_eq "ro: memory.oom.group is as it was" 1 "$(cat "$TESTCG/memory.oom.group")"

# ---- rw ----
entry rw exec --restart=no --capture-dir="$T/rw" -- "$HELPERS/leaker" 5
check_eq "rw: cgwarden exits with the service's status (137), itself alive" 137 "$ENTRY_RC"
check "rw: said it moved memory.oom.group to the service's cgroup" \
        grep -q "warn: memory.oom.group was 1 on / (a container's cgroup): set to 0 for cgwarden's time, and to 1 on each service's cgroup" "$T/rw.err"
check "rw: the service was OOM-killed and cgwarden saw it" grep -q "Observation oom-kill for 'leaker'" "$T/rw.err"
check "rw: a pre-oom capture" test -n "$(ls -d "$T/rw/leaker"/*-pre-oom 2> /dev/null)"
d=$(ls -d "$T/rw/leaker"/*-oom-kill 2> /dev/null | head -n1)
check "rw: the post-mortem was written" test -n "$d"
check_eq "rw: memory.oom.group is back to 1" 1 "$(cat "$TESTCG/memory.oom.group")"
