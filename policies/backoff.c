/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "policies/backoff.h"

usec_t backoff_delay(usec_t base, usec_t max, unsigned n_failures) {
        usec_t d = base;

        if (n_failures == 0)
                return 0;
        if (base >= max)
                return max;
        for (unsigned i = 1; i < n_failures; i++) {
                if (d > max / 2)
                        return max;
                d *= 2;
        }
        return MIN(d, max);
}

void start_limit_init(StartLimit *l, uint32_t burst, usec_t interval) {
        *l = (StartLimit){ .interval = interval, .burst = burst };
}

void start_limit_done(StartLimit *l) {
        free(l->ring);
        l->ring = NULL;
        l->n = l->head = 0;
}

void start_limit_reset(StartLimit *l) {
        l->n = l->head = 0;
}

int start_limit_record(StartLimit *l, usec_t now) {
        if (l->burst == 0)
                return 0;
        if (!l->ring) {
                l->ring = calloc(l->burst, sizeof(usec_t));
                if (!l->ring)
                        return -ENOMEM;
        }
        l->ring[l->head] = now;
        l->head = (l->head + 1) % l->burst;
        if (l->n < l->burst)
                l->n++;
        return 0;
}

bool start_limit_hit(const StartLimit *l, usec_t now) {
        uint32_t in_window = 0;

        if (l->burst == 0 || !l->ring)
                return false;
        for (uint32_t i = 0; i < l->n; i++) {
                usec_t t = l->ring[i];
                if (t <= now && now - t < l->interval)
                        in_window++;
        }
        return in_window >= l->burst;
}
