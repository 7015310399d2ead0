#!/bin/bash
# JVM telemetry without attach: the hsperfdata counters every
# sample_interval, and the observations made from them, with real JVMs.
#   heap-leak    HeapLeak keeps LeakedClient objects and calls System.gc()
#                every 2 s (the old generation collected while it grows),
#                on every JDK under /usr/lib/jvm (Serial), one with
#                -XX:+DisableAttachMechanism, and on the first JDK with G1
#                (no System.gc(): its own cycles) and with Parallel: the old generation after its
#                collections trends up -> "Observation heap-leak" with the
#                time to its max, and a capture with reason heap-leak whose
#                history.csv has the heap and old generation growing, and
#                whose report draws them
#   gc-overhead  GcStorm keeps 30 MB live in a 64 MB heap and promotes
#                its garbage: full collection after full collection, ~60 %
#                of the wall time -> "Observation gc-overhead"
#                (gc_overhead_at = 30%/5s) and its capture
#   no file      a JVM with -XX:-UsePerfData: said once, nothing observed
#   status       an idle JVM's heap, old generation, metaspace, GC count and
#                time, threads in status --json and the metrics file; null
#                and absent for the JVM without a file
# timeout: 300
# not-in-lanes: vm host-asan (hsperfdata is read from the JVM's file, the same on v1 and v2, as test-perfdata-jvm; CI's VM lane has no minutes to spare, and the parser is fuzzed (fuzz-perfdata); in the VM run it with tests/integration/run --lane v2 test-jvm-telemetry.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/HeapLeak.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"

{ cfg_header; printf 'metrics_file = %s/metrics/cgwarden.prom\nmetrics_interval = 1s\n' "$T"; } > "$T/c.ini"
n=0 NAMES=
for J in $JAVA $OTHER_JAVAS; do
        n=$((n + 1))
        NAMES="$NAMES leak$n"
        noattach=
        [ $n = 2 ] && noattach=-XX:+DisableAttachMechanism
        {
                printf '\n[service:leak%s]\n' $n
                printf 'exec = %s -Xmx256m -XX:+UseSerialGC %s -cp %s HeapLeak 4 2\n' "$J" "$noattach" "$CLASSES"
                printf 'memory_max = 1G\nleak_window = 20s\ncapture_timeout = 30s\n'
                printf 'on_heap_leak = capture stop\nstop_timeout = 10s\n'
        } >> "$T/c.ini"
done
# the same leak under G1 (the default collector of a server-class machine)
# with no System.gc(), and Parallel, on the first JDK: their old
# generations and collectors differ (G1's old regions and its concurrent
# cycle; ParallelOld's one space)
for gc in G1 Parallel; do
        n=$((n + 1))
        NAMES="$NAMES leak$n"
        gc_every=2
        [ $gc = G1 ] && gc_every=
        {
                printf '\n[service:leak%s]\n' $n
                printf 'exec = %s -Xmx256m -XX:+Use%sGC -cp %s HeapLeak 4 %s\n' "$JAVA" "$gc" "$CLASSES" "$gc_every"
                printf 'memory_max = 1G\nleak_window = 20s\ncapture_timeout = 30s\n'
                printf 'on_heap_leak = capture stop\nstop_timeout = 10s\n'
        } >> "$T/c.ini"
done
{
        printf '\n[service:storm]\n'
        printf 'exec = %s -Xmx64m -XX:+UseSerialGC -cp %s GcStorm 30\n' "$JAVA" "$CLASSES"
        printf 'memory_max = 1G\ngc_overhead_at = 30%%/5s\non_gc_overhead = capture stop\nstop_timeout = 10s\n'
        printf '\n[service:blind]\n'
        printf 'exec = %s %s -XX:-UsePerfData -cp %s Idle\n' "$JAVA" "$JOPTS" "$CLASSES"
        printf 'memory_max = 256M\nsample_interval = 250ms\n'
        printf '\n[service:idle]\n'
        printf 'exec = %s %s -XX:+UseSerialGC -cp %s Idle\n' "$JAVA" "$JOPTS" "$CLASSES"
        printf 'memory_max = 256M\nsample_interval = 250ms\n'
} >> "$T/c.ini"
check "config valid" "$CGW" check "$T/c.ini"
cgw_start run -c "$T/c.ini"

for s in $NAMES; do
        wait_until 120 cgw_log_has "Observation heap-leak for '$s'" ||
                not_ok "$s: heap-leak observed" "$(grep "'$s'" "$T/cgw.err" | tail -5)"
done
for s in $NAMES; do
        line=$(grep -m1 "Observation heap-leak for '$s'" "$T/cgw.err")
        say "$s: ${line#*: Observation }"
        check "$s: the observation says the growth and the time to the max" \
                grep -qE "grew from .* to .* over .* \\([0-9]+ collections, .*/min\\); at this rate it reaches its max [0-9.]+[KMG] in [0-9]" <<< "$line"
        wait_until 60 sh -c "ls -d '$T/captures/$s'/*-heap-leak > /dev/null 2>&1"
        d=$(capture_dir_of "$s" heap-leak)
        check "$s: a capture with reason heap-leak" test -n "$d"
        [ -n "$d" ] && wait_until 60 test -f "$d/manifest.json" &&
                check_eq "$s: perfdata.txt in it" ok "$(mf_item "$d" perfdata)"
        # history.csv: the heap columns filled, the old generation grown
        [ -n "$d" ] && check "$s: history.csv has the heap and the old generation, growing" \
                python3 - "$d/history.csv" << 'EOF'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["old_used"] and r["heap_used"]]
old = [int(r["old_used"]) for r in rows]
print("# %d rows with the heap, old %s -> %s" % (len(rows), old[0] if old else "-", old[-1] if old else "-"))
sys.exit(0 if len(rows) >= 5 and old[-1] > old[0] + (4 << 20) else 1)
EOF
done
d=$(capture_dir_of leak1 heap-leak)
if [ -n "$d" ]; then
        "$CGW" report "$d" --html "$T/leak1.html" --text > "$T/leak1.txt" 2>&1
        check "report: the heap and the old generation on the timeline" sh -c "grep -q '<polyline class=\"series heap\" points=\"[0-9]' '$T/leak1.html' && grep -q '<polyline class=\"series old\" points=\"[0-9]' '$T/leak1.html' && grep -q '^   UTC .* heap  *old gen ' '$T/leak1.txt'"
fi
wait_until 120 cgw_log_has "Observation gc-overhead for 'storm'" ||
        not_ok "storm: gc-overhead observed" "$(grep "'storm'" "$T/cgw.err" | tail -5)"
line=$(grep -m1 "Observation gc-overhead for 'storm'" "$T/cgw.err")
say "storm: ${line#*: Observation }"
check "storm: the share, the window and the time in GC" \
        grep -qE "the collectors took [0-9]+\\.[0-9]{2}% of the last [0-9]+s[0-9ms]* \\(.* in GC\\)" <<< "$line"
wait_until 60 sh -c "ls -d '$T/captures/storm'/*-gc-overhead > /dev/null 2>&1"
check "storm: a capture with reason gc-overhead" test -n "$(capture_dir_of storm gc-overhead)"
check "storm: no heap-leak from a live set that does not grow" sh -c "! grep -q \"Observation heap-leak for 'storm'\" '$T/cgw.err'"
wait_until 90 cgw_log_has "Service 'blind': no hsperfdata file for process" ||
        not_ok "blind: the missing hsperfdata file is said" "$(grep "'blind'" "$T/cgw.err" | tail -3)"
check "blind: nothing observed" sh -c "! grep -qE \"Observation (heap-leak|gc-overhead) for 'blind'\" '$T/cgw.err'"

# status and metrics show the counters read (the idle JVM), null without a file
jst() { "$CGW" status --json -c "$T/c.ini" 2> /dev/null | python3 -c 'import json,sys; d={x["name"]: x for x in json.load(sys.stdin)}; print(eval(sys.argv[1]))' "$1" 2> /dev/null; }
wait_until 30 sh -c "'$CGW' status --json -c '$T/c.ini' | grep -q '\"jvm_threads\": [0-9]'"
say "idle: $(jst '{k: v for k, v in d["idle"].items() if k.startswith("jvm_")}')"
check_eq "status: the idle JVM's heap, old generation, GC and threads from its hsperfdata" True \
        "$(jst 'all(isinstance(d["idle"][k], (int, float)) for k in ("jvm_heap_used", "jvm_heap_committed", "jvm_old_used", "jvm_old_committed", "jvm_metaspace_used", "jvm_gc_count", "jvm_gc_s", "jvm_threads")) and 0 < d["idle"]["jvm_heap_used"] <= d["idle"]["jvm_heap_committed"] and d["idle"]["jvm_threads"] > 5')"
check_eq "status: none of them for the JVM without hsperfdata" True \
        "$(jst 'all(d["blind"][k] is None for k in ("jvm_heap_used", "jvm_gc_count", "jvm_threads"))')"
wait_until 10 grep -q 'cgwarden_service_jvm_threads{service="idle"}' "$T/metrics/cgwarden.prom"
check "metrics: the idle JVM's heap and GC counters" sh -c "grep -q 'cgwarden_service_jvm_heap_used_bytes{service=\"idle\"} [1-9]' '$T/metrics/cgwarden.prom' && grep -q 'cgwarden_service_jvm_gc_seconds_total{service=\"idle\"} ' '$T/metrics/cgwarden.prom'"
check "metrics: nothing of the kind for the JVM without hsperfdata" sh -c "! grep -q 'cgwarden_service_jvm_heap_used_bytes{service=\"blind\"}' '$T/metrics/cgwarden.prom'"
