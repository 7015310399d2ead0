/* SPDX-License-Identifier: LGPL-2.1-or-later */

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/* A service that deadlocks, as a Java service speaks sd_notify without JNA:
 * through systemd-notify, run as a child process.
 *
 *   java [-Ddeadlock.notifier=PATH] Deadlock [DEADLOCK_AFTER_S [PING_MS [NOTIFIER]]]
 *
 * Starts two workers, order-writer and ledger-flusher, that take the
 * monitors of accounts and ledger (in that order) and bump a heartbeat,
 * then runs `NOTIFIER --ready --status=serving` (default systemd-notify;
 * the third argument wins over the property). The thread watchdog-pinger
 * runs `NOTIFIER WATCHDOG=1` every PING_MS (default 1000) only while the
 * heartbeat has advanced since its last look: the "ping only while
 * healthy" pattern. DEADLOCK_AFTER_S (default 5) seconds after READY=1,
 * ledger-flusher inverts the lock order (ledger, then accounts): a real
 * Java-level deadlock, made deterministic by two rendezvous: both workers
 * leave the old order before either takes a lock the new way, and both
 * hold their first monitor before either reaches for its second. The
 * heartbeat stops, so do the pings; the JVM lives on until SIGTERM (exit
 * 143, as any JVM). Every step is printed on stdout. systemd 252's
 * systemd-notify follows its datagram with BARRIER=1 and waits until the
 * receiver has read it, so a notification is heard before the child
 * exits (the receiver checks the sender's cgroup). */
public final class Deadlock {
    private static final Object ACCOUNTS = new Object();
    private static final Object LEDGER = new Object();
    private static final AtomicLong HEARTBEAT = new AtomicLong();
    /* both workers have left the old lock order */
    private static final CountDownLatch BOTH_OUT = new CountDownLatch(2);
    /* both workers hold their first monitor of the new order */
    private static final CountDownLatch BOTH_HOLD = new CountDownLatch(2);
    private static volatile boolean inverted;
    private static String notifier = "systemd-notify";

    private Deadlock() {}

    private static void say(String s) {
        System.out.println(Thread.currentThread().getName() + ": " + s);
        System.out.flush();
    }

    private static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void rendezvous(CountDownLatch latch) {
        latch.countDown();
        for (;;) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                /* keep waiting: the deadlock is the point */
            }
        }
    }

    /* Runs NOTIFIER ARGS... and waits for it; returns its exit status, or
     * -1 when it could not be started. */
    private static int sdNotify(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(notifier);
        for (String a : args) {
            cmd.add(a);
        }
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            return p.waitFor();
        } catch (IOException e) {
            say("cannot run " + String.join(" ", cmd) + ": " + e.getMessage());
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /* the healthy order: accounts, then ledger */
    private static void postOrder() {
        synchronized (ACCOUNTS) {
            synchronized (LEDGER) {
                HEARTBEAT.incrementAndGet();
            }
        }
    }

    /* the new order for this worker: first, then second; never returns */
    private static void lockInverted(Object first, Object second) {
        rendezvous(BOTH_OUT);
        synchronized (first) {
            say("holds " + (first == ACCOUNTS ? "accounts" : "ledger") + ", wants "
                + (second == ACCOUNTS ? "accounts" : "ledger"));
            rendezvous(BOTH_HOLD);
            synchronized (second) {
                HEARTBEAT.incrementAndGet();
            }
        }
    }

    private static void work(Object first, Object second) {
        while (!inverted) {
            postOrder();
            sleepMs(20);
        }
        lockInverted(first, second);
        say("unreachable: got both locks");
    }

    private static void ping(long pingMs) {
        long last = -1;
        boolean pinging = true;

        for (;;) {
            sleepMs(pingMs);
            long beat = HEARTBEAT.get();
            if (beat != last) {
                last = beat;
                int rc = sdNotify("WATCHDOG=1");
                say("sent WATCHDOG=1 at heartbeat " + beat + " (exit " + rc + ")");
                pinging = true;
            } else if (pinging) {
                pinging = false;
                say("heartbeat stuck at " + beat + " for " + pingMs + " ms: no more WATCHDOG=1");
            }
        }
    }

    public static void main(String[] args) {
        long deadlockAfterS = args.length > 0 ? Long.parseLong(args[0]) : 5;
        long pingMs = args.length > 1 ? Long.parseLong(args[1]) : 1000;
        notifier = args.length > 2 ? args[2] : System.getProperty("deadlock.notifier", "systemd-notify");

        Thread writer = new Thread(() -> work(ACCOUNTS, LEDGER), "order-writer");
        Thread flusher = new Thread(() -> work(LEDGER, ACCOUNTS), "ledger-flusher");
        writer.start();
        flusher.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> say("shutting down"), "shutdown-hook"));

        say("running " + notifier + " --ready --status=serving");
        int rc = sdNotify("--ready", "--status=serving");
        say(notifier + " --ready exited " + rc);

        Thread pinger = new Thread(() -> ping(pingMs), "watchdog-pinger");
        pinger.setDaemon(true);
        pinger.start();

        sleepMs(TimeUnit.SECONDS.toMillis(deadlockAfterS));
        say("inverting the lock order of ledger-flusher after " + deadlockAfterS + " s, heartbeat "
            + HEARTBEAT.get());
        inverted = true;
        for (;;) {
            sleepMs(3_600_000L);
        }
    }
}
