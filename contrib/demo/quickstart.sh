#!/bin/bash
# Quick start, part 1: set up and run the demo.
#
# Installs the build dependencies (Debian), builds cgwarden, and supervises a
# demo service that leaks memory under memory_max=256M: a JVM keeping direct
# ByteBuffers (the off-heap leak of the field reports), or, where no JDK is
# installed, a C program leaking at the same rate. Before the kernel kills
# it, cgwarden captures the evidence: NMT summary and diff against the
# baseline it took by itself, a thread dump, the memory map, threads grouped
# by name, the cgroup's counters. The demo prints the capture's files and
# the lines that tell the story, then lets the kernel kill the service and
# shows the post-mortem capture. It ends with `cgwarden report` of the
# captures: as text, and as an HTML page it keeps in /tmp.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

if [ "$(id -u)" != 0 ]; then
        echo "Run as root (cgwarden creates cgroups and the demo installs packages): sudo $0" >&2
        exit 1
fi

pkgs="build-essential meson ninja-build pkg-config libcgroup-dev libseccomp-dev libsystemd-dev libinih-dev libcmocka-dev libjson-c-dev libmicrohttpd-dev"
missing=$(for p in $pkgs; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
        echo "== installing: $missing"
        DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
echo "== building"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

d=$(mktemp -d /tmp/cgwarden-demo.XXXXXX)
chmod 755 "$d"
java=
for j in "$(command -v java 2>/dev/null)" /usr/lib/jvm/*/bin/java; do
        [ -x "$j" ] && [ -f build/tests/jvm/DirectLeak.class ] && { java=$j; break; }
done
if [ -n "$java" ]; then
        cp build/tests/jvm/DirectLeak.class "$d/" && chmod 644 "$d/DirectLeak.class"
        cmd="$java -Xmx64m -XX:+UseSerialGC -XX:MaxDirectMemorySize=2g -cp $d DirectLeak 25"
        what="a JVM keeping direct ByteBuffers, 25 MB/s ($("$java" -version 2>&1 | head -n1))"
else
        cmd="$top/build/tests/leaker 25"
        what="the C leaker, 25 MB/s (no JDK found: apt-get install openjdk-17-jdk-headless for the JVM demo)"
fi
cat > "$d/demo.ini" <<EOC
[supervisor]
log_dir     = $d/log
capture_dir = $d/captures
state_dir   = $d/state

[service:leaky]
exec          = $cmd
memory_max    = 256M
memory_high   = none
nmt_baseline_after = 3s
restart       = no
stop_timeout  = 2s
oom_pause_max = 2s
EOC
echo "== the service: $what"
echo "== config ($d/demo.ini):"
sed -n '/\[service/,$p' "$d/demo.ini" | sed 's/^/   /'

launcher=()
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && [ -d /run/systemd/system ]; then
        # cgroup v2 lets a supervisor manage only a delegated subtree: give
        # cgwarden one, as its systemd unit (Delegate=yes) would.
        launcher=(systemd-run --quiet --scope -p Delegate=yes --)
fi

echo "== starting cgwarden (Ctrl-C stops it and the demo)"
"${launcher[@]}" build/supervisor/cgwarden run -c "$d/demo.ini" 2> "$d/cgwarden.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$d"' EXIT

# wait (bounded) for the service cgroup, then show its limits from the kernel
for _ in $(seq 100); do grep -q "started (pid" "$d/cgwarden.log" 2>/dev/null && break; sleep 0.1; done
cg=$(sed -n "s/.*Service 'leaky': cgroup \([^,]*\),.*/\1/p" "$d/cgwarden.log" | head -1)
echo "== the service's cgroup: $cg"
if [ -f "/sys/fs/cgroup$cg/memory.max" ]; then
        echo "   memory.max  = $(cat "/sys/fs/cgroup$cg/memory.max")"
        echo "   memory.high = $(cat "/sys/fs/cgroup$cg/memory.high")"
        echo "   pids.max    = $(cat "/sys/fs/cgroup$cg/pids.max")"
        events="/sys/fs/cgroup$cg/memory.events"
else
        echo "   memory.limit_in_bytes = $(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")"
        # the pids hierarchy's path may differ from memory's: the service's own
        svc=$(sed -n "s/.*Service 'leaky' started (pid \([0-9]*\)).*/\1/p" "$d/cgwarden.log" | head -1)
        pcg=$(sed -n 's/^[0-9]*:pids:\(.*\)/\1/p' "/proc/${svc:-0}/cgroup" 2>/dev/null)
        echo "   pids.max              = $(cat "/sys/fs/cgroup/pids${pcg%/}/pids.max" 2>/dev/null || echo n/a)"
        events="/sys/fs/cgroup/memory$cg/memory.oom_control"
fi

echo "== watching: the leak, cgwarden's observation and capture, the kernel's kill"
# print cgwarden's log as it grows (a poll, so nothing outlives the demo)
shown=0
show_log() {
        local n
        n=$(wc -l < "$d/cgwarden.log")
        [ "$n" -gt "$shown" ] && sed -n "$((shown + 1)),${n}p" "$d/cgwarden.log" | grep -v "effective memory limit" | sed 's/^/   /'
        shown=$n
}
for _ in $(seq 900); do
        show_log
        grep -q "finished .*oom-kill\|Service 'leaky' failed" "$d/cgwarden.log" && break
        sleep 0.1
done
sleep 0.5
show_log

cap=$(ls -d "$d/captures/leaky/"*-pre-oom 2>/dev/null | head -n1)
if [ -n "$cap" ]; then
        echo
        echo "== the evidence, captured before the kill: $cap"
        ls -l "$cap" | sed 's/^/   /'
        echo "== manifest.json: what fired, and the findings"
        python3 - "$cap/manifest.json" <<'PY' 2>/dev/null || grep -A6 '"trigger"\|"findings"' "$cap/manifest.json"
import json, sys
m = json.load(open(sys.argv[1]))
t = m["trigger"]
print("   reason %s at %s: %s" % (m["reason"], m["started_at"], t["what"]))
print("   memory %.1f MiB of %.1f MiB, eta %s s; complete: %s" % (t["memory_current"] / 2**20, t["memory_max"] / 2**20, t["eta_s"], m["complete"]))
for k, v in m["findings"].items():
    print("   %-17s %s" % (k, v))
for i in m["items"]:
    print("   item %-14s %-5s %8.1f ms  %s" % (i["name"], "ok" if i["ok"] else "-", i["ms"], i["error"] or ""))
PY
        if [ -f "$cap/nmt-diff.txt" ]; then
                echo "== nmt-diff.txt: what grew since the baseline cgwarden took 3 s after the start"
                grep -E "^Total|^-" "$cap/nmt-diff.txt" | grep -E "[+-][0-9]+KB" | head -n 4 | sed 's/^/   /'
        fi
        echo "== tasks.txt: the cgroup's processes, then the threads by name, largest group first"
        # the process block, then the Java threads by their full names
        # (after the thread dump), or else the groups by comm
        awk '/ in the cgroup$/ { p = 1 } p && NF == 0 { exit } p { print } / by name \(comm/ { exit }' "$cap/tasks.txt" |
                grep -v ' by name (comm' | head -n 6 | sed 's/^/   /'
        if grep -q ' Java threads in ' "$cap/tasks.txt"; then
                sed -n '/ Java threads in /,$p' "$cap/tasks.txt" | head -n 5 | sed 's/^/   /'
        else
                sed -n '/ by name (comm/,$p' "$cap/tasks.txt" | head -n 5 | sed 's/^/   /'
        fi
        echo "== pmap.txt: the largest mappings"
        sed -n '1,5p' "$cap/pmap.txt" | sed 's/^/   /'
        [ -f "$cap/threads.txt" ] && echo "== threads.txt: $(grep -c '^"' "$cap/threads.txt") threads in the dump ($(sed -n 2p "$cap/threads.txt"))"
fi
pm=$(ls -d "$d/captures/leaky/"*-oom-kill 2>/dev/null | head -n1)
[ -n "$pm" ] && echo "== after the kill, the post-mortem capture: $pm ($(ls "$pm" | tr '\n' ' '))"
echo "== kernel's count for the service cgroup ($events):"
sed 's/^/   /' "$events" 2>/dev/null | grep -E 'oom_kill|max|high|under_oom' || true
if [ -n "$cap" ] || [ -n "$pm" ]; then
        # the report of the service's captures, kept after the demo's files go
        report=$(mktemp --suffix=.html /tmp/cgwarden-demo-report.XXXXXX)
        chmod 644 "$report"
        echo
        echo "== cgwarden report $d/captures/leaky: every capture, the timeline, NMT, threads, mappings"
        build/supervisor/cgwarden report "$d/captures/leaky" --html "$report" --text | sed 's/^/   /'
        echo "== the same as one HTML page (open it in a browser): $report"
fi
echo "== stopping cgwarden"
kill -TERM $pid; wait $pid || true
trap 'rm -rf "$d"' EXIT
echo "== done: every cgroup cgwarden made is gone: $( [ -d "/sys/fs/cgroup$cg" ] || [ -d "/sys/fs/cgroup/memory$cg" ] && echo NO || echo yes)"
echo "   (the demo's files are removed on exit; copy $d first to keep them)"
