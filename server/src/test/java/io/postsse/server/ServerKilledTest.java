package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    private ChildProcess server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    /** Starts {@link StreamingTestApp} and waits until it listens; returns the stream's URI. */
    private URI startServer() throws Exception {
        server = new ChildProcess(ChildProcess.java(StreamingTestApp.class.getName(), "50"), logs.resolve("server.log"));
        return URI.create("http://127.0.0.1:" + server.awaitPort() + "/ticks");
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
        try (ChildProcess cli = new ChildProcess(ChildProcess.java("io.postsse.client.cli.PostsseCli", "post", uri.toString(), "--json", "{}",
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
        try (ChildProcess curl = new ChildProcess(List.of(CURL.toString(), "-sN", "-X", "POST", "-H", "Content-Type: application/json",
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
