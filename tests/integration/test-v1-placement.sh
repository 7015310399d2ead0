#!/bin/bash
# v1: a service's pids, cpu and freezer cgroups are never put at a
# hierarchy's root shared with the host. cgwarden runs in its test cgroup in
# the memory hierarchy only, as a process nobody placed in the others (a
# root shell on this hybrid host is at / in pids, cpu and freezer): its
# services go below memory's path in those hierarchies, as systemd mirrors
# a unit's path, not at /sys/fs/cgroup/pids/services/NAME; the directories
# created for that are removed at the end, those that were there are kept.
# Where the caller's own path in a hierarchy is not the root, the services
# go below it, as before.
. "$(dirname "$0")/lib.sh"
require_v1
require_root

mem_own=$(own_path memory)
mem_own=${mem_own%/}
# cgwarden joins the memory test cgroup only
TESTCG_PROCS=$TESTCG/cgroup.procs
N=$((700000 + $$ % 100000))

# per hierarchy: where its services must go, and the first directory of
# that path that does not exist yet (removed at the end)
declare -A want made
for c in pids cpu freezer; do
        [ -d "/sys/fs/cgroup/$c" ] || continue
        own=$(own_path "$c")
        [ -n "$own" ] || continue
        if [ "$own" = / ] && [ -n "$mem_own" ]; then
                base=$mem_own/$TESTCG_NAME
        else
                base=${own%/}
        fi
        want[$c]=/sys/fs/cgroup/$c$base/services/sleeper
        p=/sys/fs/cgroup/$c
        made[$c]=
        IFS=/ read -ra parts <<< "${base#/}"
        for x in "${parts[@]}"; do
                p=$p/$x
                if [ ! -d "$p" ]; then made[$c]=$p; break; fi
        done
        say "$c: own path '$own': services expected in ${want[$c]}${made[$c]:+ (from ${made[$c]} on created by cgwarden)}"
done
[ ${#want[@]} -gt 0 ] || skip_test "no pids, cpu or freezer hierarchy mounted"

placement_cleanup() {
        for c in "${!made[@]}"; do
                [ -n "${made[$c]}" ] && cg_remove_tree "${made[$c]}"
        done
}
trap 'rc=$?; [ -n "$CGW_PID" ] && cgw_stop TERM; placement_cleanup; (exit $rc); cleanup' EXIT

{ cfg_header; cat <<EOC
[service:sleeper]
exec = /bin/sleep $N
pids_max = 50
cpu_max = 50%
restart = no
stop_timeout = 2s
EOC
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 30 has_main_pid sleeper || not_ok "sleeper started" "$(tail -5 "$T/cgw.err")"
pid=$(svc_main_pid sleeper)
for c in "${!want[@]}"; do
        check "$c: the service is in ${want[$c]}" grep -qx "$pid" "${want[$c]}/cgroup.procs"
        check "$c: nothing at the hierarchy's root (/sys/fs/cgroup/$c/services/sleeper)" \
                test "${want[$c]}" = "/sys/fs/cgroup/$c/services/sleeper" -o ! -e "/sys/fs/cgroup/$c/services/sleeper"
done
[ -n "${want[pids]:-}" ] && check_eq "pids: pids_max is set where the service is" 50 "$(cat "${want[pids]}/pids.max")"
[ -n "${want[cpu]:-}" ] && check_eq "cpu: cpu_max is set where the service is" 50000 "$(cat "${want[cpu]}/cpu.cfs_quota_us")"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
for c in "${!want[@]}"; do
        check "$c: the service's cgroup is removed" test ! -e "${want[$c]}"
        if [ -n "${made[$c]}" ]; then
                check "$c: what cgwarden created for it is removed (${made[$c]})" test ! -e "${made[$c]}"
                check "$c: what was there before is kept ($(dirname "${made[$c]}"))" test -d "$(dirname "${made[$c]}")"
        fi
done
