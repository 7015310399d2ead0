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
on_hang = capture restart
restart = no
stop_timeout = 2s

[service:again]
exec = $HELPERS/notify-send --ready-after 100 --watchdog-every 100 --watchdog-stop-after 500
ready = notify
watchdog = 1s
on_hang = capture restart
action_cooldown = 60s
restart = no
restart_delay = 100ms
stop_timeout = 2s

[service:lasting]
exec = $HELPERS/notify-send --ready-after 100 --watchdog-every 100 --watchdog-stop-after 300
ready = notify
watchdog = 1s
on_hang = capture
action_cooldown = 3s
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
check "hangs: restarted (its own on_hang: capture restart)" cgw_log_has "Service 'hangs': restarting (on_hang)"
check "hangs: the log says its own on_hang overrides restart = no" \
        cgw_log_has "Service 'hangs': policy: hang (on_hang), running: run capture restart; restart despite restart = no: on_hang in the service's section asks for it"

# 'again' hangs once more right after its restart, well within
# action_cooldown (60s): a new process, so its hang is acted on at once
# (cooldowns count per process)
wait_until 30 sh -c "[ \$(grep -c \"Service 'again': restarting (on_hang)\" '$T/cgw.err') -ge 2 ]" ||
        not_ok "again: restarted twice" "$(grep "'again'" "$T/cgw.err" | tail -6)"
check_eq "again: two hang captures, one per process" 2 "$(ls -d "$T/captures/again/"*-hang 2>/dev/null | wc -l)"
check "again: nothing dropped by the cooldown" sh -c "! grep \"Service 'again': policy: hang\" '$T/cgw.err' | grep -q 'cooldown'"

# 'lasting' stays hung (one process): observed again every watchdog
# period, the capture dropped within action_cooldown (3s) and taken again
# once it has passed
wait_until 30 sh -c "[ \$(ls -d '$T/captures/lasting/'*-hang 2>/dev/null | wc -l) -ge 2 ]" ||
        not_ok "lasting: captured again after the cooldown" "$(grep "'lasting'" "$T/cgw.err" | tail -6)"
check "lasting: observed again while it lasted" cgw_log_has "Observation hang for 'lasting': still no WATCHDOG=1 after 2 x watchdog (1s)"
check "lasting: the repeat within the cooldown was dropped" \
        sh -c "grep \"Service 'lasting': policy: hang\" '$T/cgw.err' | grep -q 'dropped capture (cooldown'"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
check "the notify sockets are removed" sh -c "! ls '$T'/state/notify/*.notify 2>/dev/null | grep -q ."
