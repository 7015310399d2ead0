#!/bin/bash
# The child starts clean: default signal dispositions and an empty signal
# mask even when cgwarden was started with SIGQUIT ignored; only fds 0-2;
# its own session; user=nobody runs as nobody with nobody's groups;
# working_dir and umask applied; oom_score_adj not inherited.
. "$(dirname "$0")/lib.sh"

# bash's trap '' makes SIGQUIT/SIGUSR1 ignored in cgwarden (inherited)
out=$( (trap '' QUIT USR1; cgw_run_fg exec --restart=no -- "$HELPERS/sigcheck") 2> "$T/e1")
check_eq "SigIgn is empty in the child" "SigIgn:	0000000000000000" "$(echo "$out" | grep SigIgn)"
check_eq "SigBlk is empty in the child" "SigBlk:	0000000000000000" "$(echo "$out" | grep SigBlk)"
check_eq "only fds 0 1 2 are open" "fds: 0 1 2" "$(echo "$out" | grep '^fds:')"
check_eq "own session" "sid: yes" "$(echo "$out" | grep '^sid:')"
check_eq "oom_score_adj is not inherited from cgwarden" "oom_score_adj: $(cat /proc/self/oom_score_adj)" "$(echo "$out" | grep '^oom_score_adj:')"

mkdir -p "$T/wd"
chmod 755 "$T/wd"
# nobody may not be able to reach the build tree (a checkout below a 0700
# directory): run a copy from the test's own 0755 directory
install -m 755 "$HELPERS/sigcheck" "$T/sigcheck"
out=$(cgw_run_fg exec --restart=no --user=nobody --working-dir="$T/wd" --umask=0027 -- "$T/sigcheck" 2> "$T/e2")
nob=$(id -u nobody)
nobg=$(id -g nobody)
check_eq "user=nobody: uid" "Uid:	$nob	$nob	$nob	$nob" "$(echo "$out" | grep '^Uid:')"
check_eq "user=nobody: gid" "Gid:	$nobg	$nobg	$nobg	$nobg" "$(echo "$out" | grep '^Gid:')"
check_eq "user=nobody: groups are nobody's, not root's" "Groups:	$(id -G nobody)" "$(echo "$out" | grep '^Groups:' | sed 's/[[:space:]]*$//')"
check_eq "working_dir" "cwd: $T/wd" "$(echo "$out" | grep '^cwd:')"
check_eq "umask" "umask: 0027" "$(echo "$out" | grep '^umask:')"

cgw_run_fg exec --restart=no --working-dir=/nonexistent-dir -- /bin/true 2> "$T/e3"
check_eq "bad working_dir is a failed start" 127 $?
check "bad working_dir is reported" grep -q "changing to working_dir /nonexistent-dir: No such file or directory" "$T/e3"
