#!/bin/bash
# cgroup v2 only. A PSI trigger on the service's memory.pressure (default
# "some 150ms/1s") fires when the leaker is throttled at memory.high, and
# "none" turns it off.
. "$(dirname "$0")/lib.sh"
require_v2
[ -e /proc/pressure/memory ] || skip_test "kernel without PSI (CONFIG_PSI, psi=1)"

{ cfg_header; cat <<EOF
[service:squeezed]
exec = $HELPERS/leaker 200
memory_max = 256M
memory_high = 64M
restart = no

[service:quiet]
exec = $HELPERS/leaker 200
memory_max = 256M
memory_high = 64M
memory_pressure = none
restart = no
EOF
} > "$T/c.ini"
CGWARDEN_LOG_LEVEL=debug cgw_start run -c "$T/c.ini"
wait_until 60 cgw_log_has "Service 'squeezed': memory pressure (some stall >= 150ms in 1000ms)" ||
        not_ok "the PSI trigger fires for a throttled service" "$(grep -i 'pressure\|psi' "$T/cgw.err" | tail -3)"
ok "the PSI trigger fires for a throttled service"
check "the kernel holds the trigger (memory.high events counted)" sh -c "grep -q '^high [1-9]' $(svc_cg squeezed)/memory.events"
check "memory_pressure = none: no trigger" sh -c "! grep -q \"Service 'quiet': memory pressure\" $T/cgw.err"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
