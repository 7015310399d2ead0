#!/bin/bash
# capture_budget: a storm of 50 log triggers in 10 s (action_cooldown = 0,
# so that each one asks for a capture) on two services, under
# [supervisor] capture_budget = 5/1h and, on one of them, its own
# capture_budget = 3/1h: at most 3 captures for that one and 5 in all;
# one log line per service about the drops, the rest counted
# (captures_dropped, the metric); a capture asked for by hand still runs.
# not-in-lanes: vm (the budget counts captures, the same on v1 and v2, and CI's VM lane has no minutes to spare; in the VM run it with tests/integration/run --lane v2 test-capture-budget.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"

storm='for i in $(seq 50); do echo "OOPS $i"; sleep 0.2; done; echo storm""-over; exec sleep infinity'
{ cfg_header; cat <<EOF
capture_budget = 5/1h
metrics_file = $T/metrics.prom
metrics_interval = 1s

[service:storm]
exec = /bin/sh -c '$storm'
log_trigger = OOPS
action_cooldown = 0
capture = cgroup status
capture_budget = 3/1h

[service:other]
exec = /bin/sh -c '$storm'
log_trigger = OOPS
action_cooldown = 0
capture = cgroup status
EOF
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"
st() { "$CGW" status --json "$1" -c "$T/c.ini" 2> /dev/null | python3 -c 'import json,sys; s=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }
over() { [ "$(cat "$T/log/storm.log" "$T/log/other.log" 2> /dev/null | grep -c 'storm-over')" = 2 ]; }
wait_until 60 over || not_ok "both storms ran" "$(tail -3 "$T/cgw.err")"
n_storm=$(ls -d "$T/captures/storm"/*-log-trigger 2> /dev/null | wc -l)
n_other=$(ls -d "$T/captures/other"/*-log-trigger 2> /dev/null | wc -l)
say "captures: storm $n_storm, other $n_other; dropped: storm $(st storm 's[0]["captures_dropped"]'), other $(st other 's[0]["captures_dropped"]')"
check "storm: at most its own budget's 3 captures" test "$n_storm" -le 3 -a "$n_storm" -ge 1
check_eq "both: the host's budget, 5 captures in all" 5 $((n_storm + n_other))
check_eq "storm: one log line about its drops" 1 "$(grep -c "Service 'storm': log-trigger capture dropped: the .* capture_budget .* is spent; it frees in" "$T/cgw.err")"
check_eq "other: one log line about its drops (the host's budget)" 1 "$(grep -c "Service 'other': log-trigger capture dropped: the host's capture_budget 5/1h (of 5/1h) is spent" "$T/cgw.err")"
check "storm: the rest counted (captures_dropped >= 30)" test "$(st storm 's[0]["captures_dropped"]')" -ge 30
check "other: the rest counted (captures_dropped >= 30)" test "$(st other 's[0]["captures_dropped"]')" -ge 30
check "metrics: cgwarden_service_captures_dropped_total for storm" \
        wait_until 10 grep -Eq '^cgwarden_service_captures_dropped_total\{service="storm"\} [3-9][0-9]$' "$T/metrics.prom"
"$CGW" capture storm -c "$T/c.ini" > "$T/cap.out" 2>&1
check_eq "a capture asked for by hand still runs" 0 "$?"
check "it is there" test -n "$(capture_dir_of storm manual)"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
