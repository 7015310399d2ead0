#!/bin/bash
# Under systemd (Type=notify): READY=1 once services are started, STATUS=,
# RELOADING=1 then READY=1 on SIGHUP, STOPPING=1 on SIGTERM, WATCHDOG=1
# at half of WATCHDOG_USEC.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_test "needs python3 for the notify listener"

python3 "$TOP/tests/helpers/notify-listen.py" "$T/notify.sock" "$T/notify.log" &
echo $! > "$T/listener.pid"
wait_until 10 test -f "$T/notify.log.ready" || not_ok "listener up"

{ cfg_header; cat <<EOF
[service:a]
exec = sleep 1000
EOF
} > "$T/c.ini"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 cgw_start run -c "$T/c.ini"
wait_until 10 grep -q '^READY=1' "$T/notify.log" || not_ok "READY=1 arrives"
check "READY=1 sent after the service was started" wait_until 5 has_main_pid a
check "STATUS= summary" wait_until 5 grep -q '^STATUS=1 running, 0 throttled, 0 failed' "$T/notify.log"
check "WATCHDOG=1 at half of WATCHDOG_USEC" wait_until 5 sh -c "[ \$(grep -c '^WATCHDOG=1' '$T/notify.log') -ge 2 ]"
kill -HUP "$CGW_PID"
check "RELOADING=1 on SIGHUP" wait_until 10 grep -q '^RELOADING=1' "$T/notify.log"
check "READY=1 again after the reload" wait_until 10 sh -c "sed -n '/RELOADING=1/,\$p' $T/notify.log | grep -q '^READY=1'"
cgw_stop TERM
check "STOPPING=1 on SIGTERM" grep -q '^STOPPING=1' "$T/notify.log"
check_eq "cgwarden exits 0" 0 "$CGW_RC"
