#!/bin/bash
# Rootless under a real systemd (the systemd lane): an unprivileged user's
# own systemd (user@UID.service, which delegates memory, pids and cpu to
# it on Debian) runs
#   systemd-run --user --scope -p Delegate=yes cgwarden exec --memory-max=96M ...
# as that user, with no root anywhere in cgwarden's path:
#   - cgwarden puts the service in <the user's scope>/services/leaker and
#     sets memory.max there (the user's delegated subtree)
#   - a C leaker (20 MB/s) gets a complete pre-oom capture before the
#     kernel's OOM kill, in $XDG_STATE_HOME/cgwarden/captures (the user's
#     default: ~/.local/state), owned by the user
#   - cgwarden exits with the service's 137; the scope is gone after
# The user is made for the test (useradd in the VM's writable overlay) and
# its user manager started with systemctl, as a login would (the lane
# starts the system bus and logind first: systemd-user-runtime-dir asks
# logind); both are removed afterwards.
# Skips (77) unless PID 1 is systemd; the host and the plain VM lane skip it.
# systemd-lane: run by tests/integration/run --lane systemd
# timeout: 180
if [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ] || [ ! -d /run/systemd/system ]; then
        echo "SKIP: PID 1 is not systemd (runs in the systemd lane: tests/vm/run-in-vm --systemd)"
        exit 77
fi
CGW_NO_TESTCG=1
. "$(dirname "$0")/lib.sh"
require_v2
command -v useradd > /dev/null || skip_test "no useradd"

U=cgwu$$
USCOPE=cgw-rootless-$$.scope
user_cleanup() {
        local uid
        uid=$(id -u "$U" 2> /dev/null) || return 0
        systemctl stop "user@$uid.service" "user-runtime-dir@$uid.service" 2> /dev/null
        userdel -r "$U" 2> /dev/null
}
trap 'rc=$?; user_cleanup; (exit $rc); cleanup' EXIT

# systemd-user-runtime-dir asks logind (over the system bus) for the
# runtime directory's size: the lane boots neither, a login would have
systemctl start dbus.service systemd-logind.service ||
        skip_test "no system bus or logind here: $(systemctl status dbus.service systemd-logind.service 2>&1 | tail -3)"
useradd -m -s /bin/sh "$U" || not_ok "useradd $U"
UID_U=$(id -u "$U")
H=/home/$U
# the user's own systemd, as a login would start it
systemctl start "user@$UID_U.service" ||
        not_ok "start user@$UID_U.service" "$(journalctl -b --no-pager -n 30 2>&1 | grep -v kernel | tail -n 30)"
wait_until 30 test -S "/run/user/$UID_U/systemd/private" ||
        not_ok "the user's systemd listens" "$(journalctl -u "user@$UID_U.service" -n 10 2>&1)"
UCG=/sys/fs/cgroup$(systemctl show -p ControlGroup --value "user@$UID_U.service")
say "user@$UID_U.service: $UCG, controllers: $(cat "$UCG/cgroup.controllers")"
check "user@.service delegates memory and pids to the user" \
        sh -c "grep -qw memory '$UCG/cgroup.controllers' && grep -qw pids '$UCG/cgroup.controllers'"

as_user() {
        runuser -u "$U" -- env -i HOME="$H" USER="$U" LOGNAME="$U" PATH=/usr/bin:/bin \
                XDG_RUNTIME_DIR="/run/user/$UID_U" "$@"
}
as_user timeout -k 5 120 systemd-run --user --quiet --scope -p Delegate=yes --unit "$USCOPE" \
        "$CGW" exec --memory-max=96M --memory-high=none --restart=no -- "$HELPERS/leaker" 20 \
        > "$T/cgw.out" 2> "$T/cgw.err"
RC=$?
say "$(grep -E "cgroup|effective|Observation|Capture|killed" "$T/cgw.err" | sed 's/^[^ ]* [^ ]* //' | head -12)"
check_eq "cgwarden exits with the service's status (137: the kernel's OOM kill)" 137 "$RC"
check "the service ran in the user's scope, in services/leaker" \
        grep -q "Service 'leaker' started (pid [0-9]*) in cgroup /user.slice/user-$UID_U.slice/user@$UID_U.service/.*/$USCOPE/services/leaker" "$T/cgw.err"
check "memory_max was set there (the user's delegated subtree)" \
        grep -q "Service 'leaker': cgroup .*$USCOPE/services/leaker, memory_max=96M" "$T/cgw.err"
check "no false warning about delegation (systemd 252 marks nothing in a user manager's tree)" \
        sh -c "! grep -q 'has not marked' '$T/cgw.err'"
CAP=$H/.local/state/cgwarden/captures/leaker
d=$(ls -d "$CAP"/*-pre-oom 2> /dev/null | head -n1)
check "a pre-oom capture in ~/.local/state/cgwarden/captures (XDG_STATE_HOME's default)" test -n "$d"
if [ -n "$d" ]; then
        c=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["complete"])' "$d/manifest.json" 2> /dev/null)
        check_eq "it is complete" True "$c"
        check "it was taken before the kill (oom_kill 0 in its memory.events.txt)" grep -q "oom_kill 0" "$d/memory.events.txt"
        check_eq "it belongs to the user" "$U" "$(stat -c %U "$d")"
fi
check "the OOM kill was seen and its post-mortem written" test -n "$(ls -d "$CAP"/*-oom-kill 2> /dev/null)"
check "the scope's cgroup is gone" wait_until 10 sh -c "[ -z \"\$(find '$UCG' -name '$USCOPE' 2> /dev/null)\" ]"
