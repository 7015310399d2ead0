/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which Java a launcher belongs to, without running it: the JDK's
 * `release` file (JAVA_VERSION="1.8.0_392", "17.0.9", "25"), else the
 * layout of its home (lib/modules is JDK 9+, lib/rt.jar is JDK 8 or
 * older). JDK 8 reads no JDK_JAVA_OPTIONS, so this decides how
 * jvm_options reach a JVM (service/jvm-env.c). */

#include <stddef.h>

/* The feature release in a `release` file's JAVA_VERSION: 8 for "1.8.0_392",
 * 17 for "17.0.9", 25 for "25". Pure. Returns the version (>= 1), or
 * -ENODATA when the buffer has no JAVA_VERSION line or it is malformed. */
int jvm_release_parse(const char *buf, size_t n);

/* The feature release of the JDK whose launcher is exe (a path; symbolic
 * links are followed, as /usr/bin/java -> /etc/alternatives -> ...): its
 * home is the directory above bin/, and a JRE inside a JDK 8
 * (<jdk>/jre/bin/java) also looks at <jdk>/release. Without a release
 * file: 9 when <home>/lib/modules exists (any JDK 9 or later), 8 when
 * lib/rt.jar does. Returns the version, -ENOENT when nothing tells, or
 * the -errno of realpath(). */
int jvm_launcher_version(const char *exe);
