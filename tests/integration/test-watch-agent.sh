#!/bin/bash
# timeout: 600
# not-in-lanes: vm host-asan (the agent's shape: its v2 run is the same watch path as test-watch-container.sh, and CI's VM lane has no minutes to spare; in the VM run it with tests/integration/run --lane v2 test-watch-agent.sh)
# The node agent's shape (contrib/kubernetes/daemonset.yaml) without
# Kubernetes: cgwarden itself runs in a crun container in the host's pid
# namespace (hostPID), with only the capabilities the DaemonSet lists, the
# cgroup tree mounted read-only at /host/sys/fs/cgroup
# (CGWARDEN_CGROUP_FS), /dev/kmsg, and a captures directory bound from the
# host. It watches another crun container, a leaking JVM with its own pid
# and mount namespaces, and captures it before the kernel's OOM kill.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"
. "$(dirname "$0")/watch-lib.sh"
. "$(dirname "$0")/oci-lib.sh"
# (crun runs with a view of the test cgroup as /sys/fs/cgroup, oci-lib.sh;
# the agent gets the real tree, $OCI_REALCG)

[ -f "$CLASSES/DirectLeak.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"

caps=$(python3 -c 'import yaml,sys; d=[x for x in yaml.safe_load_all(open(sys.argv[1])) if x["kind"]=="DaemonSet"][0]; print(" ".join(d["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]["add"]))' "$TOP/contrib/kubernetes/daemonset.yaml") ||
        not_ok "the DaemonSet's capabilities"
say "the DaemonSet's capabilities: $caps"
mkdir -p "$T/agent-etc" "$T/agent-captures"
# the agent sees the whole cgroup tree, as a DaemonSet's hostPath does
printf '[supervisor]\ncapture_dir = /captures\nstate_dir = /tmp/state\nlog_dir = /tmp/log\n\n[watch:pods]\nmatch = %s/docker-*.scope\ncapture_at = 70%%\nnmt_baseline_after = 2s\ncapture_timeout = 20s\n' "$TESTREL" > "$T/agent-etc/cgwarden.ini"
"$CGW" check --syntax-only "$T/agent-etc/cgwarden.ini" > /dev/null || not_ok "the agent's config"
bindir=$(cd "$(dirname "$CGW")" && pwd)

oci_rootfs "$T/rootfs"
OCI_NAMESPACES="mount ipc uts" OCI_CAPS="$caps" OCI_ENV="CGWARDEN_CGROUP_FS=/host/sys/fs/cgroup" \
OCI_MOUNTS="$OCI_REALCG:/host/sys/fs/cgroup:ro $T/agent-etc:/etc/cgwarden:ro $T/agent-captures:/captures:rw /dev/kmsg:/dev/kmsg:ro $bindir:$bindir:ro" \
        oci_bundle "$T/agent" /agent $((256 << 20)) -- "$CGW" run -c /etc/cgwarden/cgwarden.ini
check "crun runs the agent" oci_run agent "$T/agent"
wait_until 60 grep -q "Watch 'pods': match" "$T/agent/out.log" || not_ok "the agent watches" "$(tail -5 "$T/agent/out.log")"
check "the agent creates nothing in the cgroup tree" grep -q "watching only (nothing created in the cgroup tree)" "$T/agent/out.log"

id=$(printf '%s' "agent-test-$$-$(date +%s%N)" | sha256sum | cut -c1-64)
short=${id:0:12}
oci_bundle "$T/app" "/docker-$id.scope" $((256 << 20)) -- "$JAVA" $JOPTS -XX:NativeMemoryTracking=summary \
        -XX:MaxDirectMemorySize=2g -cp "$CLASSES" DirectLeak 25
check "crun runs the app" oci_run app "$T/app"
pid=$(oci_pid app)
wait_until 60 grep -q "Watch 'pods.$short': the JVM is process $pid" "$T/agent/out.log" ||
        not_ok "the agent finds the app's JVM (host pid $pid)" "$(tail -5 "$T/agent/out.log")"
wait_until 180 grep -q "Observation oom-kill for 'pods.$short'" "$T/agent/out.log" ||
        not_ok "the kernel kills the app's JVM" "$(tail -5 "$T/agent/out.log")"
wait_until 60 sh -c "ls -d $T/agent-captures/pods.$short/*-oom-kill > /dev/null 2>&1" ||
        not_ok "a post-mortem capture" "$(tail -5 "$T/agent/out.log")"
d=$(ls -d "$T/agent-captures/pods.$short"/*-pre-oom 2>/dev/null | tail -n1)
say "pre-oom capture (on the host): $d"
check "a pre-oom capture on the host's directory" test -n "$d"
if [ -n "$d" ]; then
        check_complete "pre-oom capture complete" "$d"
        for item in nmt nmt-diff threads; do
                check_eq "item $item ok (attached from another container)" ok "$(mf_item "$d" $item)"
        done
        check "the capture finished before the OOM kill" test \
                "$(grep -n "Capture for 'pods.$short' finished" "$T/agent/out.log" | head -n1 | cut -d: -f1)" -lt \
                "$(grep -n "Observation oom-kill for 'pods.$short'" "$T/agent/out.log" | head -n1 | cut -d: -f1)"
fi
d=$(ls -d "$T/agent-captures/pods.$short"/*-oom-kill 2>/dev/null | tail -n1)
[ -n "$d" ] && check "the post-mortem holds the kernel's report (/dev/kmsg in the agent)" grep -q "Killed process" "$d/oom-report.txt"
oci_cleanup app
oci_crun kill agent TERM > /dev/null 2>&1
check "the agent stops on SIGTERM" oci_wait_gone agent 30
