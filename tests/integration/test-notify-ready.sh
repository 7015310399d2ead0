#!/bin/bash
# The notify socket cgwarden offers a service (sd_notify protocol):
# ready = notify makes the service running at READY=1, start_timeout
# bounds the wait, a stranger outside the service's cgroup is not heard,
# and watchdog raises `hang` (thread dump / capture, restart) when
# WATCHDOG=1 stops arriving.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"

[ -x "$HELPERS/notify-send" ] || skip_test "notify-send helper not built"
{ cfg_header; cat <<EOF
[service:ready]
exec = $HELPERS/notify-send --ready-after 500 --status "serving"
ready = notify
start_timeout = 10s
stop_timeout = 2s

[service:never]
exec = /bin/sleep 100
ready = notify
start_timeout = 1500ms
restart = no
stop_timeout = 2s

[service:hangs]
exec = $HELPERS/notify-send --ready-after 100 --watchdog-every 100 --watchdog-stop-after 800
ready = notify
watchdog = 1s
restart = no
stop_timeout = 2s

[service:again]
exec = $HELPERS/notify-send --ready-after 100 --watchdog-every 100 --watchdog-stop-after 500
ready = notify
watchdog = 1s
action_cooldown = 4s
restart = no
stop_timeout = 2s
EOF
} > "$T/c.ini"
check "config valid" "$CGW" check "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 20 cgw_log_has "Service 'ready' is ready (READY=1" || not_ok "ready: READY=1 heard" "$(tail -5 "$T/cgw.err")"
check "ready: NOTIFY_SOCKET given, in state_dir" test -S "$T/state/notify/ready.notify"
check "ready: its log shows what it sent" grep -q "sent READY=1" "$T/log/ready.log"

# a stranger (this shell, outside the service's cgroup) says READY=1 for 'never'
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"READY=1", sys.argv[1])' \
        "$T/state/notify/never.notify"
wait_until 20 cgw_log_has "Service 'never' did not report READY=1" || true
check "never: a stranger's READY=1 is not heard" sh -c "! grep -q \"Service 'never' is ready\" '$T/cgw.err'"
check "never: start_timeout stops it" cgw_log_has "Service 'never' did not report READY=1 within start_timeout (1s500ms)"

wait_until 20 cgw_log_has "Observation hang for 'hangs'" || not_ok "hangs: hang observed" "$(tail -5 "$T/cgw.err")"
check "hangs: the hang names the watchdog" cgw_log_has "Observation hang for 'hangs': no WATCHDOG=1 for watchdog (1s)"
wait_until 20 cgw_log_has "Capture for 'hangs' finished" || not_ok "hangs: captured"
check "hangs: a capture with reason hang" test -n "$(capture_dir_of hangs hang)"
check "hangs: restarted (on_hang default: capture restart)" cgw_log_has "Service 'hangs': restarting (on_hang)"

# 'again' hangs once more right after its restart, within action_cooldown:
# that hang's actions are dropped, but a hang that lasts is observed again
# every watchdog period, and acted on once the cooldown has passed
wait_until 30 sh -c "[ \$(grep -c \"Service 'again': restarting (on_hang)\" '$T/cgw.err') -ge 2 ]" ||
        not_ok "again: restarted twice" "$(grep "'again'" "$T/cgw.err" | tail -6)"
check "again: the second hang was first dropped (cooldown)" \
        sh -c "grep \"Service 'again': policy: hang\" '$T/cgw.err' | grep -q 'dropped capture restart (cooldown'"
check "again: and observed again while it lasted" cgw_log_has "Observation hang for 'again': still no WATCHDOG=1 after 2 x watchdog (1s)"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
check "the notify sockets are removed" sh -c "! ls '$T'/state/notify/*.notify 2>/dev/null | grep -q ."
