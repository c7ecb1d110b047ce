package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child process of the test, such as a server of its own: its standard output is read line by
 * line, its errors go to a file. Closing it kills it ({@code kill -9}).
 */
final class ChildProcess implements AutoCloseable {
    private static final long WAIT_SECONDS = 20;

    final Process process;
    final Path errors;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Thread reader;

    ChildProcess(List<String> command, Path errors) throws IOException {
        this.errors = errors;
        this.process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        this.reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, "read " + command.get(0));
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Called by the {@code main} of a test server run as a child process, once its app listens:
     * stops the app when the JVM is asked to exit (SIGTERM), as a well-behaved app does; halts
     * when standard input closes, so that it never outlives the test's JVM; and prints
     * {@code port N}, which {@link #awaitPort()} waits for.
     */
    static void serve(io.javalin.Javalin app) {
        Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "stop-app"));
        Thread orphanGuard = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing is sent on standard input: only its end matters
                }
            } catch (IOException e) {
                // the same as its end
            }
            Runtime.getRuntime().halt(3);
        }, "orphan-guard");
        orphanGuard.setDaemon(true);
        orphanGuard.start();
        System.out.println("port " + app.port());
        System.out.flush();
    }

    /** The command that runs the class's {@code main} in a JVM like this one, on the test's class path. */
    static List<String> java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss512k", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return command;
    }

    long pid() {
        return process.pid();
    }

    /** The first line of output that matches, waiting for it at most 20 s. */
    String awaitLine(Predicate<String> wanted, String what) throws InterruptedException, IOException {
        return awaitLine(wanted, what, WAIT_SECONDS);
    }

    private String awaitLine(Predicate<String> wanted, String what, long waitSeconds) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (line == null) {
                throw new AssertionError("no " + what + " within " + waitSeconds + " s; output: " + seen
                        + "; errors: " + Files.readString(errors));
            }
            seen.add(line);
            if (wanted.test(line)) {
                return line;
            }
        }
    }

    /**
     * Waits for the {@code port N} line a test server prints once it listens, and returns N; at most
     * a minute: a JVM starting on a loaded two-core machine can take many seconds.
     */
    int awaitPort() throws InterruptedException, IOException {
        return Integer.parseInt(awaitLine(line -> line.startsWith("port "), "port from the server", 60).substring(5).trim());
    }

    /**
     * Every line the process printed, once it exited and its output was read to the end (waiting
     * for that at most 20 s): what a test still learns from a process it killed.
     */
    List<String> outputAfterExit() throws InterruptedException, IOException {
        awaitExit();
        reader.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertTrue(!reader.isAlive(), "the output of the process should end with it");
        lines.drainTo(seen);
        return List.copyOf(seen);
    }

    /** The exit code, waiting for it at most 20 s. */
    int awaitExit() throws InterruptedException, IOException {
        assertTrue(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS),
                "the process should exit; errors: " + Files.readString(errors));
        return process.exitValue();
    }

    /** Kills the process at once, as {@code kill -9} does, and waits for it to be gone. */
    void kill9() throws InterruptedException, IOException {
        process.destroyForcibly();
        awaitExit();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
    }
}
