#!/bin/bash
# cgwarden check: every broken config gives exactly its expected
# FILE:LINE: message lines and exit 2; valid configs exit 0.
. "$(dirname "$0")/lib.sh"

cd "$FIXTURES/config"
n=0
for f in broken-*.ini; do
        n=$((n + 1))
        "$CGW" check "$f" > /dev/null 2> "$T/out"
        rc=$?
        check_eq "$f: exit 2" 2 "$rc"
        if diff -u "${f%.ini}.expected" "$T/out" > "$T/diff"; then
                ok "$f: the expected error lines"
        else
                not_ok "$f: the expected error lines" "$(cat "$T/diff")"
        fi
done
check "at least five broken configs" test "$n" -ge 5
for f in full.ini minimal.ini crlf-bom.ini; do
        "$CGW" check "$f" > "$T/out" 2>&1
        check_eq "$f: valid, exit 0" 0 $?
done
"$CGW" check /nonexistent.ini 2> "$T/out"
check_eq "missing file: exit 2" 2 $?
check "missing file: says why" grep -q "/nonexistent.ini.*No such file" "$T/out"
"$CGW" check 2> /dev/null
check_eq "no argument: usage error" 2 $?
# run refuses a broken config with the same messages, before touching cgroups
cgw_run_fg run -c broken-units.ini > /dev/null 2> "$T/out"
check_eq "run with a broken config: exit 2" 2 $?
check "run prints the same errors" diff -q broken-units.expected "$T/out"
