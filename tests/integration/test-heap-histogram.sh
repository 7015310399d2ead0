#!/bin/bash
# "Who holds it" on the heap, with every JDK under /usr/lib/jvm: a
# Dubbo-like heap leak (HeapLeak: LeakedClient objects kept in a
# synchronized list) under a memory limit below its -Xmx, so the heap's
# growth takes the cgroup to its limit.
#   baseline  a live class histogram is taken with the NMT baseline
#   capture   the pre-oom capture (capture = auto) holds histogram.txt
#             (taken because the Java heap grew: NMT's Java Heap committed)
#             and histogram-diff.txt against the baseline, whose top class
#             by bytes and by instances is LeakedClient; the manifest's
#             findings.histogram_top_growth names it
#   idle      a manual capture of an idle JVM whose heap did not grow:
#             the histogram is skipped with the reason
# timeout: 400
# not-in-lanes: vm (the class histogram comes through the JVM's attach, the same on v1 and v2; test-capture-jvm runs the v2 pre-oom JVM capture; CI's VM lane has no minutes to spare; in the VM run it with tests/integration/run --lane v2 test-heap-histogram.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/HeapLeak.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"

# the idle JVM first, alone (in the VM four JVMs at once starve each
# other's attach listeners), then the leaks through a reload
cfg_header > "$T/c.ini"
{
        printf '\n[service:idle]\n'
        printf 'exec = %s %s -cp %s Idle\n' "$JAVA" "$JOPTS" "$CLASSES"
        printf 'memory_max = 256M\nnmt_baseline_after = 3s\n'
} >> "$T/c.ini"
n=0 NAMES=
for J in $JAVA $OTHER_JAVAS; do
        n=$((n + 1))
        NAMES="$NAMES heap$n"
        say "heap$n: $J ($("$J" -version 2>&1 | head -n1))"
        {
                printf '\n[service:heap%s]\n' $n
                printf 'exec = %s -Xms16m -Xmx600m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp %s HeapLeak 12\n' "$J" "$CLASSES"
                printf 'memory_max = 320M\ncapture_at = 70%%\nnmt_baseline_after = 3s\ncapture_timeout = 60s\n'
                printf 'on_pre_oom = capture stop\nstop_timeout = 10s\nheap_dump = on-heap-growth\n'
                [ $n = 1 ] || printf 'user = nobody\n'
        } >> "$T/leaks.ini"
done
cat "$T/c.ini" "$T/leaks.ini" > "$T/all.ini"
check "config valid" "$CGW" check "$T/all.ini"
cgw_start run -c "$T/c.ini"

# ---- idle: the heap did not grow, the histogram is not taken ----
wait_until 90 cgw_log_has "Service 'idle': class histogram baseline taken" ||
        not_ok "idle: a class histogram baseline taken" "$(grep "'idle'" "$T/cgw.err" | tail -5)"
"$CGW" capture idle -c "$T/c.ini" > "$T/cap.out" 2>&1
check_eq "idle: cgwarden capture exits 0" 0 "$?"
d=$(capture_dir_of idle manual)
if [ -n "$d" ]; then
        say "idle: heap $(grep -m1 used "$d/heap.txt"); nmt $(grep 'Java Heap' "$d/nmt-diff.txt"); class_histogram: $(mf_item "$d" class_histogram)"
        check "idle: the histogram is skipped with the reason" \
                sh -c "echo '$(mf_item "$d" class_histogram)' | grep -q '^skipped: not taken: the Java heap did not grow since the baseline'"
        check_eq "idle: histogram-diff is skipped too" "skipped: no histogram in this capture" "$(mf_item "$d" histogram-diff)"
        check_complete "idle: the capture is complete (a skipped item is no failure)" "$d"
else
        not_ok "idle: a manual capture" "$(cat "$T/cap.out")"
fi

# ---- the leaks ----
cp "$T/all.ini" "$T/c.ini"
"$CGW" reload -c "$T/c.ini" > /dev/null 2>&1 || not_ok "reload: the leaking services added"
for s in $NAMES; do
        wait_until 240 sh -c "ls -d '$T/captures/$s'/*-pre-oom > /dev/null 2>&1" ||
                not_ok "$s: a pre-oom capture" "$(grep "'$s'" "$T/cgw.err" | tail -6)"
done
for s in $NAMES; do
        check "$s: a class histogram baseline was taken" cgw_log_has "Service '$s': class histogram baseline taken"
        d=$(capture_dir_of "$s" pre-oom)
        say "$s: capture $d"
        [ -n "$d" ] || continue
        wait_until 60 test -f "$d/manifest.json"
        check_complete "$s: a complete pre-oom capture" "$d"
        check_eq "$s: class_histogram ok" ok "$(mf_item "$d" class_histogram)"
        check_eq "$s: histogram-diff ok" ok "$(mf_item "$d" histogram-diff)"
        top=$(mf "$d" "m['findings'].get('histogram_top_growth', '')")
        say "$s: histogram top growth: $top"
        check "$s: the top growth is the leaking class" sh -c "echo '$top' | grep -q '^LeakedClient +'"
        by_bytes=$(sed -n '/^Top growth by bytes:/{n;n;p}' "$d/histogram-diff.txt" | awk '{print $NF}')
        by_inst=$(sed -n '/^Top growth by instances:/{n;n;p}' "$d/histogram-diff.txt" | awk '{print $NF}')
        check_eq "$s: histogram-diff.txt: first by bytes" LeakedClient "$by_bytes"
        check_eq "$s: histogram-diff.txt: first by instances" LeakedClient "$by_inst"
        check "$s: histogram.txt is the JVM's live histogram" grep -q '^Total ' "$d/histogram.txt"
        check "$s: no OOM kill before the capture" sh -c "! grep -q \"Observation oom-kill for '$s'\" '$T/cgw.err'"
        # the heap dump, written by the JVM (as root, then as nobody) in
        # its /tmp and moved into the capture; a tmpfs /tmp (the VM's)
        # is refused with the reason
        if [ "$(stat -f -c %T /tmp)" = tmpfs ]; then
                hd=$(mf_item "$d" heap_dump)
                say "$s: heap_dump: $hd"
                check "$s: heap_dump skipped on a tmpfs /tmp, with the reason" \
                        grep -q "^skipped: not taken: the JVM's /tmp is a tmpfs" <<< "$hd"
                check_eq "$s: heap_dump_file skipped too" "skipped: no heap dump in this capture" "$(mf_item "$d" heap_dump_file)"
        else
                say "$s: heap dump $(stat -c %s "$d/heap.hprof.gz" 2> /dev/null) bytes gzipped, $(mf "$d" "[i['ms'] for i in m['items'] if i['name'] == 'heap_dump'][0]") ms; histogram $(mf "$d" "[i['ms'] for i in m['items'] if i['name'] == 'class_histogram'][0]") ms; memory at the capture $(mf "$d" "m['trigger']['memory_current']")"
                check_eq "$s: heap_dump ok" ok "$(mf_item "$d" heap_dump)"
                check_eq "$s: heap_dump_file ok" ok "$(mf_item "$d" heap_dump_file)"
                check "$s: heap.hprof.gz, root's, 0600" test "$(stat -c '%U %a' "$d/heap.hprof.gz" 2> /dev/null)" = "root 600"
                check "$s: an HPROF file (its header)" sh -c "gzip -dc '$d/heap.hprof.gz' | head -c 18 | grep -q 'JAVA PROFILE 1.0.2'"
                check "$s: it names the leaking class" sh -c "gzip -dc '$d/heap.hprof.gz' | grep -aq LeakedClient"
                check "$s: complete: it ends with a HEAP DUMP END record" \
                        sh -c "gzip -dc '$d/heap.hprof.gz' | tail -c 9 | od -An -tx1 | grep -q '^ 2c'"
                check "$s: nothing left in /tmp" sh -c "! ls -d /tmp/cgwarden-heap-* 2> /dev/null | grep -q ."
        fi
done
