/* SPDX-License-Identifier: LGPL-2.1-or-later */

import java.util.ArrayList;
import java.util.List;

/* A GC storm as seed 004 shows it once the backlog sits in the heap: a
 * live set that fills most of -Xmx and a steady flow of short-lived
 * garbage, so that collection follows collection and the collectors take
 * most of the CPU while the service barely moves.
 *
 *   java -Xmx64m GcStorm [LIVE_MB [GARBAGE_MB_PER_S]]
 *
 * Keeps LIVE_MB (default 40) in 1 MB arrays, prints "ready", then
 * allocates 64 KB arrays at GARBAGE_MB_PER_S (default 0: as fast as it
 * can), each kept until 128 more were made (8 MB): long enough to be
 * promoted, so the old generation fills and full collections follow one
 * another. */
public final class GcStorm {
    private GcStorm() {}

    public static void main(String[] args) throws InterruptedException {
        int liveMb = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        double rate = args.length > 1 ? Double.parseDouble(args[1]) : 0;
        List<byte[]> live = new ArrayList<>();
        byte[][] recent = new byte[128][];
        long start;
        long made = 0;
        long sink = 0;

        for (int i = 0; i < liveMb; i++) {
            live.add(new byte[1 << 20]);
        }
        System.out.println("ready: " + liveMb + " MB live");
        System.out.flush();
        start = System.nanoTime();
        for (;;) {
            byte[] g = new byte[64 << 10];
            recent[(int) (made % recent.length)] = g;
            sink += g.length + live.size();
            made++;
            if (rate > 0) {
                long dueNs = (long) (made / 16.0 / rate * 1e9);
                long aheadNs = dueNs - (System.nanoTime() - start);
                if (aheadNs > 1_000_000) {
                    Thread.sleep(aheadNs / 1_000_000, (int) (aheadNs % 1_000_000));
                }
            }
            if (sink == Long.MIN_VALUE) {
                System.out.println(sink);
            }
        }
    }
}
