/* SPDX-License-Identifier: LGPL-2.1-or-later */

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/* The application of tests/integration/test-jsw-import.sh, run as a JSW
 * wrapper.conf would run it (its main class after WrapperSimpleApp, or its
 * jar after WrapperJarApp). It counts its runs in a file and acts on the
 * run number:
 *
 *   JswApp --count FILE [--exit RUN:WHEN:CODE]... [--say RUN:WHEN:TEXT]...
 *
 * prints "JswApp run N", its class path and $GREETING (not its arguments:
 * a filter on the text of --say would match them), then in run N prints
 * TEXT and exits with CODE WHEN it is time: WHEN is milliseconds after the
 * start, or a file that must exist (the test creates it); otherwise it
 * idles until it is stopped. */
public final class JswApp {
    private JswApp() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Path count = null;
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--count")) {
                count = Paths.get(args[i + 1]);
            }
        }
        int run = 1;
        if (count != null) {
            if (Files.exists(count)) {
                run = Integer.parseInt(new String(Files.readAllBytes(count), StandardCharsets.UTF_8).trim()) + 1;
            }
            Files.write(count, Integer.toString(run).getBytes(StandardCharsets.UTF_8));
        }
        System.out.println("JswApp run " + run + " with " + args.length + " arguments");
        System.out.println("JswApp class path " + System.getProperty("java.class.path"));
        System.out.println("JswApp GREETING=" + System.getenv("GREETING"));
        System.out.flush();

        long start = System.currentTimeMillis();
        String say = null;
        String sayWhen = null;
        int code = -1;
        String exitWhen = null;
        for (int i = 0; i + 1 < args.length; i++) {
            String[] f = args[i + 1].split(":", 3);
            if (f.length != 3 || !f[0].equals(Integer.toString(run))) {
                continue;
            }
            if (args[i].equals("--say")) {
                say = f[2];
                sayWhen = f[1];
            } else if (args[i].equals("--exit")) {
                code = Integer.parseInt(f[2]);
                exitWhen = f[1];
            }
        }
        for (;;) {
            if (say != null && due(sayWhen, start)) {
                System.out.println(say);
                System.out.flush();
                say = null;
            }
            if (code >= 0 && due(exitWhen, start)) {
                System.out.println("JswApp run " + run + " exits with " + code);
                System.out.flush();
                System.exit(code);
            }
            Thread.sleep(50);
        }
    }

    private static boolean due(String when, long start) {
        if (when.matches("[0-9]+")) {
            return System.currentTimeMillis() >= start + Long.parseLong(when);
        }
        return Files.exists(Paths.get(when));
    }
}
