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
        "$CGW" check --syntax-only "$f" > "$T/out" 2>&1
        check_eq "$f: valid, exit 0" 0 $?
done
# what fails only at runtime, on this host: users, executables, working_dir
"$CGW" check full.ini > /dev/null 2> "$T/out"
check_eq "full.ini on this host (no user push): exit 2" 2 $?
check "it names the missing user at its section's line" grep -q "^full.ini:[0-9]*: service 'push': user push, group push: no such user or group on this host" "$T/out"
printf 'data\n' > "$T/notexec" && chmod 644 "$T/notexec"
cat > "$T/rt.ini" <<EOF
[service:a]
exec = /nonexistent/prog

[service:b]
exec = no-such-command-here

[service:c]
exec = $T/notexec

[service:d]
exec = /bin/true
working_dir = /nonexistent

[service:e]
exec = sleep 1
environment = PATH=/nonexistent

[service:ok]
exec = sleep 1
EOF
"$CGW" check "$T/rt.ini" > /dev/null 2> "$T/out"
check_eq "runtime problems: exit 2" 2 $?
check "a missing executable" grep -q "rt.ini:1: service 'a': exec '/nonexistent/prog': No such file or directory" "$T/out"
check "a command not in the PATH" grep -q "rt.ini:4: service 'b': exec 'no-such-command-here': not found in the service's PATH" "$T/out"
check "a file that is not executable" grep -q "rt.ini:7: service 'c': exec '$T/notexec': not executable" "$T/out"
check "a missing working_dir" grep -q "rt.ini:10: service 'd': working_dir /nonexistent: not a directory" "$T/out"
check "the PATH the service gets" grep -q "rt.ini:14: service 'e': exec 'sleep': not found in the service's PATH" "$T/out"
check_eq "one line each, none for the good one" 5 "$(wc -l < "$T/out")"
check_eq "--syntax-only skips them" 0 "$("$CGW" check --syntax-only "$T/rt.ini" > /dev/null 2>&1; echo $?)"
# nonsense values and a 1 MB line
{ printf '[service:a]\nexec = /bin/true\nwatchdog = 1ms\nstart_limit = 0/0s\nenvironment = X='; head -c 1048576 /dev/zero | tr '\0' a; printf '\n'; } > "$T/nonsense.ini"
"$CGW" check --syntax-only "$T/nonsense.ini" > /dev/null 2> "$T/out"
check_eq "nonsense values: exit 2" 2 $?
check "watchdog = 1ms" grep -q "nonsense.ini:3: invalid duration '1ms' for watchdog: must be between 100ms and 1d" "$T/out"
check "start_limit = 0/0s" grep -q "nonsense.ini:4: invalid value '0/0s' for start_limit: a burst of 0 would never start the service" "$T/out"
check "a 1 MB line" grep -q "nonsense.ini:5: line longer than 64 KiB" "$T/out"
# evidence others may write to
mkdir -p "$T/open" && chmod 777 "$T/open"
printf '[supervisor]\ncapture_dir = %s/open\n\n[service:ok]\nexec = sleep 1\n' "$T" > "$T/open.ini"
"$CGW" check "$T/open.ini" > /dev/null 2> "$T/out"
check_eq "a world-writable capture_dir is only a warning: exit 0" 0 $?
check "it warns" grep -q "warning: capture_dir $T/open is writable by everyone" "$T/out"
"$CGW" check /nonexistent.ini 2> "$T/out"
check_eq "missing file: exit 2" 2 $?
check "missing file: says why" grep -q "/nonexistent.ini.*No such file" "$T/out"
"$CGW" check 2> /dev/null
check_eq "no argument: usage error" 2 $?
# run refuses a broken config with the same messages, before touching cgroups
cgw_run_fg run -c broken-units.ini > /dev/null 2> "$T/out"
check_eq "run with a broken config: exit 2" 2 $?
check "run prints the same errors" diff -q broken-units.expected "$T/out"
