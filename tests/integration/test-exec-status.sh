#!/bin/bash
# cgwarden exec --restart=no exits with the child's status (128+N for
# signal N); an exec failure is reported with path and errno.
. "$(dirname "$0")/lib.sh"

cgw_run_fg exec --restart=no -- "$HELPERS/crasher" exit 3 2> "$T/e1"
check_eq "exit 3 is passed through" 3 $?

cgw_run_fg exec --restart=no -- "$HELPERS/crasher" segv 2> "$T/e2"
check_eq "SIGSEGV gives 139" 139 $?
check "the crash is logged" grep -q "killed by signal SIGSEGV" "$T/e2"

cgw_run_fg exec --restart=no -- /bin/true 2> "$T/e3"
check_eq "/bin/true gives 0" 0 $?

cgw_run_fg exec --restart=no -- "$T/does-not-exist" 2> "$T/e4"
check_eq "missing executable gives 127" 127 $?
check "the error names the path and errno" grep -q "does-not-exist: No such file or directory" "$T/e4"

printf '#!/bin/sh\necho hi\n' > "$T/noexec.sh"
chmod 644 "$T/noexec.sh"
cgw_run_fg exec --restart=no -- "$T/noexec.sh" 2> "$T/e5"
check_eq "non-executable gives 126" 126 $?
check "EACCES is reported" grep -q "Permission denied" "$T/e5"

out=$(cgw_run_fg exec --restart=no -- sh -c 'echo to-stdout; echo to-stderr >&2' 2> "$T/e6")
check_eq "stdout is relayed" to-stdout "$out"
check "stderr is relayed" grep -q '^to-stderr$' "$T/e6"

cgw_run_fg exec --restart=no --bogus-key=1 -- /bin/true 2> "$T/e7"
check_eq "unknown option is a usage error" 2 $?

# SIGTERM to cgwarden exec stops the child gracefully
(
        for p in $TESTCG_PROCS; do echo "$BASHPID" > "$p"; done
        exec "$CGW" exec --restart=no -- sleep 300
) 2> "$T/e8" &
CGW_PID=$!
wait_until 10 has_main_pid sleep
child=$(svc_main_pid sleep)
cgw_stop TERM
check_eq "SIGTERM: exec exits with the child's status (143)" 143 "$CGW_RC"
check "the child is gone" wait_until 5 is_dead "$child"
