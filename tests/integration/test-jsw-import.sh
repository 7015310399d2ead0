#!/bin/bash
# timeout: 900
# cgwarden import-jsw, end to end, with every JDK under /usr/lib/jvm
# (OpenJDK 17, Temurin 25 here): three wrapper.conf files of the shapes
# real installs have, imported, checked, and run:
#   app1: WrapperSimpleApp, a classpath, JVM options (one with
#         .stripquotes), heap sizes, a library path; exits 3 in its first
#         run, which on_exit.default=RESTART restarts
#   app2: WrapperJarApp (a real jar), output filters (DUMP, and RESTART on
#         OutOfMemoryError), on_exit.default=SHUTDOWN with on_exit.3=RESTART:
#         its first run prints "Deadlock detected" (captured, with an NMT
#         diff) and exits 3 (restarted), its second exits 4 (not
#         restarted: state failed, as for any non-zero exit that does not
#         restart); its ping is reported unsupported. The test tells it
#         when (files it creates), so that the capture comes after
#         cgwarden's NMT baseline and before the exit.
#   app3: #include of a common file (relative to JSW's working directory)
#         and of a local one (next to wrapper.conf), set. variables and
#         %VAR% in paths; exits 1 in its first run (restarted), prints a
#         line its wildcard filter captures in its second
# Each runs with the same argv JSW would build (less its -Dwrapper.*
# properties and helper class), compared with /proc/PID/cmdline, and gets
# the attach listener and NMT through JAVA_TOOL_OPTIONS: the JDK 8 path,
# forced on these JDKs with jvm_options_env = JAVA_TOOL_OPTIONS (no JDK 8
# exists for Debian 12). jvm_options adds -XX:+HeapDumpOnOutOfMemoryError,
# so the JVM's "Picked up JAVA_TOOL_OPTIONS: ..." line names what app2's
# OutOfMemoryError filter looks for: it must fire nothing.
# not-in-lanes: vm (importing wrapper.conf and the JVM's argv are the same on v1 and v2, and its services run the launch path every VM test runs; CI's VM lane has no minutes to spare; in the VM run it with tests/integration/run --lane v2 test-jsw-import.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/JswApp.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"

started() { grep -c "Service '$1' started" "$T/cgw.err"; }
argv_of() { tr '\0' '\n' < "/proc/$1/cmdline"; }
state_of() { # NAME RUNCONF
        "$CGW" status -c "$2" --json "$1" 2> /dev/null |
                python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"])'
}
state_is() { [ "$(state_of "$1" "$2")" = "$3" ]; } # NAME RUNCONF STATE
# the main process of NAME runs WANT (a forked child is cgwarden until it execs)
argv_matches() { # NAME WANT
        local p
        p=$(svc_main_pid "$1")
        [ -n "$p" ] && [ "$(argv_of "$p" 2> /dev/null)" = "$2" ]
}
check_argv() { # DESCRIPTION NAME WANT
        wait_until 20 argv_matches "$2" "$3"
        check_eq "$1" "$3" "$(argv_of "$(svc_main_pid "$2")" 2> /dev/null)"
}
# a run's config: our [supervisor] (dirs under $T), the imported
# [service:] sections without their [supervisor], each forced onto the
# JAVA_TOOL_OPTIONS path
run_config() { # OUT INI...
        local out=$1
        shift
        {
                cfg_header
                for ini in "$@"; do
                        echo
                        awk '/^\[/ { skip = ($0 == "[supervisor]") } !skip' "$ini" |
                                sed '/^\[service:/a jvm_options_env = JAVA_TOOL_OPTIONS\njvm_options = -XX:+HeapDumpOnOutOfMemoryError'
                done
        } > "$out"
}

# ---- the command's exit statuses ----
mkdir -p "$T/cli/bin" "$T/cli/conf"
echo "wrapper.java.mainclass=Main" > "$T/cli/conf/ok.conf"
printf 'wrapper.java.mainclass=Main\nwrapper.ping.timeout=60\n' > "$T/cli/conf/ping.conf"
printf '#include.required /nonexistent/x.conf\nwrapper.java.mainclass=Main\n' > "$T/cli/conf/req.conf"
"$CGW" import-jsw "$T/cli/conf/ok.conf" -o "$T/cli/ok.ini" 2> "$T/cli/ok.err"
check_eq "import-jsw: exit 0 when nothing is unsupported" 0 $?
check "import-jsw: -o writes the file" grep -q '^\[service:ok\]$' "$T/cli/ok.ini"
check "import-jsw: the report says what was written" grep -q "^Wrote $T/cli/ok.ini (service 'ok')" "$T/cli/ok.err"
check "import-jsw: its output passes check" "$CGW" check "$T/cli/ok.ini"
"$CGW" import-jsw "$T/cli/conf/ping.conf" --name pinged > "$T/cli/ping.ini" 2> "$T/cli/ping.err"
check_eq "import-jsw: exit 1 when a line is unsupported" 1 $?
check "import-jsw: the unsupported line, why, and what instead" \
        grep -q "ping.conf:2: unsupported: wrapper.ping.timeout=60: JSW's ping .* instead: ready = notify and watchdog = 60s" "$T/cli/ping.err"
check "import-jsw: written all the same, to stdout" grep -q '^\[service:pinged\]$' "$T/cli/ping.ini"
"$CGW" import-jsw "$T/cli/conf/req.conf" -o "$T/cli/req.ini" 2> "$T/cli/req.err"
check_eq "import-jsw: exit 2 for a required include it cannot read" 2 $?
check "import-jsw: nothing written then" test ! -e "$T/cli/req.ini"
"$CGW" import-jsw "$T/cli/conf/nope.conf" 2> "$T/cli/nope.err"
check_eq "import-jsw: exit 2 for a file it cannot read" 2 $?
"$CGW" import-jsw 2> /dev/null
check_eq "import-jsw: exit 2 without a file" 2 $?

# ---- three wrapper.conf shapes, with each JDK ----
n=0
for J in $JAVA $OTHER_JAVAS; do
        n=$((n + 1))
        A=$T/jdk$n
        JAR=$(dirname "$(readlink -f "$J")")/jar
        [ -x "$JAR" ] || skip_test "no jar tool next to $J (app2 runs a jar)"
        say "JDK $n: $J ($("$J" -version 2>&1 | head -n1))"
        for app in app1 app2 app3; do
                mkdir -p "$A/$app/bin" "$A/$app/conf" "$A/$app/lib/classes" "$A/$app/logs"
                cp "$CLASSES/JswApp.class" "$A/$app/lib/classes/"
        done
        (cd "$A/app2/lib/classes" && "$JAR" --create --file ../jswapp.jar --main-class JswApp JswApp.class) ||
                not_ok "JDK $n: the jar of app2 is built"

        # app1: WrapperSimpleApp; JSW runs in bin/, so paths are ../
        cat > "$A/app1/conf/wrapper.conf" <<EOF
#encoding=UTF-8
# Java Application
wrapper.java.command=$J
wrapper.java.mainclass=org.tanukisoftware.wrapper.WrapperSimpleApp
wrapper.java.classpath.1=../lib/wrapper.jar
wrapper.java.classpath.2=../lib/classes
wrapper.java.library.path.1=../lib
wrapper.java.additional.1=-Xss512k
wrapper.java.additional.2=-XX:+UseSerialGC
wrapper.java.additional.3=-Dapp.name="My App"
wrapper.java.additional.3.stripquotes=TRUE
wrapper.java.additional.4=-XX:TieredStopAtLevel=1
wrapper.java.initmemory=16
wrapper.java.maxmemory=64
wrapper.app.parameter.1=JswApp
wrapper.app.parameter.2=--count
wrapper.app.parameter.3=../run.count
wrapper.app.parameter.4=--exit
wrapper.app.parameter.5=1:1500:3
wrapper.on_exit.default=RESTART
wrapper.on_exit.0=SHUTDOWN
wrapper.restart.delay=1
wrapper.console.format=PM
wrapper.console.loglevel=INFO
wrapper.ntservice.name=app1
wrapper.ntservice.starttype=AUTO_START
EOF
        want1=$(printf '%s\n' "$J" -Xss512k -XX:+UseSerialGC "-Dapp.name=My App" -XX:TieredStopAtLevel=1 \
                -Xms16m -Xmx64m -Djava.library.path=../lib -classpath ../lib/wrapper.jar:../lib/classes \
                JswApp --count ../run.count --exit 1:1500:3)

        # app2: WrapperJarApp, filters, exit codes
        cat > "$A/app2/conf/wrapper.conf" <<EOF
wrapper.java.command=$J
wrapper.java.mainclass=org.tanukisoftware.wrapper.WrapperJarApp
wrapper.java.classpath.1=../lib/wrapper.jar
wrapper.java.additional.1=-XX:+UseSerialGC
wrapper.java.additional.2=-XX:TieredStopAtLevel=1
wrapper.java.maxmemory=64
wrapper.app.parameter.1=../lib/jswapp.jar
wrapper.app.parameter.2=--count
wrapper.app.parameter.3=../run.count
wrapper.app.parameter.4=--say
wrapper.app.parameter.5=1:../say:Deadlock detected in pool-1
wrapper.app.parameter.6=--exit
wrapper.app.parameter.7=1:../exit:3
wrapper.app.parameter.8=--exit
wrapper.app.parameter.9=2:1000:4
wrapper.on_exit.default=SHUTDOWN
wrapper.on_exit.3=RESTART
wrapper.restart.delay=1
wrapper.filter.trigger.1=Deadlock detected
wrapper.filter.action.1=DUMP
wrapper.filter.message.1=A deadlock: thread dump
wrapper.filter.trigger.2=OutOfMemoryError
wrapper.filter.action.2=RESTART
wrapper.ping.timeout=120
wrapper.logfile=../logs/wrapper.log
wrapper.logfile.maxsize=5m
wrapper.logfile.maxfiles=3
EOF
        want2=$(printf '%s\n' "$J" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx64m -Djava.library.path=./ \
                -classpath ../lib/wrapper.jar -jar ../lib/jswapp.jar --count ../run.count \
                --say "1:../say:Deadlock detected in pool-1" --exit 1:../exit:3 --exit 2:1000:4)

        # app3: includes and set. variables
        cat > "$A/app3/conf/common.conf" <<EOF
set.APP_HOME=$A/app3
set.JAVA_DIR=$(dirname "$J")
wrapper.java.command=%JAVA_DIR%/java
wrapper.java.additional.1=-Dapp.home=%APP_HOME%
wrapper.java.additional.2=-XX:+UseSerialGC
wrapper.java.additional.3=-XX:TieredStopAtLevel=1
wrapper.java.maxmemory=64
wrapper.on_exit.default=RESTART
wrapper.on_exit.0=SHUTDOWN
wrapper.restart.delay=30
EOF
        cat > "$A/app3/conf/local.conf" <<EOF
# overrides common.conf's
wrapper.restart.delay=1
wrapper.logfile=%APP_HOME%/logs/wrapper.log
EOF
        cat > "$A/app3/conf/wrapper.conf" <<EOF
#include ../conf/common.conf
set.GREETING=hello
wrapper.java.mainclass=org.tanukisoftware.wrapper.WrapperSimpleApp
wrapper.java.classpath.1=%APP_HOME%/lib/classes
wrapper.app.parameter.1=JswApp
wrapper.app.parameter.2=--count
wrapper.app.parameter.3=%APP_HOME%/run.count
wrapper.app.parameter.4=--exit
wrapper.app.parameter.5=1:1500:1
wrapper.app.parameter.6=--say
wrapper.app.parameter.7=2:3500:panic: disk full now
wrapper.filter.trigger.1=panic:*now
wrapper.filter.allow_wildcards.1=TRUE
wrapper.filter.action.1=DUMP
#include.required local.conf
EOF
        want3=$(printf '%s\n' "$J" "-Dapp.home=$A/app3" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx64m \
                -Djava.library.path=./ -classpath "$A/app3/lib/classes" JswApp --count "$A/app3/run.count" \
                --exit 1:1500:1 --say "2:3500:panic: disk full now")

        for app in app1 app2 app3; do
                "$CGW" import-jsw "$A/$app/conf/wrapper.conf" --name "$app" -o "$A/$app.ini" 2> "$A/$app.report"
                echo $? > "$A/$app.rc"
                check "JDK $n $app: cgwarden check passes on the import" "$CGW" check "$A/$app.ini"
        done
        check_eq "JDK $n app1: import exit 0" 0 "$(cat "$A/app1.rc")"
        check_eq "JDK $n app2: import exit 1 (its ping)" 1 "$(cat "$A/app2.rc")"
        check_eq "JDK $n app3: import exit 0" 0 "$(cat "$A/app3.rc")"
        check "JDK $n app1: .stripquotes reported mapped" grep -q "wrapper.conf:11: mapped: wrapper.java.additional.3.stripquotes=TRUE -> exec" "$A/app1.report"
        check "JDK $n app1: the console keys ignored, with why" grep -q "wrapper.conf:23: ignored: wrapper.console.format=PM: " "$A/app1.report"
        check "JDK $n app2: the ping unsupported, with what instead" grep -q "wrapper.conf:24: unsupported: wrapper.ping.timeout=120: .*watchdog = 120s" "$A/app2.report"
        check "JDK $n app2: the commented ready/watchdog keys" grep -q '^; watchdog = 120s$' "$A/app2.ini"
        check "JDK $n app2: the exit codes as restart_prevent_exit_status" grep -qx 'restart_prevent_exit_status = 0-2 4-255' "$A/app2.ini"
        check "JDK $n app2: the filters as log triggers" sh -c "grep -qx 'log_trigger = Deadlock detected => capture' '$A/app2.ini' && grep -qx 'log_trigger = OutOfMemoryError => capture restart' '$A/app2.ini'"
        check "JDK $n app3: the include read from JSW's working directory" grep -q "wrapper.conf:1: mapped: #include ../conf/common.conf: read: $A/app3/conf/common.conf" "$A/app3.report"
        check "JDK $n app3: the local include found next to wrapper.conf" grep -q "wrapper.conf:15: approximated: #include.required local.conf: read from next to the including file" "$A/app3.report"
        check "JDK $n app3: the later restart.delay counts" grep -q "common.conf:10: ignored: wrapper.restart.delay=30: set again at $A/app3/conf/local.conf:2" "$A/app3.report"
        check "JDK $n app3: set.GREETING in the environment" grep -qx 'environment = GREETING=hello' "$A/app3.ini"
        check "JDK $n: memory_max from the heap (64M + 64M + 256M)" grep -qx 'memory_max = 384M' "$A/app1.ini"

        run_config "$A/run.ini" "$A/app1.ini" "$A/app2.ini" "$A/app3.ini"
        check "JDK $n: the run configuration is valid" "$CGW" check "$A/run.ini"
        : > "$T/cgw.err"
        rm -rf "$T/captures" "$T/log"
        cgw_start run -c "$A/run.ini"

        # app1: exits 3 in its first run: restarted, the same argv
        wait_until 90 sh -c "[ \$(grep -c \"Service 'app1' started\" '$T/cgw.err') -ge 2 ]" ||
                not_ok "JDK $n app1: restarted" "$(grep "'app1'" "$T/cgw.err" | tail -5)"
        check "JDK $n app1: its first run exited with 3" cgw_log_has "Service 'app1' (pid [0-9]*) exited with status 3\."
        wait_until 30 sh -c "[ \"\$(cat '$A/app1/run.count' 2> /dev/null)\" = 2 ]" || not_ok "JDK $n app1: its run 2"
        check_argv "JDK $n app1: argv as JSW builds it" app1 "$want1"

        # app2: "Deadlock detected" captured, exit 3 restarted, exit 4 not
        wait_until 90 cgw_log_has "Service 'app2': NMT baseline taken" || not_ok "JDK $n app2: NMT baseline taken"
        touch "$A/app2/say"
        wait_until 90 cgw_log_has "Capture for 'app2' finished" ||
                not_ok "JDK $n app2: the filter's capture" "$(grep "'app2'" "$T/cgw.err" | tail -5)"
        check "JDK $n app2: the observation names the filter" \
                cgw_log_has "Observation log-trigger for 'app2': /Deadlock detected/ matched: Deadlock detected in pool-1"
        d=$(capture_dir_of app2 log-trigger)
        say "JDK $n app2: capture $d"
        check_complete "JDK $n app2: a complete log-trigger capture" "$d"
        for item in threads nmt heap; do
                check_eq "JDK $n app2: item $item ok" ok "$(mf_item "$d" $item)"
        done
        check "JDK $n app2: threads.txt is a full thread dump" grep -q "^Full thread dump" "$d/threads.txt"
        check_eq "JDK $n app2: an NMT diff against cgwarden's baseline" ok "$(mf_item "$d" nmt-diff)"
        touch "$A/app2/exit"
        wait_until 60 sh -c "[ \$(grep -c \"Service 'app2' started\" '$T/cgw.err') -ge 2 ]" ||
                not_ok "JDK $n app2: restarted after exit 3" "$(grep "'app2'" "$T/cgw.err" | tail -5)"
        check "JDK $n app2: its first run exited with 3" cgw_log_has "Service 'app2' (pid [0-9]*) exited with status 3\."
        check_argv "JDK $n app2: argv as JSW builds it" app2 "$want2"
        wait_until 60 cgw_log_has "Service 'app2' (pid [0-9]*) exited with status 4\." ||
                not_ok "JDK $n app2: its second run exits with 4"
        wait_until 20 state_is app2 "$A/run.ini" failed ||
                not_ok "JDK $n app2: exit 4 (SHUTDOWN) is not restarted: failed" "state: $(state_of app2 "$A/run.ini")"
        check_eq "JDK $n app2: not started a third time" 2 "$(started app2)"
        check "JDK $n app2: the JVM's options echo fired no trigger" \
                sh -c "! grep -q \"Observation log-trigger for 'app2': /OutOfMemoryError/\" '$T/cgw.err'"
        check "JDK $n app2: ... though it names OutOfMemoryError" \
                grep -q "Picked up JAVA_TOOL_OPTIONS: .*-XX:+HeapDumpOnOutOfMemoryError" "$T/log/app2.log"

        # app3: exit 1 restarted; its second run's line captured
        wait_until 90 cgw_log_has "Capture for 'app3' finished" ||
                not_ok "JDK $n app3: the wildcard filter's capture" "$(grep "'app3'" "$T/cgw.err" | tail -5)"
        check "JDK $n app3: its first run exited with 1" cgw_log_has "Service 'app3' (pid [0-9]*) exited with status 1\."
        check_eq "JDK $n app3: started twice" 2 "$(started app3)"
        check "JDK $n app3: the observation names the pattern" \
                cgw_log_has "Observation log-trigger for 'app3': /panic:\.\*now/ matched: panic: disk full now"
        check_complete "JDK $n app3: a complete log-trigger capture" "$(capture_dir_of app3 log-trigger)"
        check_argv "JDK $n app3: argv as JSW builds it" app3 "$want3"
        check "JDK $n app3: set.GREETING reached the JVM" grep -q "JswApp GREETING=hello" "$T/log/app3.log"

        # every one: NMT and the attach listener through JAVA_TOOL_OPTIONS
        for app in app1 app3; do
                pid=$(svc_main_pid $app)
                check "JDK $n $app: JAVA_TOOL_OPTIONS in its environment, no JDK_JAVA_OPTIONS" \
                        sh -c "tr '\\0' '\\n' < /proc/$pid/environ | grep -qx 'JAVA_TOOL_OPTIONS=-XX:+StartAttachListener -XX:NativeMemoryTracking=summary -XX:+HeapDumpOnOutOfMemoryError' && ! tr '\\0' '\\n' < /proc/$pid/environ | grep -q '^JDK_JAVA_OPTIONS='"
                check "JDK $n $app: the JVM picked them up" \
                        grep -q "stderr: Picked up JAVA_TOOL_OPTIONS: -XX:+StartAttachListener -XX:NativeMemoryTracking=summary" "$T/log/$app.log"
                check "JDK $n $app: cgwarden says why" cgw_log_has "Service '$app': JVM options through JAVA_TOOL_OPTIONS (jvm_options_env)"
                "$CGW" attach "$pid" VM.flags > "$T/flags.txt" 2>&1
                check "JDK $n $app: attach works; the JVM has -XX:+StartAttachListener" grep -q -- "-XX:+StartAttachListener" "$T/flags.txt"
                "$CGW" attach "$pid" VM.native_memory summary > "$T/nmt.txt" 2>&1
                check "JDK $n $app: NMT is on" grep -q "Native Memory Tracking" "$T/nmt.txt"
                wait_until 30 cgw_log_has "Service '$app': NMT baseline taken" || not_ok "JDK $n $app: NMT baseline taken"
        done
        cgw_stop TERM
        check_eq "JDK $n: cgwarden exits 0" 0 "$CGW_RC"
done
