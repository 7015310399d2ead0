#!/bin/bash
# JVM telemetry without attach: the hsperfdata counters every
# sample_interval, and the observations made from them, with real JVMs.
#   heap-leak    HeapLeak keeps LeakedClient objects and calls System.gc()
#                every 2 s (the old generation collected while it grows),
#                on every JDK under /usr/lib/jvm, one with
#                -XX:+DisableAttachMechanism: the old generation after its
#                collections trends up -> "Observation heap-leak" with the
#                time to its max, and a capture with reason heap-leak
#   gc-overhead  GcStorm keeps 30 MB live in a 64 MB heap and promotes
#                its garbage: full collection after full collection, ~60 %
#                of the wall time -> "Observation gc-overhead"
#                (gc_overhead_at = 30%/5s) and its capture
#   no file      a JVM with -XX:-UsePerfData: said once, nothing observed
# timeout: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/HeapLeak.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"

cfg_header > "$T/c.ini"
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
{
        printf '\n[service:storm]\n'
        printf 'exec = %s -Xmx64m -XX:+UseSerialGC -cp %s GcStorm 30\n' "$JAVA" "$CLASSES"
        printf 'memory_max = 1G\ngc_overhead_at = 30%%/5s\non_gc_overhead = capture stop\nstop_timeout = 10s\n'
        printf '\n[service:blind]\n'
        printf 'exec = %s %s -XX:-UsePerfData -cp %s Idle\n' "$JAVA" "$JOPTS" "$CLASSES"
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
done
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
