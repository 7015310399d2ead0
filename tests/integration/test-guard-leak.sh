#!/bin/bash
# Guardrails: a C leaker at 10, 100 and 1000 MB/s under memory_max=256M.
# The pre-oom observation comes before any OOM kill in every run, and
# carries memory.current, the limit and the ETA. (v2: memory.high at 90%
# throttles the leak, so the kill may never come; v1: an eventfd threshold
# at capture_at fires as usage crosses it.)
. "$(dirname "$0")/lib.sh"

for rate in 1000 100 10; do
        { cfg_header; cat <<EOF
[service:leak$rate]
exec = $HELPERS/leaker $rate
memory_max = 256M
restart = no
stop_timeout = 2s
EOF
        } > "$T/c.ini"
        : > "$T/cgw.err"
        cgw_start run -c "$T/c.ini"
        # 256M at 10 MB/s takes ~26 s; bounded well above that
        if ! wait_until 90 cgw_log_has "Observation pre-oom for 'leak$rate'"; then
                not_ok "$rate MB/s: pre-oom observed" "$(tail -5 "$T/cgw.err")"
                cgw_stop TERM
                continue
        fi
        obs=$(grep -n "Observation pre-oom for 'leak$rate'" "$T/cgw.err" | head -1)
        kill_line=$(grep -n "Service 'leak$rate' .*killed by signal\|Observation oom-kill for 'leak$rate'" "$T/cgw.err" | head -1)
        ok "$rate MB/s: pre-oom observed"
        if [ -z "$kill_line" ] || [ "${obs%%:*}" -lt "${kill_line%%:*}" ]; then
                ok "$rate MB/s: the observation comes before any kill"
        else
                not_ok "$rate MB/s: the observation comes before any kill" "$obs" "$kill_line"
        fi
        check "$rate MB/s: the observation carries memory, limit and ETA" \
                sh -c "echo \"$obs\" | grep -Eq 'memory [0-9.]+M of 256.0M .*eta ([0-9.]+s|none)'"
        say "$rate MB/s: ${obs#*warn: }"
        cgw_stop TERM
        check_eq "$rate MB/s: cgwarden exits 0" 0 "$CGW_RC"
done
