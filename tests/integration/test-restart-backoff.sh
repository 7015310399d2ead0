#!/bin/bash
# A crashing service restarts with growing delays and ends "failed" at the
# start limit; a missing executable is a failed start with back-off, not a
# tight loop.
. "$(dirname "$0")/lib.sh"

{ cfg_header; cat <<EOF
[service:crash]
exec = $HELPERS/crasher exit 1
environment = CRASHER_STARTS=$T/starts
restart = on-failure
restart_delay = 100ms
restart_delay_max = 2s
start_limit = 5/1min

[service:longrun]
exec = $HELPERS/crasher after 300 1
restart_delay = 100ms
restart_reset_after = 200ms
start_limit = 4/1min

[service:noexe]
exec = $T/no-such-binary --flag
restart = always
restart_delay = 200ms
start_limit = 3/1min
EOF
} > "$T/c.ini"

cgw_start run -c "$T/c.ini"
wait_until 30 cgw_log_has "Service 'crash' failed" || not_ok "crash: reaches failed" "$(tail -5 "$T/cgw.err")"
check_eq "crash: started exactly 5 times (start_limit=5)" 5 "$(wc -l < "$T/starts")"
for d in 100 200 400 800; do
        check "crash: restart delay ${d}ms logged" cgw_log_has "Service 'crash' will restart in ${d}ms"
done
check "crash: failure names the start limit" cgw_log_has "Service 'crash' failed: start limit hit"
# the measured gaps between starts respect the delays and grow overall. A gap is the crasher's
# run time plus the delay; the run time varies (the first exec under TCG takes ~200 ms), so
# neighbouring gaps are not compared, only each gap against its delay and the last against the first.
gaps=$(awk '{ if (NR > 1) printf "%d ", $3 - prev; prev = $3 }' "$T/starts")
say "gaps between starts (ms): $gaps"
check "crash: each gap respects its back-off delay, last gap > first" awk -v g="$gaps" 'BEGIN {
        n = split(g, a, " "); d = 100
        for (i = 1; i <= n; i++) { if (a[i] < d) exit 1; d *= 2 }
        exit !(n == 4 && a[n] > a[1]) }'

wait_until 30 cgw_log_has "Service 'noexe' failed" || not_ok "noexe: reaches failed"
check "noexe: error names the path and errno" cgw_log_has "executing $T/no-such-binary: No such file or directory"
check_eq "noexe: 3 attempts, then failed" 3 "$(grep -c "Service 'noexe' failed to start" "$T/cgw.err")"
check "noexe: backs off between attempts" cgw_log_has "Service 'noexe' will restart in 400ms"

wait_until 30 cgw_log_has "Service 'longrun' failed" || not_ok "longrun: reaches failed"
check_eq "longrun: runs longer than restart_reset_after forgive earlier failures (delay stays 100ms)" 3 \
        "$(grep -c "Service 'longrun' will restart in 100ms (failure 1)" "$T/cgw.err")"

cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
