package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A server process killed in the middle of a stream, by SIGKILL or by SIGTERM: every client
 * reports a broken stream, never a complete one.
 */
class ServerKilledTest {
    private static final long WAIT_SECONDS = 20;
    private static final Path CURL = Path.of("/usr/bin/curl");

    /** How the server is killed. */
    enum Signal {
        /** {@code kill -9}: the process is gone at once, and the kernel closes its connections. */
        SIGKILL,
        /** {@code kill}: the JVM runs its shutdown hooks, which stop the app. */
        SIGTERM
    }

    @TempDir
    Path logs;

    /** The server process of the test, killed by it, and in any case after it. */
    private Child server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    /** A child process whose standard output is read line by line, and whose errors go to a file. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final Path errors;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final List<String> seen = new ArrayList<>();

        Child(List<String> command, Path errors) throws IOException {
            this.errors = errors;
            this.process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
            Thread reader = new Thread(() -> {
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

        /** The first line of output that matches, waiting for it at most 20 s. */
        String awaitLine(Predicate<String> wanted, String what) throws InterruptedException, IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    throw new AssertionError("no " + what + " within " + WAIT_SECONDS + " s; output: " + seen
                            + "; errors: " + Files.readString(errors));
                }
                seen.add(line);
                if (wanted.test(line)) {
                    return line;
                }
            }
        }

        /** The exit code, waiting for it at most 20 s. */
        int awaitExit() throws InterruptedException, IOException {
            assertTrue(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS),
                    "the process should exit; errors: " + Files.readString(errors));
            return process.exitValue();
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private static List<String> java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return command;
    }

    /** Starts {@link StreamingTestApp} and waits until it listens; returns the stream's URI. */
    private URI startServer() throws Exception {
        server = new Child(java(StreamingTestApp.class.getName(), "50"), logs.resolve("server.log"));
        String ready = server.awaitLine(line -> line.startsWith("port "), "port from the server");
        return URI.create("http://127.0.0.1:" + Integer.parseInt(ready.substring(5).trim()) + "/ticks");
    }

    private void killServer(Signal signal) throws Exception {
        if (signal == Signal.SIGKILL) {
            server.process.destroyForcibly();
        } else {
            server.process.destroy();
        }
        server.awaitExit();
    }

    @ParameterizedTest
    @EnumSource(Signal.class)
    void jvmClientReportsANetworkFailure(Signal signal) throws Exception {
        ClientStream stream = new ClientStream(startServer(), 3);
        try {
            stream.awaitEvents(WAIT_SECONDS);
            killServer(signal);
        } catch (RuntimeException | AssertionError | InterruptedException e) {
            stream.cancel();
            throw e;
        }
        stream.assertEndsAsANetworkFailure(WAIT_SECONDS);
    }

    @ParameterizedTest
    @EnumSource(Signal.class)
    void cliExitsWithAFailure(Signal signal) throws Exception {
        URI uri = startServer();
        try (Child cli = new Child(java("io.postsse.client.cli.PostsseCli", "post", uri.toString(), "--json", "{}",
                "--max-retries", "1", "--retry-delay-ms", "50"), logs.resolve("cli.log"))) {
            cli.awaitLine(line -> line.contains("\"data\":\"tick 3\""), "third event from the CLI");
            killServer(signal);
            int exit = cli.awaitExit();
            assertEquals(1, exit, "the CLI should fail; errors: " + Files.readString(cli.errors));
        }
    }

    @ParameterizedTest
    @EnumSource(Signal.class)
    void curlExitsWithAFailure(Signal signal) throws Exception {
        assumeTrue(Files.isExecutable(CURL), "needs " + CURL);
        URI uri = startServer();
        try (Child curl = new Child(List.of(CURL.toString(), "-sN", "-X", "POST", "-H", "Content-Type: application/json",
                "-d", "{}", uri.toString()), logs.resolve("curl.log"))) {
            curl.awaitLine(line -> line.equals("data: tick 3"), "third event from curl");
            killServer(signal);
            int exit = curl.awaitExit();
            // 18: "transfer closed with outstanding read data remaining"; 56: a reset connection.
            assertNotEquals(0, exit, "curl should fail");
            System.out.println("curl exited " + exit + " after " + signal);
        }
    }
}
