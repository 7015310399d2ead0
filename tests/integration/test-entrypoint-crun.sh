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
# /sys/fs/cgroup (read-write with CTR_CGMODE=rw), and $VOL read-write at
# /vol; CTR_OOM_GROUP=1 sets memory.oom.group = 1 on the container's cgroup
# the way the kubelet has it done (linux.resources.unified, v2)
ctr_bundle() {
        local dir=$1 cg=/ctr-$(basename "$1")
        shift
        oci_bundle "$dir" "$cg" "$LIMIT" "$@" || return 1
        python3 - "$dir" "$VOL" "${CTR_CGMODE:-ro}" "${CTR_OOM_GROUP:-}" <<'EOF'
import json, sys
d, vol, mode, oom_group = sys.argv[1:5]
with open(d + "/config.json") as f:
    c = json.load(f)
c["linux"]["namespaces"].append({"type": "cgroup"})
c["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                    "options": ["nosuid", "noexec", "nodev", "relatime", mode]})
if oom_group:
    c["linux"]["resources"]["unified"] = {"memory.oom.group": oom_group}
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

# ---- memory.oom.group = 1, as the kubelet sets it (v2) ----
# A C leaker (5 MB/s: the upload has the seconds from capture_at to the
# limit). ro: the group kill takes cgwarden too, after the pre-oom capture
# was finished and uploaded (cp to the volume: the upload target), and the
# termination message is written. rw: cgwarden moves memory.oom.group to
# the service's cgroup, survives the kill, writes the post-mortem.
if [ "$LANE" = v2 ]; then
        mkdir -m 755 "$VOL/up" "$VOL/tl"
        : > "$VOL/tl/ro"
        : > "$VOL/tl/rw"
        for mode in ro rw; do
                # rw: its cgroup delegated, cgwarden is a supervisor there:
                # restart defaults to on-failure, and memory_high to 90% of
                # the effective limit, which throttles a C leaker for ever
                # instead of letting the kernel kill it
                extra=
                [ $mode = rw ] && extra=--memory-high=none
                CTR_CGMODE=$mode CTR_OOM_GROUP=1 ctr_bundle "$T/og$mode" -- "$CGW" exec --name=leaker $extra \
                        --restart=no --capture-dir=/vol/og$mode --termination-log=/vol/tl/$mode \
                        --capture-upload="/bin/cp \${CGWARDEN_CAPTURE_TARBALL} /vol/up/" -- "$HELPERS/leaker" 5
                ctr_start og$mode "$T/og$mode"
                # (rw: cgwarden may have moved it already; its log says it was 1)
                [ $mode = ro ] && check_eq "ro: memory.oom.group = 1 on the container's cgroup (crun set it from the config)" \
                        1 "$(cat "$(oci_cgdir og$mode)/memory.oom.group" 2> /dev/null)"
                ctr_wait 200
                err=$T/og$mode/err.log
                check_eq "$mode: the container's status is 137" 137 "$CTR_RC"
                [ "$CTR_RC" = 137 ] || say "$mode: $(tail -n 12 "$err")"
                d=$(ls -d "$VOL/og$mode/leaker"/*-pre-oom 2> /dev/null | head -n1)
                check "$mode: a pre-oom capture" test -n "$d"
                [ -n "$d" ] && check_complete "$mode: it is complete" "$d"
                check "$mode: it was uploaded (.uploaded, the tarball at the target)" \
                        sh -c "test -s '$d/.uploaded' && test -s '$VOL/up/.$(basename "${d:-x}").tar.gz'"
                check "$mode: the termination message names the service" \
                        python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j.get('service') == 'leaker' else 1)" "$VOL/tl/$mode"
                oci_cleanup og$mode
        done
        check "ro: said at start that an OOM kill takes cgwarden too" \
                grep -q "warn: memory.oom.group = 1 on / (not delegated: cgwarden may not change it)" "$T/ogro/err.log"
        check_eq "ro: no post-mortem (cgwarden died in the group kill)" "" "$(ls -d "$VOL/ogro/leaker"/*-oom-kill 2> /dev/null)"
        check "rw: cgwarden moved memory.oom.group to the service's cgroup" \
                grep -q "warn: memory.oom.group was 1 on / (a container's cgroup): set to 0 for cgwarden's time" "$T/ogrw/err.log"
        check "rw: cgwarden survived the kill and wrote the post-mortem" \
                test -n "$(ls -d "$VOL/ogrw/leaker"/*-oom-kill 2> /dev/null)"
        # ro: written while cgwarden lived, after the capture's upload
        tl_has() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if $2 else 1)" "$1"; }
        check "ro: the termination message was written before the kill (no exit status)" \
                tl_has "$VOL/tl/ro" "j['exit_status'] is None and j['last_event'] == 'pre-oom'"
        check "ro: it names the uploaded capture" \
                tl_has "$VOL/tl/ro" "j['last_capture'].endswith('-pre-oom') and j['uploaded_as'].endswith('-pre-oom.tar.gz') and j['uploads'] == 1"
        check "rw: the termination message is the post-mortem's, at the exit (137)" \
                tl_has "$VOL/tl/rw" "j['exit_status'] == 137 and j['last_event'] == 'oom-kill' and j['oom_kills'] == 1"
fi

# ---- a JVM, its evidence before the kernel's OOM kill ----
[ -f "$CLASSES/DirectLeak.class" ] || { say "JVM part skipped: the Java test programs were not compiled"; exit 0; }
# CI's VM lane has no minutes to spare: there the JVM part runs only with
# CGW_CRUN_JVM=1 (a JVM captured in crun on v2 is test-watch-container's,
# a JVM entrypoint on v2 test-entrypoint's); the host lane always runs it
if [ "$LANE" = v2 ] && [ -n "${CGW_VM:-}" ] && [ "${CGW_CRUN_JVM:-}" != 1 ]; then
        say "JVM part not run in the VM lane (CGW_CRUN_JVM=1 runs it)"
        exit 0
fi
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
