#!/bin/bash
# log_trigger = REGEX => actions, matched line by line on the service's
# stdout and stderr: an OutOfMemoryError line captures and restarts; each
# trigger fires at most once per action_cooldown (the restarted service
# prints it again); a line longer than the log's line buffer is matched
# on its first part; a trigger without actions uses on_log_trigger.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"

long=$(head -c 20000 /dev/zero | tr '\0' x)
{ cfg_header; cat <<EOF
[service:oom]
exec = /bin/sh -c 'echo starting; sleep 0.3; for i in 1 2; do echo "Exception in thread \\"main\\" java.lang.OutOfMemoryError: Java heap space" >&2; sleep 0.3; done; exec sleep 100'
log_trigger = java\\.lang\\.OutOfMemoryError => capture restart
action_cooldown = 1h
stop_timeout = 2s

[service:long]
exec = /bin/sh -c 'sleep 0.3; echo "unable to create native thread $long"; exec sleep 100'
log_trigger = unable to create (new )?native thread
stop_timeout = 2s
EOF
} > "$T/c.ini"
check "config with log triggers is valid" "$CGW" check "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 30 cgw_log_has "Capture for 'oom' finished" || not_ok "oom: a capture finishes" "$(tail -5 "$T/cgw.err")"
check "oom: the observation names the trigger and the line" \
        cgw_log_has "Observation log-trigger for 'oom': /java\\\\.lang\\\\.OutOfMemoryError/ matched: Exception in thread"
d=$(capture_dir_of oom log-trigger)
check_eq "oom: capture <stamp>-log-trigger complete" True "$(mf "$d" "m['complete']")"
check "oom: the trigger is in the manifest" test "$(mf "$d" "'OutOfMemoryError' in m['trigger']['what']")" = True
wait_until 20 cgw_log_has "Service 'oom': restarting (on_log-trigger)" || not_ok "oom: restarted"
# the restarted service prints the line again: within the cooldown, nothing
wait_until 20 sh -c "[ \$(grep -c \"Service 'oom' started\" '$T/cgw.err') -ge 2 ]" || not_ok "oom: started again"
wait_until 10 sh -c "[ \$(grep -c 'java.lang.OutOfMemoryError' '$T/log/oom.log') -ge 2 ]" || not_ok "oom: printed it again"
# each process prints the line twice: within one process the trigger
# fires once per action_cooldown; a restarted process fires again
# (cooldowns count per process)
first_restart=$(log_line_of "Service 'oom': restarting (on_log-trigger)")
check_eq "oom: one trigger per action_cooldown within a process" 1 \
        "$(head -n "$first_restart" "$T/cgw.err" | grep -c "Observation log-trigger for 'oom'")"
wait_until 20 sh -c "[ \$(grep -c \"Observation log-trigger for 'oom'\" '$T/cgw.err') -ge 2 ]" ||
        not_ok "oom: the restarted process's trigger fires again"
check "oom: the restarted process's trigger is acted on (a new process)" \
        sh -c "grep \"Service 'oom': policy: log-trigger\" '$T/cgw.err' | sed -n 2p | grep -q 'run capture restart'"

wait_until 30 cgw_log_has "Capture for 'long' finished" || not_ok "long: a capture finishes" "$(tail -5 "$T/cgw.err")"
check "long: matched on the first part of a 20 kB line" cgw_log_has "Observation log-trigger for 'long'"
check "long: the log keeps the whole line" test "$(grep -o x "$T/log/long.log" | wc -l)" -ge 20000
check "long: no actions given: on_log_trigger (capture), no restart" sh -c "! grep -q \"Service 'long': restarting\" '$T/cgw.err'"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
