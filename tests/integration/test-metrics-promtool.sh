#!/bin/bash
# The Prometheus exposition (supervisor/metrics.c) passes `promtool check
# metrics` (parser and lint): printed to stdout, and written atomically to a
# textfile-collector file (mode 0644, no temporary file left). The snapshot
# is tests/helpers/metrics-sample.c's: every family, unknown values, names
# needing escapes or not UTF-8, NaN and +Inf, every state. promtool comes
# with Debian's package `prometheus`.
# not-in-lanes: vm (the exposition's format is the same on v1 and v2 (its values come from the same status); CI's VM lane has no minutes to spare; in the VM run it with tests/integration/run --lane v2 test-metrics-promtool.sh)
. "$(dirname "$0")/lib.sh"

command -v promtool > /dev/null || skip_test "needs promtool (apt-get install --no-install-recommends prometheus)"
SAMPLE=$HELPERS/metrics-sample
[ -x "$SAMPLE" ] || { echo "metrics-sample not built at $SAMPLE"; exit 1; }

# promtool check metrics: 0 when clean; lint problems or parse errors are
# printed, with a non-zero exit
promcheck() { # FILE
        promtool check metrics < "$1" > "$T/promtool.out" 2>&1
}

"$SAMPLE" > "$T/stdout.prom"
check_eq "metrics-sample exits 0" 0 $?
if promcheck "$T/stdout.prom" && [ ! -s "$T/promtool.out" ]; then
        ok "stdout exposition passes promtool check metrics"
else
        not_ok "stdout exposition passes promtool check metrics" "$(cat "$T/promtool.out")"
fi

# the families, each declared once with HELP and TYPE
for fam in cgwarden_services:gauge cgwarden_metrics_last_write_timestamp_seconds:gauge \
        cgwarden_service_up:gauge cgwarden_service_state:gauge cgwarden_service_throttled:gauge \
        cgwarden_service_memory_current_bytes:gauge cgwarden_service_memory_high_bytes:gauge \
        cgwarden_service_memory_max_bytes:gauge cgwarden_service_memory_effective_limit_bytes:gauge \
        cgwarden_service_memory_growth_bytes_per_second:gauge cgwarden_service_memory_eta_seconds:gauge \
        cgwarden_service_pids_current:gauge cgwarden_service_pids_max:gauge \
        cgwarden_service_restarts_total:counter cgwarden_service_oom_kills_total:counter \
        cgwarden_service_captures_total:counter cgwarden_service_throttled_seconds_total:counter; do
        name=${fam%%:*}
        check_eq "$name: one TYPE line, ${fam#*:}" 1 "$(grep -cx "# TYPE $name ${fam#*:}" "$T/stdout.prom")"
        check_eq "$name: one HELP line" 1 "$(grep -c "^# HELP $name " "$T/stdout.prom")"
done

# negative controls: promtool does reject what we must never emit, so the
# pass above means something
sed 's/^cgwarden_service_up{service="web"} 1$/cgwarden_service_up{service="we"b"} 1/' \
        "$T/stdout.prom" > "$T/bad-escape.prom"
check "control: an unescaped quote is rejected" sh -c "! promtool check metrics < '$T/bad-escape.prom' > /dev/null 2>&1"
sed 's/cgwarden_service_restarts_total/cgwarden_service_restarts/' "$T/stdout.prom" > "$T/bad-counter.prom"
check "control: a counter without _total is rejected" sh -c "! promtool check metrics < '$T/bad-counter.prom' > /dev/null 2>&1"

# the textfile collector file
mkdir "$T/textfile"
(umask 077 && "$SAMPLE" "$T/textfile/cgwarden.prom")
check_eq "metrics-sample PATH exits 0" 0 $?
check_eq "file mode 0644 (umask 077)" 644 "$(stat -c %a "$T/textfile/cgwarden.prom")"
check_eq "no temporary file left" "cgwarden.prom" "$(ls -A "$T/textfile" | tr '\n' ' ' | sed 's/ $//')"
if promcheck "$T/textfile/cgwarden.prom" && [ ! -s "$T/promtool.out" ]; then
        ok "file exposition passes promtool check metrics"
else
        not_ok "file exposition passes promtool check metrics" "$(cat "$T/promtool.out")"
fi
# the same text apart from the timestamp
check "file and stdout differ only in the timestamp" \
        diff <(grep -v '^cgwarden_metrics_last_write' "$T/stdout.prom") \
        <(grep -v '^cgwarden_metrics_last_write' "$T/textfile/cgwarden.prom")
# the timestamp is now (within a minute)
ts=$(sed -n 's/^cgwarden_metrics_last_write_timestamp_seconds \([0-9]*\)\..*/\1/p' "$T/textfile/cgwarden.prom")
check "last write timestamp is now" test "$(( $(date +%s) - ${ts:-0} ))" -lt 60

# concurrent readers never see a partial file: rewrite 200 times while
# reading; every read is complete (ends with the last family's last sample)
last=$(tail -n1 "$T/stdout.prom" | cut -d' ' -f1)
( for _ in $(seq 200); do "$SAMPLE" "$T/textfile/cgwarden.prom" || exit 1; done ) &
writer=$!
partial=0 reads=0
while kill -0 "$writer" 2>/dev/null; do
        c=$(cat "$T/textfile/cgwarden.prom")
        reads=$((reads + 1))
        [ "$(printf '%s\n' "$c" | tail -n1 | cut -d' ' -f1)" = "$last" ] || partial=$((partial + 1))
done
wait "$writer"
check_eq "rewriter exits 0" 0 $?
check_eq "no partial file in $reads reads" 0 "$partial"
check_eq "still no temporary file left" "cgwarden.prom" "$(ls -A "$T/textfile" | tr '\n' ' ' | sed 's/ $//')"
