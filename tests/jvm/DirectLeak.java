/* SPDX-License-Identifier: LGPL-2.1-or-later */

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/* An off-heap leak as seed 001/002 show it: direct ByteBuffers (Netty's
 * pooled buffers, a cache of NIO buffers) allocated and kept, so the heap
 * stays small while the process's RSS grows until the kernel kills it.
 *
 *   java -XX:MaxDirectMemorySize=4g DirectLeak [MB_PER_S [CHUNK_KB [THREAD_NAME]]]
 *
 * Allocates CHUNK_KB (default 1024) direct buffers at MB_PER_S (default 50)
 * and keeps every one; allocateDirect() zeroes the memory, so it is
 * resident at once. Prints "leaked N MB" every 16 MB. A failed allocation
 * (MaxDirectMemorySize) is printed and the leak stops, not the JVM.
 * THREAD_NAME renames the leaking (main) thread, for the tests of what a
 * report does with a hostile name. */
public final class DirectLeak {
    private DirectLeak() {}

    public static void main(String[] args) throws InterruptedException {
        double rate = args.length > 0 ? Double.parseDouble(args[0]) : 50;
        int chunkKb = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        List<ByteBuffer> kept = new ArrayList<>();
        long leakedKb = 0;
        long start = System.nanoTime();

        if (args.length > 2) {
            Thread.currentThread().setName(args[2]);
        }

        System.out.println("direct leak: " + rate + " MB/s in " + chunkKb + " KB buffers");
        System.out.flush();
        for (;;) {
            try {
                kept.add(ByteBuffer.allocateDirect(chunkKb * 1024));
            } catch (OutOfMemoryError e) {
                System.out.println("allocation failed after " + leakedKb / 1024 + " MB: " + e.getMessage());
                System.out.flush();
                break;
            }
            leakedKb += chunkKb;
            if (leakedKb % (16 * 1024) < chunkKb) {
                System.out.println("leaked " + leakedKb / 1024 + " MB");
                System.out.flush();
            }
            /* pace: where the leak should be by now */
            long dueNs = (long) (leakedKb / 1024.0 / rate * 1e9);
            long aheadNs = dueNs - (System.nanoTime() - start);
            if (aheadNs > 1_000_000) {
                Thread.sleep(aheadNs / 1_000_000, (int) (aheadNs % 1_000_000));
            }
        }
        for (;;) {
            Thread.sleep(3_600_000L);
        }
    }
}
