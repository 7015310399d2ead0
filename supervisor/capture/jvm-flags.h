/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The JVM's memory bounds from its options: a command line's words,
 * JDK_JAVA_OPTIONS / JAVA_TOOL_OPTIONS, or the reply of the attach command
 * VM.flags (the final values, ergonomics included), and what they mean
 * under a memory limit. Pure: no I/O. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct JvmFlags {
        uint64_t max_heap; /* -Xmx / -XX:MaxHeapSize, bytes; UINT64_MAX: not given */
        uint64_t max_direct; /* -XX:MaxDirectMemorySize; UINT64_MAX: not given (0 in the JVM) */
} JvmFlags;

void jvm_flags_init(JvmFlags *f);

/* Options separated by blanks or newlines, each "-Xmx<size>",
 * "-XX:MaxHeapSize=<size>" or "-XX:MaxDirectMemorySize=<size>" (sizes in
 * bytes with an optional k m g t suffix, either case); others are skipped.
 * A later option wins, as in the JVM. A malformed size is ignored.
 * Returns the number of options recognized (>= 0). */
int jvm_flags_parse(const char *buf, size_t n, JvmFlags *f);

/* The same over a java command line: argv[1..] up to the main class or
 * -jar (what follows is the program's), skipping the values of -cp,
 * -classpath, --class-path, -p, --module-path, --add-modules, -m. */
int jvm_flags_parse_argv(char *const *argv, JvmFlags *f);

/* What the bounds mean under a memory limit of limit bytes (UINT64_MAX:
 * none): "" when nothing is wrong, else one sentence per problem naming
 * the numbers, e.g. "the max heap (-Xmx) 1.0G is larger than the memory
 * limit 400.0M: the kernel kills the JVM before it can throw
 * OutOfMemoryError". Problems: a heap above the limit; a
 * MaxDirectMemorySize above the limit; MaxDirectMemorySize unset (it
 * defaults to the max heap) while heap + that default exceed the limit.
 * Returns the number of problems. */
int jvm_flags_findings(const JvmFlags *f, uint64_t limit, char *buf, size_t size);

/* Is exe (a path or a name) a java launcher ("java", "javaw")? Pure. */
bool jvm_is_launcher(const char *exe);
