# The JDKs and the Java test programs, for the tests that run JVMs
# (sourced after lib.sh). Sets JAVA (CGW_JAVA, else OpenJDK 17, else the
# first found), OTHER_JAVAS (every other JDK under /usr/lib/jvm, once
# each), CLASSES and JOPTS; jvm_main CLASS prints the arguments that run
# a test program.


JAVA=${CGW_JAVA:-}
if [ -z "$JAVA" ]; then
        for j in /usr/lib/jvm/java-17-openjdk-amd64/bin/java "$(command -v java 2>/dev/null)" /usr/lib/jvm/*/bin/java; do
                [ -x "$j" ] && { JAVA=$j; break; }
        done
fi
[ -n "$JAVA" ] || skip_test "no JDK installed (no java in PATH or /usr/lib/jvm)"
# the other JDKs, once each
OTHER_JAVAS=
seen=" $(readlink -f "$JAVA") "
for j in /usr/lib/jvm/*/bin/java; do
        [ -x "$j" ] || continue
        real=$(readlink -f "$j")
        case $seen in *" $real "*) continue ;; esac
        seen="$seen$real "
        OTHER_JAVAS="$OTHER_JAVAS $j"
done

# The test programs, compiled at build time (tests/jvm/meson.build); without
# javac at build time, the source launcher compiles them (slow in the VM).
CLASSES=${CGW_JVM_CLASSES:-$HELPERS/jvm}
# JVMs run as nobody and in a private /tmp below: give them a copy of the
# classes they can reach (the checkout may be below a 0700 directory or
# below /tmp), on /dev/shm, a tmpfs on the host and in the VM
if [ -f "$CLASSES/Idle.class" ] && [ -d /dev/shm ]; then
        shared=$(mktemp -d /dev/shm/cgw-classes.XXXXXX)
        EXTRA_CLEANUP_DIRS=$shared
        cp "$CLASSES"/*.class "$shared/" && chmod 755 "$shared" && chmod 644 "$shared"/*.class
        CLASSES=$shared
fi
JOPTS="-Xmx64m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
jvm_main() { # CLASS: the arguments that run it
        if [ -f "$CLASSES/$1.class" ]; then
                echo "-cp $CLASSES $1"
        else
                echo "$TOP/tests/jvm/$1.java"
        fi
}
