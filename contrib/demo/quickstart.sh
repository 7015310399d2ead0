#!/bin/bash
# Quick start, part 1: set up and run the demo.
#
# Installs the build dependencies (Debian), builds cgwarden, and supervises a
# demo service that leaks memory (20 MB/s) under memory_max=64M. The kernel
# OOM-kills it at the limit; cgwarden restarts it with a growing back-off and
# gives up at the start limit. You see the limits as the kernel holds them,
# the kills, the restarts, and the service's log.
#
# (Evidence capture before the kill is not built yet: today the demo shows
# the supervision loop that the capture will hook into.)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

if [ "$(id -u)" != 0 ]; then
        echo "Run as root (cgwarden creates cgroups and the demo installs packages): sudo $0" >&2
        exit 1
fi

pkgs="build-essential meson ninja-build pkg-config libcgroup-dev libseccomp-dev libsystemd-dev libinih-dev libcmocka-dev libjson-c-dev"
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
cat > "$d/demo.ini" <<EOC
[supervisor]
log_dir     = $d/log
capture_dir = $d/captures
state_dir   = $d/state

[service:leaky]
exec          = $top/build/tests/leaker 20
memory_max    = 64M
pids_max      = 32
restart       = on-failure
restart_delay = 1s
start_limit   = 3/1min
stop_timeout  = 2s
oom_pause_max = 2s
EOC
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
        pcg=$(sed -n 's/^[0-9]*:pids:\(.*\)/\1/p' /proc/$pid/cgroup)
        echo "   pids.max              = $(cat /sys/fs/cgroup/pids${pcg%/}/services/leaky/pids.max 2>/dev/null || echo n/a)"
        events="/sys/fs/cgroup/memory$cg/memory.oom_control"
fi

echo "== watching for up to 40 s: the leak, the kernel's kills, cgwarden's restarts"
tail -n +1 -f "$d/cgwarden.log" 2>/dev/null | sed -u 's/^/   /' &
tailpid=$!
for _ in $(seq 400); do
        grep -q "Service 'leaky' failed" "$d/cgwarden.log" && break
        sleep 0.1
done
sleep 0.3
kill $tailpid 2>/dev/null; wait $tailpid 2>/dev/null || true
echo "== kernel's count for the service cgroup ($events):"
sed 's/^/   /' "$events" 2>/dev/null | grep -E 'oom_kill|max|high|under_oom' || true
echo "== the service's log ($d/log/leaky.log), last lines:"
tail -n 8 "$d/log/leaky.log" | sed 's/^/   /'
echo "== stopping cgwarden"
kill -TERM $pid; wait $pid || true
trap 'rm -rf "$d"' EXIT
echo "== done: every cgroup cgwarden made is gone: $( [ -d "/sys/fs/cgroup$cg" ] || [ -d "/sys/fs/cgroup/memory$cg" ] && echo NO || echo yes)"
