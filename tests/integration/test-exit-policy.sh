#!/bin/bash
# Exit handling like systemd's: restart_prevent_exit_status stops a
# restart=always service from restarting on that status; success_exit_status
# counts a code (or a signal) as a clean exit, so on-failure does not
# restart.
. "$(dirname "$0")/lib.sh"

{ cfg_header; cat <<EOF
[service:prevent]
exec = $HELPERS/crasher exit 3
restart = always
restart_delay = 100ms
restart_prevent_exit_status = 3
stop_timeout = 2s

[service:clean]
exec = $HELPERS/crasher exit 42
restart = on-failure
restart_delay = 100ms
success_exit_status = 42 SIGUSR1
stop_timeout = 2s

[service:dirty]
exec = $HELPERS/crasher exit 5
restart = on-failure
restart_delay = 100ms
start_limit = 2/1min
success_exit_status = 42
stop_timeout = 2s
EOF
} > "$T/c.ini"
check "config valid" "$CGW" check "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 20 cgw_log_has "Service 'dirty' failed" || not_ok "dirty: reaches failed" "$(tail -5 "$T/cgw.err")"
check_eq "prevent: started once (restart_prevent_exit_status = 3)" 1 "$(grep -c "Service 'prevent' started" "$T/cgw.err")"
check_eq "clean: started once (42 counts as success)" 1 "$(grep -c "Service 'clean' started" "$T/cgw.err")"
check "clean: its exit is not a failure" sh -c "! grep -q \"Service 'clean' failed\" '$T/cgw.err'"
check_eq "dirty: other codes still restart (start_limit 2)" 2 "$(grep -c "Service 'dirty' started" "$T/cgw.err")"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
