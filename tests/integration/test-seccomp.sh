#!/bin/bash
# A syscall_filter deny list makes the denied call fail with EPERM in the
# service; without it the same call fails differently; with
# syscall_filter_action=kill the service dies of SIGSYS.
. "$(dirname "$0")/lib.sh"

out=$(cgw_run_fg exec --restart=no -- "$HELPERS/syscall-probe" mount getpid 2> "$T/e0")
check "unfiltered: mount is not EPERM" sh -c "echo '$out' | grep -q '^mount errno=' && ! echo '$out' | grep -q '^mount errno=EPERM'"

out=$(cgw_run_fg exec --restart=no "--syscall-filter=~@mount" -- "$HELPERS/syscall-probe" mount getpid 2> "$T/e1")
check_eq "~@mount: mount fails with EPERM" "mount errno=EPERM" "$(echo "$out" | grep '^mount')"
check_eq "~@mount: getpid still works" "getpid ok" "$(echo "$out" | grep '^getpid')"

cgw_run_fg exec --restart=no "--syscall-filter=~@mount" --syscall-filter-action=kill -- "$HELPERS/syscall-probe" mount 2> "$T/e2"
check_eq "action=kill: the service dies of SIGSYS (128+31)" 159 $?

cgw_run_fg exec --restart=no "--syscall-filter=~@mount nosuchcall" -- /bin/true 2> "$T/e3"
check_eq "unknown syscall name is a usage error" 2 $?
check "the unknown name is named" grep -q "nosuchcall" "$T/e3"
