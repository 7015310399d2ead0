/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the files of capture/ that make a capture share: the steps, the
 * Capture object, and the functions one file gives the others. Only
 * capture/ includes this.
 *
 *   capture.c   the public API and the step sequencer on the event loop
 *   steps.c     the step catalog and the forked helpers that run items
 *   manifest.c  the findings and manifest.json
 *   store.c     directory names, the rename, retention, recovery (store.h) */

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "capture/capture.h"
#include "capture/histogram.h"
#include "capture/memsample.h"
#include "capture/hotspot.h"
#include "capture/store.h"
#include "base/fs-util.h"
#include "base/macro.h"

typedef enum StepKind {
        STEP_CLAMP, /* hook, not an item */
        STEP_GRANT, /* hook, not an item */
        STEP_PROC, /* forked helper running a function */
        STEP_INLINE, /* written by the daemon from memory (history, kernel report) */
        STEP_JVM, /* HotSpot attach */
} StepKind;

typedef enum ProcFn {
        PF_COPY, /* copy src to the file */
        PF_PMAP,
        PF_TASKS,
        PF_MEMORY_EVENT_FILES,
        PF_PIDS,
        PF_PERFDATA, /* the JVM's hsperfdata counters (jvm/perfdata.h) */
        PF_HEAP_MOVE, /* the JVM's heap dump: renamed, or copied across filesystems */
        PF_ANON_SAMPLE, /* strings of the anonymous mappings that grew */
} ProcFn;

/* The exit status of a helper whose item does not apply (its error text
 * says why): the item is recorded as skipped, not failed. */
#define CAPTURE_HELPER_EXIT_SKIPPED 2

typedef enum InlineFn {
        IF_HISTORY,
        IF_KERNEL_REPORT,
        IF_HISTOGRAM_DIFF,
} InlineFn;

typedef struct Step {
        StepKind kind;
        const char *name; /* item name in the manifest */
        const char *file;
        ProcFn proc;
        InlineFn inl;
        char src[PATH_MAX]; /* PF_COPY */
        const char *jvm_argv[4];
        bool jvm_threads; /* the thread dump: SIGQUIT fallback */
        bool when_heap_grew; /* skipped unless the Java heap grew (capture_heap_grew()) */
        bool heap_dump; /* GC.heap_dump: capture_heap_dump_prepare() first */
        bool nmt_detail; /* detail.diff: its answer made into nmt-detail-diff.txt */

        /* outcome */
        bool run, ok, skipped;
        usec_t ms_usec;
        char error[256];
} Step;

#define STEPS_MAX 24

struct Capture {
        sd_event *event;
        CaptureSpec spec; /* strings below are owned copies */
        char *service, *reason, *cgroup, *memory_dir, *pids_dir, *kernel_report, *limits_text,
                *nmt_no_baseline, *jvm_limits;
        capture_done_t done;
        void *userdata;

        int svc_dir_fd; /* <capture_dir>/<service> */
        int manifest_fd; /* created at the start, its space reserved */
        int dir_fd; /* the partial directory */
        char *dir_path; /* <capture_dir>/<service> */
        char name[CAPTURE_NAME_MAX]; /* final name */
        char partial[CAPTURE_PARTIAL_MAX]; /* .<name>.partial */
        char *path; /* final path */
        usec_t started_rt, started_mono, deadline;

        Step steps[STEPS_MAX];
        size_t n_steps, cur;
        bool restored, finished, timed_out, aborted, not_jvm, granted;
        char jvm_skip[200]; /* why the remaining JVM items are skipped */

        /* the running step */
        usec_t step_start;
        int out_fd;
        pid_t child;
        int child_fd; /* read end: error text, EOF at exit */
        char child_msg[256];
        size_t child_msg_len;
        HotspotAttach *attach;
        bool sigquit_running;
        sd_event_source *io, *step_timer, *total_timer, *defer;

        /* findings for the manifest */
        char nmt_state[200];
        char nmt_top[160];
        char nmt_diff_state
                [200]; /* why there is no nmt-diff ("" when there is one, or NMT is not captured) */
        char tasks_top[160];
        char tasks_procs[96]; /* "N processes, M threads in the cgroup" */
        char pmap_top[PATH_MAX];
        char perfdata_top[256]; /* old gen and GCs from perfdata.txt */
        Histogram hist_base; /* the baseline (n == 0: none) */
        bool heap_used_known, heap_delta_known;
        uint64_t heap_used_kb; /* GC.heap_info now */
        int64_t heap_committed_delta_kb; /* NMT's Java Heap since its baseline */
        char hist_top[200];

        /* the heap dump: the JVM's /tmp (through /proc/PID/root), the
         * directory made there for the JVM's user, the file's name there
         * and in the capture, the argument the JVM gets */
        int heap_tmp_fd, heap_dir_fd;
        char heap_dir_name[96];
        char heap_file[32];
        char heap_jvm_path[160];
        uid_t heap_uid;
        uint64_t heap_estimate; /* bytes */

        MapRange *map_base; /* the spec's, copied */
        size_t n_map_base;
        char anon_top[200];
        char arenas[160];
        char nmt_detail_top[200];
};

/* steps.c */

/* Fill c->steps for c->spec: the hooks and the items that apply, cheap
 * and certain first, the JVM items last. */
void capture_steps_build(Capture *c);

/* Run the STEP_PROC step s in a forked helper writing into c->out_fd:
 * c->child is its pid, c->child_fd the read end of a pipe that carries
 * its error text and ends when it exits. Returns 0, or -errno. */
int capture_helper_start(Capture *c, Step *s);

/* Wait for the helper (killed first when kill_it) and close its pipe;
 * its wait status into *ret_status when that is not NULL. No-op when
 * none runs. */
void capture_helper_reap(Capture *c, bool kill_it, int *ret_status);

/* Write the STEP_INLINE step s (the history, the kernel's report) from
 * memory. Returns 0, or -errno with the error text in err. */
int capture_step_write_inline(Capture *c, Step *s, char *err, size_t errsz);

/* Whether the Java heap grew since the baseline, with why into why
 * (steps.c). */
bool capture_heap_grew(const Capture *c, char *why, size_t size);

/* Before the GC.heap_dump step s: whether and where the JVM may write
 * its dump (its /tmp not a tmpfs, room for the estimate there and in the
 * capture, a fresh 0700 directory of its user). Returns 0 (s->jvm_argv
 * set), 1 (skipped: why says why) or -errno (why says what failed). */
int capture_heap_dump_prepare(Capture *c, Step *s, char *why, size_t size);
/* After the detail.diff step s answered into c->out_fd (a memfd): the
 * call sites that grew most, then the whole answer, as
 * nmt-detail-diff.txt; or s skipped when the JVM tracks no detail. */
void capture_nmt_detail_finish(Capture *c, Step *s);

/* Remove what the heap dump left in the JVM's /tmp. Idempotent. */
void capture_heap_dump_cleanup(Capture *c);

/* manifest.c */

/* The first max - 1 bytes of a file of the capture, NUL-terminated,
 * into *ret (malloc'd) and their length into *ret_n. Returns 0 or -errno. */
int capture_read_file(Capture *c, const char *name, size_t max, char **ret, size_t *ret_n);

/* After step s succeeded: the lines of its file a reader looks for
 * first (the top NMT growth, the largest thread group, the largest
 * mapping), into c's findings. Best effort. */
void capture_findings_read(Capture *c, const Step *s);

/* After the thread dump: the Java threads grouped by their full names,
 * appended to tasks.txt, and the top group from them. Best effort. */
void capture_findings_java_groups(Capture *c);

/* Whether every item that applied succeeded, and the capture was
 * neither timed out nor aborted. */
bool capture_manifest_complete(const Capture *c);

/* Write manifest.json of c (into the space reserved at the start when
 * there is one). Returns 0 or -errno. */
int capture_manifest_write(Capture *c, bool complete, usec_t finished_rt);

/* Write manifest.json of a capture directory (dir_fd) that a cgwarden
 * killed mid-capture left: complete false, error "interrupted: ...", the
 * files found listed as items not recorded, recovered_at now. Returns 0
 * or -errno. */
int capture_manifest_write_interrupted(int dir_fd, const char *service, const char *reason,
                                       const char *started_at);
