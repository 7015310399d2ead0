#!/bin/bash
# One owner per cgroup: a second cgwarden with the same service (another
# state_dir), a second one with the same state_dir, and `cgwarden exec`
# with the same name all refuse with a clear message and exit 1, touching
# nothing: the first one's service keeps its pid and its cgroup, and the
# first one stops cleanly afterwards.
. "$(dirname "$0")/lib.sh"

{ cfg_header; printf '[service:one]\nexec = sleep 1000\n'; } > "$T/a.ini"

# a second cgwarden beside the first: in its cgroup on v1; on v2 in the
# leaf the first one moved itself into (a v2 cgroup with children holds no
# process, so nothing else can be placed in the first one's cgroup)
second() { # ARGS...: run cgwarden, in the foreground, bounded
        local procs=$TESTCG_PROCS
        [ "$LANE" = v2 ] && procs=$TESTCG/supervisor/cgroup.procs
        timeout 30 bash -c 'for p in $1; do echo $BASHPID > $p || exit 99; done; shift; exec "$@"' _ "$procs" "$CGW" "$@"
}
cgw_start run -c "$T/a.ini"
wait_until 10 has_main_pid one || not_ok "the first cgwarden runs its service" "$(tail -n 20 "$T/cgw.err")"
pid=$(svc_main_pid one)

# the same service below the same cgroup, with a state_dir of its own
mkdir -p "$T/b"
cat > "$T/b.ini" <<EOF
[supervisor]
log_dir = $T/b/log
capture_dir = $T/b/captures
state_dir = $T/b/state

[service:one]
exec = sleep 2000
EOF
second run -c "$T/b.ini" > /dev/null 2> "$T/b.err"
check_eq "a second cgwarden with the same service exits 1" 1 "$?"
if [ "$LANE" = v2 ]; then
        # its own cgroup is the first one's leaf: it cannot make it a parent
        check "it says why" grep -q "holds processes other than cgwarden" "$T/b.err"
else
        check "it says another cgwarden runs the service" grep -q "service 'one'.*another cgwarden runs this service.*nothing of it was touched" "$T/b.err"
fi
check_eq "the first one's service keeps its pid" "$pid" "$(svc_main_pid one)"
check "and runs" kill -0 "$pid"
check "the second one started nothing" sh -c "! pgrep -a -x sleep | grep -q 'sleep 2000\$'"

# the same state_dir, another service
{ cfg_header; printf '[service:two]\nexec = sleep 3000\n'; } > "$T/c.ini"
second run -c "$T/c.ini" > /dev/null 2> "$T/c.err"
check_eq "a second cgwarden with the same state_dir exits 1" 1 "$?"
check "it names the first one's pid and the state_dir" grep -q "Another cgwarden (pid $CGW_PID) runs with state_dir $T/state" "$T/c.err"
check "it created no cgroup" test ! -e "$(svc_cg two)"

# exec with the same name
second exec --name=one --restart=no -- sleep 4000 > /dev/null 2> "$T/d.err"
check_eq "cgwarden exec with the same name exits 1" 1 "$?"
check "it says why" grep -q "another cgwarden runs this service\|holds processes other than cgwarden" "$T/d.err"
check_eq "the service still has its pid" "$pid" "$(svc_main_pid one)"

cgw_stop TERM
check_eq "the first cgwarden stops cleanly" 0 "$CGW_RC"
check "its service is gone" is_dead "$pid"
check "its cgroup is removed" test ! -d "$(svc_cg one)"

# a fresh instance after it takes the state_dir and the service again
cgw_start run -c "$T/a.ini"
check "a new cgwarden runs the service after the first stopped" wait_until 10 has_main_pid one
cgw_stop TERM
check_eq "and stops cleanly" 0 "$CGW_RC"
