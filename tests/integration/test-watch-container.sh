#!/bin/bash
# timeout: 600
# Watch mode on a real OCI container: Debian's crun runs a JVM (a minimal
# rootfs of host files, the JDK bind-mounted read-only, its own pid and
# mount namespaces and /tmp) under a memory limit, in a cgroup named as
# docker names its scopes. cgwarden, with one [watch:] section matching
# those cgroups and nothing launched, finds the container's cgroup as it
# appears, finds the JVM in it, and captures its direct-buffer leak (NMT
# diff, thread dump: attached through the container's namespaces) before
# the kernel's OOM kill; a post-mortem follows; the cgroup is dropped when
# crun removes it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"
. "$(dirname "$0")/watch-lib.sh"
. "$(dirname "$0")/oci-lib.sh"

[ -f "$CLASSES/DirectLeak.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"

ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
# the wall-clock milliseconds of a log line's time stamp (today)
log_ms() { # PATTERN
        local t
        t=$(grep -m1 -- "$1" "$T/cgw.err" | awk '{ print $2 }')
        [ -n "$t" ] || return 1
        python3 -c 'import sys, datetime; t = datetime.datetime.strptime(sys.argv[1], "%H:%M:%S.%f").time(); d = datetime.datetime.combine(datetime.date.today(), t); print(int(d.timestamp() * 1000))' "$t"
}

id=$(printf '%s' "cgwarden-test-$$-$(date +%s%N)" | sha256sum | cut -c1-64)
short=${id:0:12}
{
        cfg_header
        printf '\n[watch:ctr]\nmatch = %s/docker-*.scope\ncapture_at = 70%%\nnmt_baseline_after = 2s\ncapture_timeout = 20s\n' "$TESTREL"
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 20 cgw_log_has "Watch 'ctr': match" || not_ok "cgwarden watches" "$(tail -5 "$T/cgw.err")"

oci_rootfs "$T/rootfs"
oci_bundle "$T/b" "/docker-$id.scope" $((256 << 20)) -- "$JAVA" $JOPTS -XX:NativeMemoryTracking=summary \
        -XX:MaxDirectMemorySize=2g -cp "$CLASSES" DirectLeak 25
t0=$(ms)
check "crun runs the container" oci_run leak "$T/b"
wait_until 30 cgw_log_has "Watch 'ctr.$short': guarding container" ||
        not_ok "the container's cgroup is found" "$(tail -5 "$T/cgw.err")"
t1=$(log_ms "Watch 'ctr.$short': guarding container")
[ -n "$t1" ] && say "the container's cgroup was guarded $((t1 - t0)) ms after crun run started (crun itself took ${OCI_START_MS} ms; cgwarden waits 50 ms for a new cgroup to settle)"
pid=$(oci_pid leak)
wait_until 60 cgw_log_has "Watch 'ctr.$short': the JVM is process $pid" ||
        not_ok "the container's JVM (host pid $pid) is found" "$(tail -5 "$T/cgw.err")"
say "the JVM: host pid $pid, $(grep NSpid "/proc/$pid/status" 2>/dev/null)"
check "the JVM is pid 1 of its own pid namespace" grep -q "NSpid:.*[[:space:]]1$" "/proc/$pid/status"
st=$("$CGW" status --json -c "$T/c.ini" | python3 -c 'import json,sys; print(" ".join(x["kind"] for x in json.load(sys.stdin) if x["name"] == sys.argv[1]))' "ctr.$short")
check_eq "status: ctr.$short is a container" container "$st"

wait_until 180 cgw_log_has "Observation oom-kill for 'ctr.$short'" ||
        not_ok "the kernel kills the container's JVM" "$(tail -5 "$T/cgw.err")"
wait_until 60 sh -c "ls -d $T/captures/ctr.$short/*-oom-kill > /dev/null 2>&1" ||
        not_ok "a post-mortem capture" "$(tail -5 "$T/cgw.err")"
check "the container was OOM-killed (its cgroup's counter)" test "$(oci_oom_kills leak)" -ge 1
d=$(capture_dir_of "ctr.$short" pre-oom)
say "pre-oom capture: $d"
check "a pre-oom capture" test -n "$d"
if [ -n "$d" ]; then
        check_complete "pre-oom capture complete" "$d"
        for item in nmt nmt-diff threads pmap tasks; do
                check_eq "item $item ok" ok "$(mf_item "$d" $item)"
        done
        top=$(mf "$d" "m['findings'].get('nmt_top_growth', '')")
        say "nmt top growth: $top"
        check "the grown NMT category is the direct buffers' (Other)" sh -c "echo '$top' | grep -q '^Other +'"
        check "threads.txt is a full thread dump" grep -q "^Full thread dump" "$d/threads.txt"
        check "the capture finished before the OOM kill" \
                test "$(log_line_of "Capture for 'ctr.$short' finished")" -lt "$(log_line_of "Observation oom-kill for 'ctr.$short'")"
fi
d=$(capture_dir_of "ctr.$short" oom-kill)
[ -n "$d" ] && check "the post-mortem holds the kernel's OOM report" grep -q "Killed process $pid" "$d/oom-report.txt"

oci_cleanup leak
wait_until 20 cgw_log_has "Watch 'ctr.$short': cgroup .* is gone" ||
        not_ok "the container's cgroup is dropped when crun removes it" "$(tail -5 "$T/cgw.err")"
check "cgwarden runs on" kill -0 "$CGW_PID"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
