/* SPDX-License-Identifier: LGPL-2.1-or-later */

import java.lang.reflect.Field;

/* A native leak below the JDK's own accounting, as a JNI library or a
 * careless Unsafe user makes it (seed 002): Unsafe.allocateMemory() never
 * freed. No MaxDirectMemorySize stops it; NMT shows it under "Other" or
 * "Unsafe" (JDK 25 counts it in its own category).
 *
 *   java UnsafeLeak [MB_PER_S [CHUNK_KB [FILL]]]
 *
 * Allocates and touches CHUNK_KB (default 1024) at MB_PER_S (default 50);
 * with FILL, the blocks hold that string over and over, each copy ended
 * by a NUL (what a leak of C strings looks like to `strings`). Prints
 * "leaked N MB" every 16 MB. */
public final class UnsafeLeak {
    private UnsafeLeak() {}

    @SuppressWarnings("removal")
    public static void main(String[] args) throws Exception {
        double rate = args.length > 0 ? Double.parseDouble(args[0]) : 50;
        int chunkKb = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        sun.misc.Unsafe u = (sun.misc.Unsafe) f.get(null);
        long leakedKb = 0;
        byte[] pattern = null;
        if (args.length > 2) {
            byte[] one = (args[2] + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            pattern = new byte[chunkKb * 1024];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = one[i % one.length];
            }
        }
        long start = System.nanoTime();

        System.out.println("unsafe leak: " + rate + " MB/s in " + chunkKb + " KB blocks");
        System.out.flush();
        for (;;) {
            long a = u.allocateMemory(chunkKb * 1024L);
            if (pattern != null) {
                u.copyMemory(pattern, sun.misc.Unsafe.ARRAY_BYTE_BASE_OFFSET, null, a, pattern.length);
            } else {
                u.setMemory(a, chunkKb * 1024L, (byte) 1);
            }
            leakedKb += chunkKb;
            if (leakedKb % (16 * 1024) < chunkKb) {
                System.out.println("leaked " + leakedKb / 1024 + " MB");
                System.out.flush();
            }
            long dueNs = (long) (leakedKb / 1024.0 / rate * 1e9);
            long aheadNs = dueNs - (System.nanoTime() - start);
            if (aheadNs > 1_000_000) {
                Thread.sleep(aheadNs / 1_000_000, (int) (aheadNs % 1_000_000));
            }
        }
    }
}
