/* SPDX-License-Identifier: LGPL-2.1-or-later */

import java.time.Instant;
import java.util.HashMap;
import java.util.concurrent.locks.LockSupport;

/* A latency probe inside a big JVM: how long a diagnostic command (a
 * thread dump, a class histogram, a heap dump) stops the application.
 *
 *   java -XX:NativeMemoryTracking=summary StallProbe [THREADS [LIVE_MB [PARK_US [FLOOR_US]]]]
 *
 * Starts THREADS idle threads (default 2000, named nioEventLoopGroup-G-M
 * as ThreadLeak's, asleep), keeps about LIVE_MB (default 48) of live
 * objects (a HashMap<Long, String>: nodes, Longs, Strings and their
 * byte arrays), so that GC.class_histogram and GC.heap_dump have work,
 * then runs a probe thread that parks PARK_US (default 500) again and
 * again and measures the time between two wake-ups. A safepoint stops a
 * thread that comes back from a park until it ends, so a gap longer than
 * the park is a stall (or the thread not getting a CPU). Prints
 *   probe PARK_US FLOOR_US
 *   ready THREADS
 *   gap START_EPOCH_US LEN_US     (every gap longer than FLOOR_US, default 1000)
 * START is the wall-clock time of the wake-up before the gap (the
 * monotonic clock mapped to the epoch again every second), comparable
 * with a shell's $EPOCHREALTIME. Runs until killed. */
public final class StallProbe {
    private static final int GROUP_SIZE = 8;

    /* kept reachable: the live heap */
    private static HashMap<Long, String> live;

    private StallProbe() {}

    private static void idle() {
        for (;;) {
            try {
                Thread.sleep(3_600_000L);
            } catch (InterruptedException e) {
                /* an idle thread stays */
            }
        }
    }

    private static long epochOffsetNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
    }

    private static void probe(long parkNs, long floorNs) {
        long offsetNs = epochOffsetNs();
        long lastOffsetAt = System.nanoTime();
        long prev = System.nanoTime();

        for (;;) {
            LockSupport.parkNanos(parkNs);
            long now = System.nanoTime();
            long gap = now - prev;
            if (gap > floorNs) {
                System.out.println("gap " + (prev + offsetNs) / 1000 + " " + gap / 1000);
                System.out.flush();
            }
            /* the wall clock may be slewed: map again every second */
            if (now - lastOffsetAt > 1_000_000_000L) {
                offsetNs = epochOffsetNs();
                lastOffsetAt = now;
            }
            prev = System.nanoTime();
        }
    }

    private static void fill(long bytes) {
        /* ~120 bytes an entry: HashMap.Node 32, Long 16, String 24, byte[] ~40, table ~8 */
        int entries = (int) (bytes / 120);
        live = new HashMap<>(entries * 2);
        for (int i = 0; i < entries; i++) {
            live.put((long) i * 7919, "order-" + i + "-" + (i % 97));
        }
    }

    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        long liveMb = args.length > 1 ? Long.parseLong(args[1]) : 48;
        long parkUs = args.length > 2 ? Long.parseLong(args[2]) : 500;
        long floorUs = args.length > 3 ? Long.parseLong(args[3]) : 1000;

        fill(liveMb << 20);
        for (int i = 0; i < threads; i++) {
            String name = "nioEventLoopGroup-" + (i / GROUP_SIZE + 1) + "-" + (i % GROUP_SIZE + 1);
            Thread t = new Thread(StallProbe::idle, name);
            t.setDaemon(true);
            t.start();
        }
        /* the heap settled before the probe starts */
        System.gc();
        System.out.println("probe " + parkUs + " " + floorUs);
        System.out.flush();
        Thread p = new Thread(() -> probe(parkUs * 1000, floorUs * 1000), "stall-probe");
        p.setPriority(Thread.MAX_PRIORITY);
        p.start();
        System.out.println("ready " + threads);
        System.out.flush();
        p.join();
    }
}
