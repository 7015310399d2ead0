/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Many fds behind one sd-event source, on a real sd-event loop and real
 * pipes: a readable fd's entry runs, again while it stays readable
 * (level-triggered), never after it was removed, also when another
 * entry's callback removes it in the same wake-up; one set per loop. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/fdset.h"
#include "base/macro.h"

#define N 8

typedef struct Item {
        FdSetEntry e;
        int p[2];
        unsigned runs;
        bool drain; /* read what is there (else: level-triggered, runs again) */
        struct Item *victim; /* remove this one when run */
} Item;

static FdSet *the_set;

static void on_item(FdSetEntry *e, int fd, uint32_t revents) {
        Item *it = container_of(e, Item, e);
        char buf[64];

        assert_int_equal(fd, it->p[0]);
        assert_true(revents & EPOLLIN);
        it->runs++;
        if (it->drain)
                (void) !read(fd, buf, sizeof buf);
        if (it->victim)
                fdset_remove(the_set, &it->victim->e);
}

static void item_open(Item *it) {
        *it = (Item){ .e = FDSET_ENTRY_INIT, .drain = true };
        assert_int_equal(pipe2(it->p, O_CLOEXEC | O_NONBLOCK), 0);
        assert_int_equal(fdset_add(the_set, &it->e, it->p[0], EPOLLIN, on_item), 0);
        assert_true(fdset_entry_added(&it->e));
}

static void item_close(Item *it) {
        fdset_remove(the_set, &it->e);
        assert_false(fdset_entry_added(&it->e));
        close(it->p[0]);
        close(it->p[1]);
}

static void run_until_idle(sd_event *ev) {
        /* every ready source runs; then nothing is pending (bounded) */
        for (int i = 0; i < 50; i++)
                if (sd_event_run(ev, 20 * 1000) == 0)
                        return;
}

static void test_fdset(void **state) {
        sd_event *ev = NULL;
        FdSet *other = NULL;
        Item it[N];

        (void) state;
        assert_int_equal(sd_event_new(&ev), 0);
        assert_int_equal(fdset_acquire(ev, &the_set), 0);
        assert_int_equal(fdset_acquire(ev, &other), 0);
        assert_ptr_equal(other, the_set); /* one per loop */
        fdset_release(other);
        for (int i = 0; i < N; i++)
                item_open(&it[i]);
        assert_int_equal(fdset_add(the_set, &it[0].e, it[0].p[0], EPOLLIN, on_item), -EINVAL);

        /* nothing readable: nothing runs */
        run_until_idle(ev);
        for (int i = 0; i < N; i++)
                assert_int_equal(it[i].runs, 0u);

        /* two readable: each runs once, the others not */
        assert_int_equal(write(it[1].p[1], "x", 1), 1);
        assert_int_equal(write(it[5].p[1], "y", 1), 1);
        run_until_idle(ev);
        assert_int_equal(it[1].runs, 1u);
        assert_int_equal(it[5].runs, 1u);
        assert_int_equal(it[0].runs + it[2].runs + it[3].runs + it[4].runs, 0u);

        /* level-triggered: an entry that does not read runs again */
        it[2].drain = false;
        assert_int_equal(write(it[2].p[1], "z", 1), 1);
        assert_int_equal(sd_event_run(ev, 100 * 1000), 1);
        assert_int_equal(sd_event_run(ev, 100 * 1000), 1);
        assert_true(it[2].runs >= 2);
        item_close(&it[2]);
        it[2].runs = 0;
        run_until_idle(ev);
        assert_int_equal(it[2].runs, 0u);

        /* both ready; whichever runs first removes the other, which then
         * never runs */
        it[3].victim = &it[4];
        it[4].victim = &it[3];
        assert_int_equal(write(it[3].p[1], "a", 1), 1);
        assert_int_equal(write(it[4].p[1], "b", 1), 1);
        run_until_idle(ev);
        assert_int_equal(it[3].runs + it[4].runs, 1u);
        assert_true(fdset_entry_added(&it[3].e) != fdset_entry_added(&it[4].e));

        for (int i = 0; i < N; i++)
                if (i != 2)
                        item_close(&it[i]);
        fdset_release(the_set);
        sd_event_unref(ev);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fdset),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
