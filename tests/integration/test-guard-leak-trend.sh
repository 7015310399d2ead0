#!/bin/bash
# Guardrails: a slow leak under a GC-like sawtooth (2 MiB/s kept, 40 MiB of
# garbage freed every second) raises leak-trend within leak_window, and the
# slope it reports is within 30% of the real one; a sawtooth without a leak
# raises nothing. The sawtooth's period beats with the 200 ms samples: the
# first sample after each "GC" drifts in phase, which moves the floor by up
# to one step (8 MB) over the 18-20 s window: up to ~22% of the slope, and
# a climb of the flat service's floor that must not count as a leak
# (trend.h, TREND_LEAK_STEPS).
. "$(dirname "$0")/lib.sh"

{ cfg_header; cat <<EOF
[service:saw]
exec = $HELPERS/leaker --saw 2048 40 1000
leak_window = 20s
sample_interval = 200ms
restart = no

[service:flat]
exec = $HELPERS/leaker --saw 0 40 1000
leak_window = 20s
sample_interval = 200ms
restart = no
EOF
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 60 cgw_log_has "Observation leak-trend for 'saw'" || not_ok "leak-trend observed" "$(tail -5 "$T/cgw.err")"
obs=$(grep "Observation leak-trend for 'saw'" "$T/cgw.err" | head -1)
say "${obs#*warn: }"
ok "leak-trend observed"
slope=$(echo "$obs" | sed -n 's/.*(slope \([0-9]*\) B\/s.*/\1/p')
real=$((2048 * 1024))
check "slope ${slope:-?} B/s within 30% of the real $real B/s" \
        awk -v s="${slope:-0}" -v r="$real" 'BEGIN { d = (s - r) / r; if (d < 0) d = -d; exit !(d <= 0.30) }'
check "no leak-trend for the sawtooth without a leak" sh -c "! grep -q \"Observation leak-trend for 'flat'\" $T/cgw.err"
check "no pre-oom either (far from any limit)" sh -c "! grep -q 'Observation pre-oom' $T/cgw.err"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
