#!/bin/bash
# Log floods: a fork bomb at its task limit (tests/helpers/forkbomb: it
# keeps its children and retries a failed fork every 10 ms) raises
# pids-max on every failed fork (before: 689 log lines in 35 s for a
# stress-ng fork bomb; a thread leak at its limit, an observation and a
# "dropped capture (cooldown ...)" pair every second). Repeats of an
# observation that does nothing are counted and said as one line at most
# once per action_cooldown; the first is logged, an observation that acts
# always is; status and metrics count each one. And the bomb's evidence:
# tasks.txt lists every process of the cgroup.
# not-in-lanes: vm (the output log under a flood is the same on v1 and v2; CI's VM lane has no minutes to spare; in the VM run it with tests/integration/run --lane v2 test-log-flood.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"

{ cfg_header; cat <<EOF2
metrics_file = $T/metrics.prom
metrics_interval = 1s

[service:bomb]
exec = $HELPERS/forkbomb 10
pids_max = 20
action_cooldown = 5s
restart = no
stop_timeout = 2s
EOF2
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 20 cgw_log_has "Observation pids-max for 'bomb'" || not_ok "the fork bomb reached its task limit" "$(tail -3 "$T/cgw.err")"
# three cooldowns of flooding
wait_until 30 sh -c "[ \$(grep -c \"more pids-max observation(s) in the last\" '$T/cgw.err') -ge 2 ]" ||
        not_ok "the repeats are summarised, once per action_cooldown" "$(grep -c "Observation pids-max" "$T/cgw.err") observation lines"
n_obs=$("$CGW" status -c "$T/c.ini" --json bomb | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["observations"]["pids-max"])')
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
lines=$(grep -c "'bomb'" "$T/cgw.err")
logged=$(grep -c "Observation pids-max for 'bomb'" "$T/cgw.err")
dropped=$(grep -c "Service 'bomb': policy: pids-max.*dropped" "$T/cgw.err")
say "observations counted: $n_obs; logged: $logged; policy lines with drops: $dropped; cgwarden's lines about bomb: $lines"
check "status counts every observation ($n_obs), many more than the log shows ($logged)" test "$n_obs" -gt $((logged * 3))
check "at most one observation line per action_cooldown (5s) plus the ones that acted" test "$logged" -le 8
check "no 'dropped ... cooldown' line for a summarised repeat" test "$dropped" -le 4
check "the summary names the count and the span" grep -Eq "Service 'bomb': [0-9]+ more pids-max observation\(s\) in the last [0-9]+s" "$T/cgw.err"
check "metrics count every observation" grep -Eq "cgwarden_service_observations_total\{service=\"bomb\",event=\"pids-max\"\} [0-9]{2,}" "$T/metrics.prom"

d=$(capture_dir_of bomb pids-limit)
if [ -z "$d" ]; then
        not_ok "a pids-limit capture of the fork bomb" "$(ls "$T/captures/bomb" 2>&1)"
else
        procs=$(head -n1 "$d/tasks.txt" | sed -n 's/^\([0-9]*\) process.*/\1/p')
        say "tasks.txt: $(head -n1 "$d/tasks.txt"); findings: $(mf "$d" "m['findings'].get('tasks_processes')")"
        check "tasks.txt lists the bomb's processes (${procs:-?} of them, at pids_max 20)" test "${procs:-0}" -ge 15
        check "tasks.txt has a line per process with its comm" test "$(grep -Ec '^ +[0-9]+ +1  forkbomb$' "$d/tasks.txt")" -ge 15
fi
