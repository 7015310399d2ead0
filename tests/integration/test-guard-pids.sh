#!/bin/bash
# Guardrails for tasks: a thread leaker under pids_max=100 raises pids-limit
# at pids_capture_at (90%) before the limit; once a clone fails at the
# limit (pids.events max), pids-max follows.
. "$(dirname "$0")/lib.sh"

{ cfg_header; cat <<EOF
[service:threads]
exec = $HELPERS/threadleak 50
pids_max = 100
restart = no
stop_timeout = 1s
EOF
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"
# libmicrohttpd is dlopen()ed for metrics_listen only (test-metrics-wedge)
wait_until 10 test -S "$T/state/control.sock"
check "no metrics_listen: neither libmicrohttpd nor its TLS stack is mapped" \
        sh -c "! grep -Eq 'libmicrohttpd|libgnutls' /proc/$CGW_PID/maps"
wait_until 30 cgw_log_has "Observation pids-limit for 'threads'" || not_ok "pids-limit observed" "$(tail -5 "$T/cgw.err")"
obs=$(grep "Observation pids-limit for 'threads'" "$T/cgw.err" | head -1)
say "${obs#*warn: }"
ok "pids-limit observed"
check "pids-limit came at 90 or more, below 100 tasks" sh -c "echo \"$obs\" | grep -Eq 'pids (9[0-9]) of 100 '"
check "the effective task limit is the service's pids.max" sh -c "echo \"$obs\" | grep -q 'of 100 (pids.max of'"
if [ -f "$(svc_cg threads pids)/pids.events" ]; then
        wait_until 30 cgw_log_has "Observation pids-max for 'threads'" || not_ok "pids-max observed after a failed clone"
        check "pids-max observed after a failed clone" cgw_log_has "Observation pids-max for 'threads': pids.events max"
        check "the service saw the failure too" grep -q "pthread_create failed: Resource temporarily unavailable" "$T/log/threads.log"
else
        say "this kernel has no pids.events: pids-max is not observable"
fi
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
