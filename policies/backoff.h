/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Restart back-off and start-limit arithmetic. Pure: time comes in as an
 * argument, nothing reads a clock. */

#include <stdbool.h>
#include <stdint.h>

#include "base/macro.h"

/* Delay before automatic restart number n_failures (1 = first): base,
 * 2*base, 4*base, ... capped at max; saturates instead of overflowing. */
usec_t backoff_delay(usec_t base, usec_t max, unsigned n_failures);

/* Start limit: at most `burst` starts within `interval`. burst 0 = off. */
typedef struct StartLimit {
        usec_t interval;
        uint32_t burst;
        uint32_t n; /* entries used */
        uint32_t head; /* next slot */
        usec_t *ring; /* burst entries, allocated on first record */
} StartLimit;

void start_limit_init(StartLimit *l, uint32_t burst, usec_t interval);
void start_limit_done(StartLimit *l);
void start_limit_reset(StartLimit *l);
/* Record a start at `now`. Returns 0 or -ENOMEM. */
int start_limit_record(StartLimit *l, usec_t now);
/* Would one more start at `now` exceed the limit? */
bool start_limit_hit(const StartLimit *l, usec_t now);
