/* SPDX-License-Identifier: LGPL-2.1-or-later */

import java.util.concurrent.LinkedBlockingQueue;

/* A heap backlog as seed 004 shows it: a push service whose producers
 * outrun its consumer, so the queue of pending messages grows on the heap
 * until the JVM (with a heap larger than its cgroup allows) is killed by
 * the kernel, or throws OutOfMemoryError.
 *
 *   java -Xmx1g Backlog [IN_MB_PER_S [OUT_MB_PER_S [MSG_KB [INTAKE_S]]]]
 *
 * Produces MSG_KB (default 16) messages at IN_MB_PER_S (default 40) into an
 * unbounded queue, a consumer takes them at OUT_MB_PER_S (default 10).
 * Prints "backlog N MB" every 16 MB of growth. With INTAKE_S, the intake
 * stops after that many seconds (the peak is over): the consumer drains the
 * queue, prints "drained", and a full GC every second gives the memory back
 * (with -XX:MaxHeapFreeRatio low enough the heap shrinks). */
public final class Backlog {
    private Backlog() {}

    private static void pace(long doneKb, double rate, long start) throws InterruptedException {
        long dueNs = (long) (doneKb / 1024.0 / rate * 1e9);
        long aheadNs = dueNs - (System.nanoTime() - start);
        if (aheadNs > 1_000_000) {
            Thread.sleep(aheadNs / 1_000_000, (int) (aheadNs % 1_000_000));
        }
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

    public static void main(String[] args) throws InterruptedException {
        double in = args.length > 0 ? Double.parseDouble(args[0]) : 40;
        double out = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        int msgKb = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        double intakeS = args.length > 3 ? Double.parseDouble(args[3]) : 0;
        LinkedBlockingQueue<byte[]> q = new LinkedBlockingQueue<>();
        Thread consumer = new Thread(() -> consume(q, out, msgKb), "push-consumer");
        long start = System.nanoTime();
        long producedKb = 0;
        long lastReport = 0;

        consumer.setDaemon(true);
        consumer.start();
        System.out.println("backlog: in " + in + " MB/s, out " + out + " MB/s, " + msgKb + " KB messages");
        System.out.flush();
        for (;;) {
            if (intakeS > 0 && System.nanoTime() - start > (long) (intakeS * 1e9)) {
                break;
            }
            byte[] m = new byte[msgKb * 1024];
            m[0] = 1;
            q.put(m);
            producedKb += msgKb;
            long backlogMb = (long) q.size() * msgKb / 1024;
            if (backlogMb >= lastReport + 16) {
                lastReport = backlogMb;
                System.out.println("backlog " + backlogMb + " MB");
                System.out.flush();
            }
            pace(producedKb, in, start);
        }
        System.out.println("intake stopped, backlog " + (long) q.size() * msgKb / 1024 + " MB");
        System.out.flush();
        while (!q.isEmpty()) {
            Thread.sleep(100);
        }
        System.out.println("drained");
        System.out.flush();
        for (;;) {
            System.gc();
            Thread.sleep(1000);
        }
    }
}
