/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the watchers report: one observation (the vocabulary shared by
 * watch/, capture/ and guard/). */

#include <stdint.h>

#include "base/macro.h"
#include "cgroup/cgroup.h"
#include "config/config.h"

/* The numbers of what fired: an observation's, and a capture's manifest
 * "trigger". */
typedef struct CaptureTrigger {
        char what[200];
        uint64_t memory_current, memory_max; /* UINT64_MAX: unknown / none */
        uint64_t pids_current, pids_max;
        usec_t eta; /* USEC_INFINITY: none */
} CaptureTrigger;

typedef struct Observation {
        EventType type;
        CaptureTrigger trigger; /* memory_max and pids_max: the effective limits */
        const EffectiveLimits *limits; /* with where they come from */
        /* oom-kill: the kernel's whole report of it and its "Killed process"
         * line (NULL when /dev/kmsg had none or is not readable) */
        const char *kernel_report;
        const char *kernel_killed;
} Observation;
