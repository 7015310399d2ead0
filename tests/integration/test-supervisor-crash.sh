#!/bin/bash
# cgwarden killed with SIGKILL, then started again: the new one kills what
# the dead one left in each service cgroup (one line per service), starts
# exactly one copy of each, leaves nothing outside, the output flows to the
# log again, and it stops cleanly. (The systemd model: under systemd the
# unit's KillMode=control-group does the first part at the crash itself;
# test-systemd-unit does that crash under a real systemd.) With a JVM too:
# the one the dead cgwarden left is gone, one new JVM runs in its cgroup.
# timeout: 400
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

mkdir -p "$T/d1" "$T/d2"
{ cfg_header; cat <<EOF
[service:out]
exec = sh -c 'while :; do echo tick; sleep 0.05; done'

[service:daemon]
exec = $HELPERS/doublefork $T/d1
EOF
  if [ -n "$JAVA" ]; then
        printf '\n[service:jvm]\nexec = %s %s -Dcgwtest.crash=%s %s\n' "$JAVA" "$JOPTS" "$$" "$(jvm_main Idle)"
  fi
} > "$T/c.ini"
# the JVM, by the marker in its command line
jvms() { pgrep -f -- "-Dcgwtest.crash=$$ " | sort | tr '\n' ' ' | sed 's/ $//'; }
cgw_start run -c "$T/c.ini"
wait_until 10 sh -c "test -s $T/d1/grandchild.pid && test -n \"\$(cat $(svc_cg out)/cgroup.procs 2>/dev/null)\"" ||
        not_ok "both services run" "$(tail -n 20 "$T/cgw.err")"
old_out=$(svc_pids out | tr '\n' ' ')
old_main=$(cat "$T/d1/main.pid")
old_grand=$(cat "$T/d1/grandchild.pid")
old_jvm=
if [ -n "$JAVA" ]; then
        wait_until 60 sh -c "test -n \"\$(cat $(svc_cg jvm)/cgroup.procs 2>/dev/null)\"" ||
                not_ok "the JVM runs" "$(tail -n 20 "$T/cgw.err")"
        old_jvm=$(jvms)
fi
say "before the crash: out $old_out, daemon main $old_main, grandchild $old_grand, jvm ${old_jvm:-none (no JDK)}"

first=$CGW_PID
kill -KILL "$first"
wait "$first" 2> /dev/null
CGW_PID=
check "the daemon's processes outlive the supervisor" kill -0 "$old_grand"

mv "$T/cgw.err" "$T/cgw1.err"
if [ "$LANE" = v2 ]; then
        # A v2 cgroup with children holds no process: the new cgwarden can
        # be placed in the dead one's cgroup only once that subtree is
        # gone, which is what systemd does at the crash (KillMode=
        # control-group kills it all, then it trims the subtree). Done
        # here by hand; the adoption of live orphans is v1's case.
        say "v2: doing what systemd does at the crash: kill the unit's processes, trim its subtree"
        for f in $(find "$TESTCG" -name cgroup.procs); do
                for p in $(cat "$f"); do kill -9 "$p" 2> /dev/null; done
        done
        wait_until 5 is_dead "$old_grand"
        find "$TESTCG" -mindepth 1 -depth -type d -exec rmdir {} \; 2> /dev/null
        # and the controllers the dead one enabled for its children
        echo "-memory -pids -cpu" > "$TESTCG/cgroup.subtree_control" 2> /dev/null ||
                echo "-memory -pids" > "$TESTCG/cgroup.subtree_control"
fi
sed -i "s|$T/d1|$T/d2|" "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 15 sh -c "test -s $T/d2/grandchild.pid" || not_ok "the new cgwarden starts the daemon" "$(tail -n 20 "$T/cgw.err")"
if [ "$LANE" != v2 ]; then
        check "a line for the daemon's leftovers" cgw_log_has "Service 'daemon': killed [0-9]* process(es) that a cgwarden that died had left"
fi
check "the old daemon main is gone" wait_until 5 is_dead "$old_main"
check "the old grandchild is gone" wait_until 5 is_dead "$old_grand"
for p in $old_out; do
        check "old out process $p is gone" wait_until 5 is_dead "$p"
done
if [ -n "$old_jvm" ]; then
        check "the old JVM ($old_jvm) is gone" wait_until 10 is_dead "$old_jvm"
        wait_until 60 sh -c "test -n \"\$(cat $(svc_cg jvm)/cgroup.procs 2>/dev/null)\"" ||
                not_ok "the new cgwarden starts the JVM" "$(tail -n 20 "$T/cgw.err")"
        new_jvm=$(jvms)
        check "exactly one JVM ($new_jvm), not the old one" sh -c "[ -n '$new_jvm' ] && [ '$new_jvm' = '${new_jvm%% *}' ] && [ '$new_jvm' != '$old_jvm' ]"
        check "and it is in jvm's cgroup" grep -qx "$new_jvm" "$(svc_cg jvm)/cgroup.procs"
fi
daemon_procs=$(pgrep -f "^$HELPERS/doublefork $T/d" | sort | tr '\n' ' ')
check_eq "one daemon main and its grandchild, both in its cgroup" "$(svc_pids daemon | sort | tr '\n' ' ')" "$daemon_procs"
out_shells=$(pgrep -f "^sh -c while :; do echo tick")
check_eq "exactly one copy of out" 1 "$(echo "$out_shells" | wc -w)"
check "and it is in out's cgroup" sh -c "svc_pids() { cat $(svc_cg out)/cgroup.procs; }; svc_pids | grep -qx '$out_shells'"
new_out=$(svc_main_pid out)
check "out runs in its cgroup" test -n "$new_out"
n=$(grep -c tick "$T/log/out.log")
check "out's output flows to its log again" wait_until 5 sh -c "test \$(grep -c tick $T/log/out.log) -gt $n"
for svc in out daemon ${old_jvm:+jvm}; do
        for p in $(svc_pids "$svc"); do
                check "$svc: pid $p is this run's" sh -c "! echo ' $old_out $old_main $old_grand ' | grep -q ' $p '"
        done
done
cgw_stop TERM
check_eq "the new cgwarden stops cleanly" 0 "$CGW_RC"
check "no daemon left" wait_until 5 is_dead "$(cat "$T/d2/grandchild.pid")"
check "the service cgroups are removed" sh -c "test ! -d $(svc_cg out) && test ! -d $(svc_cg daemon) && test ! -d $(svc_cg jvm)"
[ -n "$old_jvm" ] && check_eq "no JVM left" "" "$(jvms)"
