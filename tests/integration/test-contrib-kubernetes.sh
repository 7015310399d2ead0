#!/bin/bash
# contrib/kubernetes: the manifests parse as YAML with the fields they
# need, and the DaemonSet's cgwarden.ini passes `cgwarden check`. (No
# Kubernetes here: what they rest on is run by test-watch-container.sh,
# test-entrypoint.sh and test-entrypoint-crun.sh.)
. "$(dirname "$0")/lib.sh"

python3 -c 'import yaml' 2> /dev/null || skip_test "python3-yaml is not installed"
K=$TOP/contrib/kubernetes

python3 - "$K" "$T" > "$T/py.out" 2>&1 <<'EOF'
import sys, yaml
k, t = sys.argv[1], sys.argv[2]
docs = list(yaml.safe_load_all(open(k + "/daemonset.yaml")))
kinds = {d["kind"]: d for d in docs}
assert set(kinds) == {"Namespace", "ConfigMap", "DaemonSet"}, kinds.keys()
ini = kinds["ConfigMap"]["data"]["cgwarden.ini"]
open(t + "/ds.ini", "w").write(ini)
ds = kinds["DaemonSet"]["spec"]["template"]
spec = ds["spec"]
assert spec["hostPID"] is True
c = spec["containers"][0]
assert c["args"] == ["run", "-c", "/etc/cgwarden/cgwarden.ini"]
env = {e["name"]: e["value"] for e in c["env"]}
assert env["CGWARDEN_CGROUP_FS"] == "/host/sys/fs/cgroup"
mounts = {m["name"]: m for m in c["volumeMounts"]}
assert mounts["cgroup"]["readOnly"] is True and mounts["cgroup"]["mountPath"] == "/host/sys/fs/cgroup"
vols = {v["name"]: v for v in spec["volumes"]}
assert vols["cgroup"]["hostPath"]["path"] == "/sys/fs/cgroup"
assert vols["captures"]["hostPath"]["path"] == "/var/lib/cgwarden/captures"
assert ds["metadata"]["annotations"]["prometheus.io/port"] == str(c["ports"][0]["containerPort"])
assert "0.0.0.0:%d" % c["ports"][0]["containerPort"] in ini
pod = yaml.safe_load(open(k + "/pod-entrypoint.yaml"))
assert pod["kind"] == "Pod"
pc = pod["spec"]["containers"][0]
assert pc["command"][:3] == ["/usr/bin/cgwarden", "exec", "--guard-self"] and pc["command"][-1] == "--"
open(t + "/pod.args", "w").write("\n".join(pc["command"][1:-1]))
assert pc["resources"]["limits"]["memory"] == "512Mi"
assert "shareProcessNamespace" not in pod["spec"] and "hostPID" not in pod["spec"]
print("ok")
EOF
check "the manifests parse, with the fields they need" grep -qx ok "$T/py.out" || cat "$T/py.out"
"$CGW" check --syntax-only "$T/ds.ini" > "$T/check.out" 2>&1
check_eq "the DaemonSet's cgwarden.ini passes cgwarden check" 0 "$?"
[ -s "$T/check.out" ] && sed 's/^/#   /' "$T/check.out"
