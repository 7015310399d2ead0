/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A JVM that does nothing: the target of tests/integration/test-attach.sh.
 * Prints "ready" once main runs (the JVM's signal handlers are installed by
 * then), then sleeps until killed. */
public final class Idle {
    private Idle() {}

    public static void main(String[] args) throws InterruptedException {
        System.out.println("ready");
        System.out.flush();
        for (;;) {
            Thread.sleep(3_600_000L);
        }
    }
}
