#!/bin/bash
# What a native leak holds (seed 003: a 2.3 GB anonymous region read with
# gdb and `strings`), with every JDK under /usr/lib/jvm: UnsafeLeak fills
# Unsafe.allocateMemory() blocks with a known C string, under a memory
# limit, with capture_memory_sample = yes.
#   anon-sample.txt  the largest anonymous mappings that are new or grew
#                    since the baseline, sampled with process_vm_readv:
#                    the known string ranks first, and the manifest's
#                    findings.anon_sample_top names it
#   off by default   a service without the key has no anon-sample item
#   NMT detail       the first JDK runs -XX:NativeMemoryTracking=detail:
#                    nmt-detail-diff.txt lists the call sites that grew,
#                    Unsafe.allocateMemory's first (JDK 17 names its native
#                    entry Unsafe_AllocateMemory0; JDK 25 allocates from the
#                    intrinsic: a Java frame without a symbol); the others
#                    run NMT summary: the item is skipped with the reason
# timeout: 300
# not-in-lanes: vm (the anonymous-memory sample reads the process's own memory, the same on v1 and v2; CI's VM lane has no minutes to spare; in the VM run it with tests/integration/run --lane v2 test-anon-sample.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/UnsafeLeak.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"
MARK=cgwarden-leak-marker-$$

cfg_header > "$T/c.ini"
n=0 NAMES=
for J in $JAVA $OTHER_JAVAS; do
        n=$((n + 1))
        NAMES="$NAMES native$n"
        {
                printf '\n[service:native%s]\n' $n
                detail=
                [ $n = 1 ] && detail=-XX:NativeMemoryTracking=detail
                printf 'exec = %s %s %s -cp %s UnsafeLeak 12 1024 %s\n' "$J" "$JOPTS" "$detail" "$CLASSES" "$MARK"
                printf 'memory_max = 256M\ncapture_at = 60%%\nnmt_baseline_after = 3s\ncapture_timeout = 30s\n'
                printf 'on_pre_oom = capture stop\nstop_timeout = 10s\ncapture_memory_sample = yes\n'
        } >> "$T/c.ini"
done
{
        printf '\n[service:plain]\n'
        printf 'exec = %s %s -cp %s UnsafeLeak 12 1024 %s\n' "$JAVA" "$JOPTS" "$CLASSES" "$MARK"
        printf 'memory_max = 256M\ncapture_at = 60%%\nnmt_baseline_after = 3s\non_pre_oom = capture stop\n'
} >> "$T/c.ini"
check "config valid" "$CGW" check "$T/c.ini"
cgw_start run -c "$T/c.ini"

for s in $NAMES plain; do
        wait_until 180 sh -c "ls -d '$T/captures/$s'/*-pre-oom > /dev/null 2>&1" ||
                not_ok "$s: a pre-oom capture" "$(grep "'$s'" "$T/cgw.err" | tail -6)"
done
for s in $NAMES; do
        d=$(capture_dir_of "$s" pre-oom)
        say "$s: capture $d"
        [ -n "$d" ] || continue
        wait_until 60 test -f "$d/manifest.json"
        check_eq "$s: anon-sample ok" ok "$(mf_item "$d" anon-sample)"
        say "$s: $(grep '^#' "$d/anon-sample.txt" | sed -n '3,5p' | tr '\n' ' ')"
        first=$(sed -n '/^Printable strings/{n;p;q}' "$d/anon-sample.txt" | awk '{print $2}')
        check_eq "$s: the leak's string ranks first" "$MARK" "$first"
        top=$(mf "$d" "m['findings'].get('anon_sample_top', '')")
        say "$s: anon_sample_top: $top"
        check "$s: findings.anon_sample_top names it" sh -c "echo '$top' | grep -q '^$MARK ('"
        check "$s: a mapping new or grown since the baseline was sampled" \
                grep -qE '^# [0-9a-f]{16}-[0-9a-f]{16} .* (new|grew): ' "$d/anon-sample.txt"
        check_complete "$s: the capture is complete" "$d"
        if [ "$s" = native1 ]; then
                check_eq "$s: nmt-detail-diff ok" ok "$(mf_item "$d" nmt-detail-diff)"
                dt=$(mf "$d" "m['findings'].get('nmt_detail_top', '')")
                say "$s: nmt_detail_top: $dt"
                check "$s: the top call site is Unsafe.allocateMemory's (type Other)" \
                        grep -qE '^(Unsafe_AllocateMemory0\+0x[0-9a-f]+|\[0x[0-9a-f]+\] \(Java or generated code\)) \(Other\) \+[0-9]+KB$' <<< "$dt"
                check "$s: nmt-detail-diff.txt: the sites, then the JVM's answer" \
                        grep -q "^# The JVM's whole answer:" "$d/nmt-detail-diff.txt"
        elif [ "$(mf_item "$d" nmt-diff)" = ok ]; then
                # (a capture before the NMT baseline, on a loaded machine,
                # lists neither diff)
                check "$s: nmt-detail-diff skipped for NMT summary, with the reason" \
                        grep -q "^skipped: the JVM tracks a summary only" <<< "$(mf_item "$d" nmt-detail-diff)"
        fi
done
d=$(capture_dir_of plain pre-oom)
[ -n "$d" ] && wait_until 60 test -f "$d/manifest.json" &&
        check_eq "plain: no anon-sample without capture_memory_sample" absent "$(mf_item "$d" anon-sample)"
