/* SPDX-License-Identifier: LGPL-2.1-or-later */

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/* A heap leak as seed 002 shows it: client objects added to a
 * synchronized list and never removed, so the old generation fills while
 * native memory stays flat.
 *
 *   java -Xmx1g HeapLeak [MB_PER_S [GC_EVERY_S]]
 *
 * Keeps LeakedClient objects (512 bytes each) at MB_PER_S (default 8);
 * with GC_EVERY_S, calls System.gc() that often (as RMI's distributed GC
 * does hourly), so that the old generation is collected while it grows.
 * Prints "ready" at once and "leaked N MB" every 16 MB. */
public final class HeapLeak {
    private HeapLeak() {}

    public static void main(String[] args) throws InterruptedException {
        double rate = args.length > 0 ? Double.parseDouble(args[0]) : 8;
        long gcEveryNs = args.length > 1 ? (long) (Double.parseDouble(args[1]) * 1e9) : 0;
        long lastGc = System.nanoTime();
        List<LeakedClient> clients = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        long kept = 0;

        System.out.println("ready: heap leak, " + rate + " MB/s of LeakedClient");
        System.out.flush();
        for (;;) {
            for (int i = 0; i < 64; i++) {
                clients.add(new LeakedClient((int) kept++));
            }
            if (kept % 32768 == 0) {
                System.out.println("leaked " + kept / 2048 + " MB");
                System.out.flush();
            }
            if (gcEveryNs > 0 && System.nanoTime() - lastGc >= gcEveryNs) {
                System.gc();
                lastGc = System.nanoTime();
            }
            long dueNs = (long) (kept / 2048.0 / rate * 1e9);
            long aheadNs = dueNs - (System.nanoTime() - start);
            if (aheadNs > 1_000_000) {
                Thread.sleep(aheadNs / 1_000_000, (int) (aheadNs % 1_000_000));
            }
        }
    }
}
