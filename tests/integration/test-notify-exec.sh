#!/bin/bash
# The notify action: notify_exec (argv, no shell of cgwarden's) runs with
# the event in its environment, without blocking the loop, after the
# capture that precedes it in the action list; a structured log entry
# says the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"

cat > "$T/notify.sh" <<EOF
#!/bin/sh
env | grep '^CGWARDEN_' | sort > "$T/notify.env.tmp"
sleep 1   # a slow script must not hold up cgwarden
mv "$T/notify.env.tmp" "$T/notify.env"
EOF
chmod +x "$T/notify.sh"
{ cfg_header; cat <<EOF
[service:leak]
exec = $HELPERS/leaker 100
memory_max = 256M
on_pre_oom = capture notify
notify_exec = $T/notify.sh --flag
oom_pause_max = 1s
restart = no
stop_timeout = 2s
EOF
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 30 test -f "$T/notify.env" || not_ok "notify_exec ran" "$(tail -5 "$T/cgw.err")"
d=$(capture_dir_of leak pre-oom)
check "the notify entry is logged with the capture" cgw_log_has "Notify: pre-oom for 'leak'; evidence in $d"
check "CGWARDEN_SERVICE" grep -qx "CGWARDEN_SERVICE=leak" "$T/notify.env"
check "CGWARDEN_EVENT" grep -qx "CGWARDEN_EVENT=pre-oom" "$T/notify.env"
check "CGWARDEN_CAPTURE_DIR is the capture" grep -qx "CGWARDEN_CAPTURE_DIR=$d" "$T/notify.env"
check "CGWARDEN_MEMORY_MAX" grep -qx "CGWARDEN_MEMORY_MAX=268435456" "$T/notify.env"
check "CGWARDEN_MEMORY_CURRENT is a number > 0" grep -Eqx "CGWARDEN_MEMORY_CURRENT=[1-9][0-9]*" "$T/notify.env"
check "CGWARDEN_PID" grep -Eqx "CGWARDEN_PID=[0-9]+" "$T/notify.env"
check "CGWARDEN_PIDS_CURRENT, CGWARDEN_PIDS_MAX" sh -c "grep -q '^CGWARDEN_PIDS_CURRENT=' '$T/notify.env' && grep -q '^CGWARDEN_PIDS_MAX=' '$T/notify.env'"
# the loop went on while the script slept: the kill and its observation
# (v1: after oom_pause_max 1 s) came before the script finished
check "the loop was not blocked by the script" cgw_log_has "notify_exec started"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
