/* SPDX-License-Identifier: LGPL-2.1-or-later */

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.LinkedBlockingQueue;

/* A heap backlog as seed 004 shows it: a push gateway consumes an MQ, its
 * intake (pull, deserialise, run the chain) outruns the downstream push,
 * so the queue of pending messages grows on the heap until the JVM (with a
 * heap larger than its cgroup allows) is killed by the kernel, or throws
 * OutOfMemoryError.
 *
 *   java -Xmx1g Backlog [IN_MB_PER_S [OUT_MB_PER_S [MSG_KB [INTAKE_S [PARSE_MS_PER_MB]]]]]
 *
 * The broker (the MQ, outside this process: its messages cost nothing
 * here until pulled) publishes MSG_KB (default 16) messages at IN_MB_PER_S
 * (default 40); with INTAKE_S, the peak is over after that many seconds
 * and the broker holds IN_MB_PER_S * INTAKE_S MB in all. The intake pulls
 * whatever the broker holds as fast as it can, parsing each message for
 * PARSE_MS_PER_MB (default 0) milliseconds of its own CPU time per MB, and
 * queues it; the push consumer takes them at OUT_MB_PER_S (default 10), a
 * rate set by the network, not by its CPU. So a CPU quota slows the intake
 * and not the push: the backlog moves back to the broker, as seed 004's
 * fix (block the MQ consumers) does from inside.
 *
 * Prints "backlog N MB" every 16 MB of growth and a progress line every 10
 * s. With INTAKE_S, once everything is pulled it prints "intake done", and
 * "drained" when the queue is empty; then a full GC every second gives the
 * memory back (with -XX:MaxHeapFreeRatio low enough the heap shrinks).
 *
 * The intake runs in its own thread, mq-intake, as an MQ client's would:
 * when the heap (-Xmx) runs out first, it dies of OutOfMemoryError
 * ("Exception in thread "mq-intake" java.lang.OutOfMemoryError: Java heap
 * space" on stderr) and the JVM limps on, the push consumer idle: the
 * state a JSW-style output trigger is for. */
public final class Backlog {
    private Backlog() {}

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static long sink;

    private static void pace(long doneKb, double rate, long start) throws InterruptedException {
        long dueNs = (long) (doneKb / 1024.0 / rate * 1e9);
        long aheadNs = dueNs - (System.nanoTime() - start);
        if (aheadNs > 1_000_000) {
            Thread.sleep(aheadNs / 1_000_000, (int) (aheadNs % 1_000_000));
        }
    }

    /* Deserialising: passes over the message until this thread has used
     * cpuNs of CPU time (time it is not scheduled, or throttled by a CPU
     * quota, does not count), so the cost is the same on a fast host and
     * under an emulator. */
    private static void parse(byte[] m, long cpuNs) {
        if (cpuNs <= 0) {
            return;
        }
        long until = THREADS.getCurrentThreadCpuTime() + cpuNs;
        long h = 0;
        do {
            for (int i = 0; i < m.length; i += 8) {
                h = h * 31 + m[i];
            }
        } while (THREADS.getCurrentThreadCpuTime() < until);
        sink += h;
    }

    private static void consume(LinkedBlockingQueue<byte[]> q, double rate, int msgKb) {
        long start = System.nanoTime();
        long doneKb = 0;
        try {
            for (;;) {
                q.take();
                doneKb += msgKb;
                pace(doneKb, rate, start);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long mb(long kb) {
        return kb / 1024;
    }

    public static void main(String[] args) {
        Thread intake = new Thread(() -> {
            try {
                run(args);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "mq-intake");
        intake.start();
    }

    private static void run(String[] args) throws InterruptedException {
        double in = args.length > 0 ? Double.parseDouble(args[0]) : 40;
        double out = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        int msgKb = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        double intakeS = args.length > 3 ? Double.parseDouble(args[3]) : 0;
        double parseMsPerMb = args.length > 4 ? Double.parseDouble(args[4]) : 0;
        long parseNs = (long) (parseMsPerMb * 1e6 * msgKb / 1024);
        long totalKb = intakeS > 0 ? (long) (in * intakeS * 1024) / msgKb * msgKb : Long.MAX_VALUE;
        LinkedBlockingQueue<byte[]> q = new LinkedBlockingQueue<>();
        Thread consumer = new Thread(() -> consume(q, out, msgKb), "push-consumer");
        long start = System.nanoTime();
        long pulledKb = 0;
        long lastReport = 0;
        long nextProgress = start + 10_000_000_000L;

        consumer.start();
        System.out.println("backlog: in " + in + " MB/s, out " + out + " MB/s, " + msgKb + " KB messages"
                + (intakeS > 0 ? ", " + mb(totalKb) + " MB at the broker in " + intakeS + " s" : "")
                + (parseNs > 0 ? ", parsing " + parseMsPerMb + " ms CPU per MB" : ""));
        System.out.flush();
        while (pulledKb < totalKb) {
            byte[] m = new byte[msgKb * 1024];
            for (int i = 0; i < m.length; i += 4096) {
                m[i] = (byte) i; /* the bytes read from the socket */
            }
            parse(m, parseNs);
            q.put(m);
            pulledKb += msgKb;
            long backlogMb = mb((long) q.size() * msgKb);
            if (backlogMb >= lastReport + 16) {
                lastReport = backlogMb;
                System.out.println("backlog " + backlogMb + " MB");
                System.out.flush();
            }
            long now = System.nanoTime();
            if (now >= nextProgress) {
                nextProgress += 10_000_000_000L;
                long published = Math.min(totalKb, (long) ((now - start) / 1e9 * in * 1024));
                System.out.println("t=" + (now - start) / 1_000_000_000L + "s pulled " + mb(pulledKb)
                        + " MB, queued " + backlogMb + " MB, at the broker " + mb(Math.max(0, published - pulledKb))
                        + " MB");
                System.out.flush();
            }
            /* the broker has nothing more yet: wait for it */
            pace(pulledKb, in, start);
        }
        System.out.println("intake done after " + (System.nanoTime() - start) / 1_000_000_000L + " s, backlog "
                + mb((long) q.size() * msgKb) + " MB");
        System.out.flush();
        while (!q.isEmpty()) {
            Thread.sleep(100);
        }
        System.out.println("drained after " + (System.nanoTime() - start) / 1_000_000_000L + " s");
        System.out.flush();
        for (;;) {
            System.gc();
            Thread.sleep(1000);
        }
    }
}
