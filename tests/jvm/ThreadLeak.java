/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A thread leak as a Netty service shows it: threads named like
 * nioEventLoopGroup-G-M (groups of 8), started and never stopped.
 *
 *   java ThreadLeak [COUNT [INTERVAL_MS]]
 *
 * Starts COUNT threads (default 2000; 0: without end), one every
 * INTERVAL_MS (default 0: all at once), prints "ready N" when COUNT are
 * running, then sleeps until killed. A failed start (a task limit) is
 * printed and ends the leak, not the JVM. */
public final class ThreadLeak {
    private static final int GROUP_SIZE = 8;

    private ThreadLeak() {}

    private static void park() {
        for (;;) {
            try {
                Thread.sleep(3_600_000L);
            } catch (InterruptedException e) {
                /* a leaked thread ignores being asked to stop */
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        long count = args.length > 0 ? Long.parseLong(args[0]) : 2000;
        long intervalMs = args.length > 1 ? Long.parseLong(args[1]) : 0;
        long started = 0;

        while (count == 0 || started < count) {
            long group = started / GROUP_SIZE + 1;
            long member = started % GROUP_SIZE + 1;
            Thread t = new Thread(ThreadLeak::park, "nioEventLoopGroup-" + group + "-" + member);
            try {
                t.start();
            } catch (OutOfMemoryError e) {
                System.out.println("thread start failed after " + started + ": " + e.getMessage());
                System.out.flush();
                break;
            }
            started++;
            if (intervalMs > 0) {
                Thread.sleep(intervalMs);
            }
        }
        System.out.println("ready " + started);
        System.out.flush();
        park();
    }
}
