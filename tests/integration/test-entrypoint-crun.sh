#!/bin/bash
# cgwarden exec as the entrypoint of a real OCI container: Debian's crun
# runs it as the container's PID 1 (pid, mount and cgroup namespaces, the
# container's cgroup mounted read-only at /sys/fs/cgroup as runtimes do, a
# memory limit, a minimal rootfs of host files; tests/integration/oci-lib.sh)
# with the command as its argument:
#   - the mode is chosen by itself (PID 1, its cgroup not delegated) and
#     the limit is the container's (memory.max / memory.limit_in_bytes of /)
#   - signals sent to the container (crun kill) reach the command: HUP,
#     USR1, QUIT; TERM stops it and its status 143 is the container's
#   - an orphan reparented to PID 1 is reaped
#   - the exit status passes through (7; SIGKILL: 137)
#   - a JVM leaking direct buffers: a complete pre-oom capture on the
#     container's volume before the kernel's OOM kill, and exit 137
# The crun-less twin of this test, with more cases, is test-entrypoint.sh.
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"
. "$(dirname "$0")/oci-lib.sh"

LIMIT=$((160 << 20))
# cgwarden and the helpers, read-only at the same paths; the volume
OCI_BINDS="$BUILD $HELPERS"
VOL=$T/vol
mkdir -m 755 "$VOL"
oci_rootfs "$T/rootfs"

# ctr_bundle DIR -- ARGV...: oci_bundle with what a runtime gives an
# entrypoint here: a cgroup namespace, the container's cgroup read-only at
# /sys/fs/cgroup, and $VOL read-write at /vol
ctr_bundle() {
        local dir=$1 cg=/ctr-$(basename "$1")
        shift
        oci_bundle "$dir" "$cg" "$LIMIT" "$@" || return 1
        python3 - "$dir" "$VOL" <<'EOF'
import json, sys
d, vol = sys.argv[1:3]
with open(d + "/config.json") as f:
    c = json.load(f)
c["linux"]["namespaces"].append({"type": "cgroup"})
c["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                    "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]})
c["mounts"].append({"destination": "/vol", "type": "bind", "source": vol, "options": ["rbind", "rw"]})
with open(d + "/config.json", "w") as f:
    json.dump(c, f, indent=1)
EOF
}

# ctr_start ID DIR: crun run (not detached: its status is the container's)
# in the background; CTR_PID is crun's pid. Registered for oci-lib's cleanup.
ctr_start() {
        local id=$1 dir
        dir=$(cd "$2" && pwd)
        echo "$dir" > "$OCI_REG/$id"
        oci_crun --log "$dir/crun.log" run --pid-file "$dir/init.pid" --bundle "$dir" "$id" \
                < /dev/null > "$dir/out.log" 2> "$dir/err.log" &
        CTR_PID=$!
        wait_until 30 test -s "$dir/init.pid" || not_ok "crun starts $id" "$(cat "$dir/crun.log" "$dir/err.log" 2> /dev/null | tail -5)"
}

# ctr_wait SECONDS: CTR_RC is the container's status (crun's)
ctr_wait() {
        CTR_RC=timeout
        if wait_until "$1" is_dead "$CTR_PID"; then
                wait "$CTR_PID"
                CTR_RC=$?
        fi
}

# ---- signals, the mode, the limit ----
ctr_bundle "$T/sig" -- "$CGW" exec -- "$HELPERS/sigcheck" --record /vol/sig
ctr_start sig "$T/sig"
check "the command runs" wait_until 30 grep -qx ready "$VOL/sig"
err=$T/sig/err.log
check "the mode is chosen by itself and logged" grep -q "entrypoint mode: PID 1 in cgroup /, which is not delegated (/sys/fs/cgroup.*: Read-only file system); guarding it" "$err"
check "the limit is the container's" grep -q "effective memory limit 160.0M (memory\.\(max\|limit_in_bytes\) of /)" "$err"
for sig in HUP USR1 QUIT; do
        oci_crun kill sig "$sig"
        check "SIG$sig sent to the container reaches the command" wait_until 10 grep -qx "$sig" "$VOL/sig"
done
check_eq "the container still runs" running "$(oci_status sig)"
oci_crun kill sig TERM
ctr_wait 60
check "SIGTERM reaches the command" grep -qx TERM "$VOL/sig"
check_eq "SIGTERM: the container's status is the command's (143)" 143 "$CTR_RC"
oci_cleanup sig

# ---- an orphan ----
mkdir -m 777 "$VOL/df"
ctr_bundle "$T/df" -- "$CGW" exec -- "$HELPERS/doublefork" /vol/df
ctr_start df "$T/df"
check "the daemonised grandchild runs" wait_until 30 test -s "$VOL/df/grandchild.pid"
init=$(oci_pid df)
orphan=
for p in $(cat "$(oci_cgdir df)/cgroup.procs"); do
        [ "$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status")" = "$(cat "$VOL/df/grandchild.pid")" ] && orphan=$p
done
check "the grandchild was reparented to cgwarden (the container's PID 1)" grep -qx "PPid:[[:space:]]*$init" "/proc/$orphan/status"
kill -9 "$orphan"
check "its zombie is reaped" wait_until 10 sh -c "! test -e /proc/$orphan"
oci_crun kill df TERM
ctr_wait 60
check_eq "the main process's status (143) is the container's" 143 "$CTR_RC"
oci_cleanup df

# ---- exit status ----
ctr_bundle "$T/x7" -- "$CGW" exec -- "$HELPERS/crasher" exit 7
ctr_start x7 "$T/x7"
ctr_wait 60
check_eq "exit 7: the container's status is 7" 7 "$CTR_RC"
oci_cleanup x7
ctr_bundle "$T/k9" -- "$CGW" exec -- /bin/sh -c 'kill -KILL $$'
ctr_start k9 "$T/k9"
ctr_wait 60
check_eq "killed by SIGKILL: the container's status is 137" 137 "$CTR_RC"
oci_cleanup k9

# ---- a JVM, its evidence before the kernel's OOM kill ----
[ -f "$CLASSES/DirectLeak.class" ] || { say "JVM part skipped: the Java test programs were not compiled"; exit 0; }
RATE=8
[ "$LANE" = v2 ] && RATE=3
ctr_bundle "$T/jvm" -- "$CGW" exec --name=jvm --capture-dir=/vol/captures --on-pre-oom=capture \
        --capture-timeout=120s -- "$JAVA" $JOPTS -XX:MaxDirectMemorySize=1g -cp "$CLASSES" DirectLeak "$RATE"
ctr_start jvm "$T/jvm"
ctr_wait 400
err=$T/jvm/err.log
check_eq "the kernel's OOM kill: the container's status is 137" 137 "$CTR_RC"
# (crun removed the container's cgroup with it: its counter is read in
# the post-mortem cgwarden wrote when the JVM died)
pm=$(ls -d "$VOL/captures/jvm"/*-oom-kill 2> /dev/null | tail -n1)
check "a post-mortem (oom-kill) capture is on the volume" test -n "$pm"
check "the kernel killed it (oom_kill 1 in the container's cgroup)" grep -q "oom_kill 1" "$pm/memory.events.txt"
d=$(ls -d "$VOL/captures/jvm"/*-pre-oom 2> /dev/null | tail -n1)
if [ -z "$d" ]; then
        not_ok "a pre-oom capture is on the volume" "$(grep -i 'capture\|oom' "$err" | tail -5)"
else
        ok "a pre-oom capture is on the volume: $(basename "$d")"
        check_complete "it is complete" "$d"
        check "it has the thread dump and the NMT summary" test -s "$d/threads.txt" -a -s "$d/nmt.txt"
        cap_line=$(grep -n "Capture for 'jvm' finished.*$(basename "$d")" "$err" | head -n1 | cut -d: -f1)
        end_line=$(grep -n "Service 'jvm' (pid [0-9]*) killed by signal SIGKILL" "$err" | head -n1 | cut -d: -f1)
        check "it finished before the kill" test "${cap_line:-999999}" -lt "${end_line:-0}"
        check "it was taken before the kill (oom_kill 0 in its memory.events.txt)" grep -q "oom_kill 0" "$d/memory.events.txt"
fi
oci_cleanup jvm
