#!/bin/bash
# SIGHUP reloads the config: unchanged services keep their pid, changed ones
# restart, removed ones stop, added ones start; a broken config at reload
# keeps everything running and says why.
. "$(dirname "$0")/lib.sh"

write_cfg() { # BODY
        { cfg_header; printf '%s\n' "$1"; } > "$T/c.ini.tmp" && mv "$T/c.ini.tmp" "$T/c.ini"
}

write_cfg "[service:keep]
exec = sleep 1000

[service:change]
exec = sleep 1001

[service:gone]
exec = sleep 1002"

cgw_start run -c "$T/c.ini"
wait_until 10 sh -c "test -n \"\$(cat $(svc_cg keep)/cgroup.procs $(svc_cg change)/cgroup.procs $(svc_cg gone)/cgroup.procs 2>/dev/null | wc -l | grep -x 3)\"" || not_ok "3 services started"
keep=$(svc_main_pid keep)
change=$(svc_main_pid change)
gone=$(svc_main_pid gone)

write_cfg "[service:keep]
exec = sleep 1000

[service:change]
exec = sleep 1003

[service:new]
exec = sleep 1004"
kill -HUP "$CGW_PID"
wait_until 15 sh -c "test -n \"\$(cat $(svc_cg new)/cgroup.procs 2>/dev/null)\" && ! kill -0 $gone 2>/dev/null && test -n \"\$(cat $(svc_cg change)/cgroup.procs 2>/dev/null | grep -vx $change)\"" ||
        not_ok "reload applied" "$(tail -n 20 "$T/cgw.err")"
check_eq "unchanged service keeps its pid" "$keep" "$(svc_main_pid keep)"
runs_new() { tr '\0' ' ' < /proc/"$(svc_main_pid change)"/cmdline | grep -q "sleep 1003"; }
check "changed service runs the new command" wait_until 5 runs_new
check "removed service is stopped" wait_until 5 is_dead "$gone"
check "removed service's cgroup is removed" test ! -d "$(svc_cg gone)"
check "added service runs" test -n "$(svc_main_pid new)"

# a broken config keeps the running one
printf '[service:keep]\nexec = sleep 1000\nmemory_max = lots\n' > "$T/c.ini"
n_before=$(grep -c "Reload failed" "$T/cgw.err")
kill -HUP "$CGW_PID"
wait_until 10 sh -c "test \$(grep -c 'Reload failed' $T/cgw.err) -gt $n_before" || not_ok "bad reload reported"
check "the error has FILE:LINE" cgw_log_has "c.ini:3: "
check_eq "keep still has its pid after a bad reload" "$keep" "$(svc_main_pid keep)"
check "new still runs after a bad reload" test -n "$(svc_main_pid new)"

cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
