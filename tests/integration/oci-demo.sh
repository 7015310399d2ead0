#!/bin/bash
# Demo and self-check of oci-lib.sh (not a test-*.sh: the runner does not
# pick it up). Runs a JVM in a crun container below the test cgroup, then a
# leaking one that the container's memory limit OOM-kills. Host lane:
#   CGW_BUILD=/work/main/build bash tests/integration/oci-demo.sh
# v2 lane:
#   tests/vm/run-in-vm --timeout 900 --env CGW_BUILD=/work/main/build -- \
#           bash tests/integration/oci-demo.sh
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/jvm-lib.sh"
. "$(dirname "$0")/oci-lib.sh"

[ -f "$CLASSES/Idle.class" ] || skip_test "the Java test programs were not compiled"

ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
took() { say "time: $1: $(( $(ms) - $2 )) ms"; }
say "lane $LANE, crun $("$OCI_CRUN" --version | head -n1), JAVA $JAVA, CLASSES $CLASSES"
say "test cgroup roots: $OCI_CGROOTS"

# ---- Idle JVM, 256M ----
t=$(ms)
oci_rootfs "$T/idle/rootfs"
took "oci_rootfs" "$t"
t=$(ms)
oci_bundle "$T/idle" /oci-idle $((256 << 20)) -- \
        "$JAVA" -Xmx64m -XX:NativeMemoryTracking=summary -cp "$CLASSES" Idle
took "oci_bundle" "$t"
t=$(ms)
check "idle: crun run -d" oci_run idle "$T/idle"
say "time: oci_run (crun run -d returned): ${OCI_START_MS} ms"
wait_until 120 grep -q '^ready' "$T/idle/out.log" || not_ok "idle: the JVM prints ready" "$(cat "$T/idle/out.log")"
took "oci_run to the JVM's 'ready'" "$t"
pid=$(oci_pid idle)
say "idle: init pid $pid ($(readlink "/proc/$pid/exe")), crun state: $(oci_status idle)"
# -ef, not the link's text: in the VM that is the 9p path (/mnt/usr/...)
check "idle: the container's process is $JAVA" test "/proc/$pid/exe" -ef "$(readlink -f "$JAVA")"
sed 's/^/#   \/proc\/PID\/cgroup: /' "/proc/$pid/cgroup"
if [ "$LANE" = v2 ]; then
        check_eq "idle: cgroup is \$TESTCG/oci-idle" "0::${TESTCG#/sys/fs/cgroup}/oci-idle" "$(grep '^0::' "/proc/$pid/cgroup")"
        check_eq "idle: memory and pids enabled in \$TESTCG" yes \
                "$(grep -qw memory "$TESTCG/cgroup.subtree_control" && grep -qw pids "$TESTCG/cgroup.subtree_control" && echo yes)"
        say "idle: $TESTCG/cgroup.subtree_control: $(cat "$TESTCG/cgroup.subtree_control")"
        say "idle: memory.max $(oci_mem_limit idle), memory.swap.max $(cat "$(oci_cgdir idle)/memory.swap.max")"
else
        for c in memory pids cpu freezer; do
                want=$(own_path "$c" | sed 's:/$::')/$TESTCG_NAME/oci-idle
                check_eq "idle: $c cgroup is the test's + /oci-idle" "$want" \
                        "$(awk -F: -v c="$c" '$2 == c { print $3 }' "/proc/$pid/cgroup")"
        done
        for c in blkio devices cpuset cpuacct name=systemd; do
                check_eq "idle: $c cgroup untouched (the test's own)" "$(own_path "$c")" \
                        "$(awk -F: -v c="$c" '$2 == c { print $3 }' "/proc/$pid/cgroup")"
        done
        say "idle: memory.limit_in_bytes $(oci_mem_limit idle), memory.memsw.limit_in_bytes $(cat "$(oci_cgdir idle)/memory.memsw.limit_in_bytes")"
        for h in /sys/fs/cgroup/*/; do
                check "idle: nothing made at $h/oci-idle" test ! -e "$h/oci-idle"
        done
fi
check_eq "idle: memory limit in force" $((256 << 20)) "$(oci_mem_limit idle)"
check_eq "idle: pid in the container's cgroup.procs" "$pid" "$(cat "$(oci_cgdir idle)/cgroup.procs")"
say "idle: ls /proc/$pid/root/tmp: $(ls -A "/proc/$pid/root/tmp" | tr '\n' ' ')"
check "idle: hsperfdata_root in the container's /tmp" test -d "/proc/$pid/root/tmp/hsperfdata_root"
say "idle: ls /proc/$pid/root/tmp/hsperfdata_root: $(ls "/proc/$pid/root/tmp/hsperfdata_root" | tr '\n' ' ')"
check "idle: not visible in the host's /tmp (its own tmpfs)" test ! -e "/tmp/hsperfdata_root/1"
say "idle: NSpid: $(grep NSpid "/proc/$pid/status")"
say "idle: memory usage $(cat "$(oci_cgdir idle)/memory.$([ "$LANE" = v2 ] && echo current || echo usage_in_bytes)")"
cgs=$(oci_cgdir idle)
[ "$LANE" = v1 ] && cgs="$cgs $(oci_cgdir idle pids) $(oci_cgdir idle cpu) $(oci_cgdir idle freezer)"
t=$(ms)
oci_cleanup idle
took "oci_cleanup" "$t"
check "idle: the JVM is dead" is_dead "$pid"
for d in $cgs; do check "idle: $d removed" test ! -e "$d"; done
check "idle: crun state gone" test ! -e "$OCI_STATE/idle"
check "idle: oci_cleanup a second time" oci_cleanup idle

# ---- DirectLeak, 128M: the container is OOM-killed ----
t=$(ms)
oci_bundle "$T/leak" /oci-leak $((128 << 20)) -- \
        "$JAVA" -Xmx64m -XX:+UseSerialGC -XX:MaxDirectMemorySize=2g -cp "$CLASSES" DirectLeak 100
took "oci_bundle (makes the per-test rootfs template, copies it)" "$t"
t=$(ms)
check "leak: crun run -d" oci_run leak "$T/leak"
say "time: oci_run (crun run -d returned): ${OCI_START_MS} ms"
pid=$(oci_pid leak)
check_eq "leak: memory limit in force" $((128 << 20)) "$(oci_mem_limit leak)"
wait_until 180 is_dead "$pid" || not_ok "leak: the JVM dies" "$(tail -n3 "$T/leak/out.log")"
took "oci_run to the JVM's death" "$t"
say "leak: out.log: $(tr '\n' ' ' < "$T/leak/out.log")"
say "leak: crun state: $(oci_status leak)"
if [ "$LANE" = v2 ]; then
        say "leak: memory.events: $(tr '\n' ' ' < "$(oci_cgdir leak)/memory.events")"
else
        say "leak: memory.oom_control: $(tr '\n' ' ' < "$(oci_cgdir leak)/memory.oom_control")"
        say "leak: memory.failcnt $(cat "$(oci_cgdir leak)/memory.failcnt"), max_usage $(cat "$(oci_cgdir leak)/memory.max_usage_in_bytes")"
fi
check_eq "leak: one OOM kill in the container's cgroup" 1 "$(oci_oom_kills leak)"
check_eq "leak: crun says stopped" stopped "$(oci_status leak)"
dmesg 2>/dev/null | grep -E 'oom-kill:|Memory cgroup out of memory' | tail -n2 | sed 's/^/#   dmesg: /'
cg=$(oci_cgdir leak)
oci_cleanup leak
check "leak: $cg removed" test ! -e "$cg"
