package io.postsse.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.postsse.client.EventStreamRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

class PostsseCliTest {
    /** One run of the CLI with its standard streams captured. */
    private record Result(int exitCode, String out, String err) {
    }

    /** A run that should end on its own, bounded: a timeout that does not fire would hang it. */
    private static Result runBounded(String... args) {
        return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run(new byte[0], args));
    }

    /**
     * A loopback server that answers each connection at once with the given bytes, without reading
     * the request, then sends nothing more and holds the connection open until closed.
     */
    private static final class SilentServer implements AutoCloseable {
        final AtomicInteger connections = new AtomicInteger();
        private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        SilentServer(String answer) throws IOException {
            Thread acceptor = new Thread(() -> {
                while (true) {
                    try {
                        Socket socket = listener.accept();
                        held.add(socket);
                        connections.incrementAndGet();
                        socket.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                        socket.getOutputStream().flush();
                    } catch (IOException e) {
                        return; // the listener is closed
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    /** A port that refuses connections: bound, then closed. */
    private static int refusingPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Result run(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PostsseCli.run(args, new ByteArrayInputStream(stdin),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void parsePrintsOneJsonLinePerEventThenTheEnd() {
        byte[] captured = ("\uFEFFretry: 2500\r\n: heartbeat\r\nevent: token\rid: 1\rdata: {\"text\":\"a\\nb\"}\r\n\r\n"
                + "data: line one\ndata: line two\n\ndata: \u00e9t\u00e9 \uD83C\uDF0D\n\nid\n\ndata: unterminated")
                .getBytes(StandardCharsets.UTF_8);
        Result result = run(captured, "parse");
        assertEquals(0, result.exitCode());
        assertEquals(String.join("\n",
                "{\"type\":\"token\",\"data\":\"{\\\"text\\\":\\\"a\\\\nb\\\"}\",\"lastEventId\":\"1\"}",
                "{\"type\":\"message\",\"data\":\"line one\\nline two\",\"lastEventId\":\"1\"}",
                "{\"type\":\"message\",\"data\":\"\u00e9t\u00e9 \uD83C\uDF0D\",\"lastEventId\":\"1\"}",
                "{\"end\":true,\"lastEventId\":\"\",\"retry\":2500}") + "\n", result.out().replace("\r\n", "\n"));
        assertEquals("", result.err());
    }

    @Test
    void parseReportsRetryAsNullWhenNoneWasValid() {
        Result result = run("retry: 1s\n\n".getBytes(StandardCharsets.UTF_8), "parse");
        assertEquals("{\"end\":true,\"lastEventId\":\"\",\"retry\":null}", result.out().trim());
    }

    @Test
    void versionIsTheProjectsVersion() {
        String expected = System.getProperty("postsse.expectedVersion");
        assertNotNull(expected, "the build passes the project's version to the tests");
        Result result = run(new byte[0], "--version");
        assertEquals(0, result.exitCode());
        assertEquals("postsse-cli " + expected, result.out().trim());
        assertEquals("", result.err());
    }

    /** Every usage error: one line, "postsse-cli: <message>", then the usage, and exit 2. */
    @Test
    void everyUsageErrorIsOneLineThenTheUsage() {
        String[][] badUsages = {
            {},
            {"fetch", "http://127.0.0.1:1/"},
            {"post"},
            {"post", "not a url"},
            {"post", "ftp://127.0.0.1/"},
            {"post", "http:///no-host"},
            {"post", "http://127.0.0.1:1/", "stray"},
            {"post", "http://127.0.0.1:1/", "--json"},
            {"post", "http://127.0.0.1:1/", "--jsn", "{}"},
            {"post", "http://127.0.0.1:1/", "-H", "nocolon"},
            {"post", "http://127.0.0.1:1/", "-H", "Host: elsewhere"},
            {"post", "http://127.0.0.1:1/", "--max-retries", "99999999999"},
            {"post", "http://127.0.0.1:1/", "--idle-timeout", "10s"},
            {"get", "http://127.0.0.1:1/", "--json", "{}"},
            {"parse", "extra"},
            {"--version", "extra"},
        };
        for (String[] args : badUsages) {
            Result result = run(new byte[0], args);
            String what = String.join(" ", args) + " gave:\n" + result.err();
            assertEquals(2, result.exitCode(), what);
            assertEquals("", result.out(), what);
            String[] firstAndRest = result.err().split("\\R", 2);
            assertTrue(firstAndRest[0].matches("postsse-cli: \\S.*"), what);
            assertEquals(PostsseCli.USAGE, firstAndRest[1].strip(), what);
        }
    }

    @Test
    void aRestrictedHeaderIsBadUsageSayingWhy() {
        Result result = run(new byte[0], "post", "http://127.0.0.1:1/", "-H", "Host: elsewhere");
        assertEquals(2, result.exitCode());
        assertTrue(result.err().startsWith("postsse-cli: cannot send this request: "), result.err());
        assertTrue(result.err().lines().findFirst().orElseThrow().contains("Host"), result.err());
    }

    @Test
    void timeoutsAreInSecondsWithDefaultsThatEndADeadServersStream() throws Exception {
        EventStreamRequest defaults = PostsseCli.request(new String[] {"post", "http://127.0.0.1:1/"});
        assertEquals(Duration.ofSeconds(10), defaults.connectTimeout());
        assertEquals(Duration.ofSeconds(60), defaults.idleTimeout());
        EventStreamRequest given = PostsseCli.request(new String[] {"get", "http://127.0.0.1:1/",
            "--connect-timeout", "2.5", "--idle-timeout", "0"});
        assertEquals(Duration.ofMillis(2500), given.connectTimeout());
        assertEquals(Duration.ZERO, given.idleTimeout(), "0 turns it off");
        for (String bad : new String[] {"-1", "1s", "500ms", "1.", ".5", "0.0001", "1e3", ""}) {
            Result result = run(new byte[0], "post", "http://127.0.0.1:1/", "--connect-timeout", bad);
            assertEquals(2, result.exitCode(), bad);
            assertTrue(result.err().startsWith("postsse-cli: --connect-timeout takes seconds"), result.err());
        }
    }

    @Test
    void unknownHostIsSaidInWords() {
        Result result = runBounded("post", "http://no-such-host.invalid/chat", "--max-retries", "0");
        assertEquals(1, result.exitCode());
        assertEquals("postsse-cli: cannot resolve host no-such-host.invalid\n", result.err().replace("\r\n", "\n"));
    }

    @Test
    void refusedConnectionIsSaidInWords() throws Exception {
        int port = refusingPort();
        Result result = runBounded("post", "http://127.0.0.1:" + port + "/chat", "--max-retries", "0");
        assertEquals(1, result.exitCode());
        assertEquals("postsse-cli: connection refused by 127.0.0.1:" + port + "\n", result.err().replace("\r\n", "\n"));
    }

    /** The listener is never accepted from: the system completes the connection, nobody answers. */
    @Test
    void connectTimeoutEndsAnAttemptWithNoResponse() throws Exception {
        try (ServerSocket neverAnswers = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = neverAnswers.getLocalPort();
            Result result = runBounded("post", "http://127.0.0.1:" + port + "/chat", "--connect-timeout", "0.3",
                    "--max-retries", "0");
            assertEquals(1, result.exitCode());
            assertEquals("postsse-cli: no response from 127.0.0.1:" + port + " within 300 ms (connect timeout)\n",
                    result.err().replace("\r\n", "\n"));
        }
    }

    /**
     * The head, then nothing: each attempt ends after the idle timeout. (No event either: an event
     * starts the count of failures in a row again.)
     */
    @Test
    void idleTimeoutEndsASilentStreamReconnectsThenExitsOne() throws Exception {
        try (SilentServer server = new SilentServer("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n")) {
            Result result = runBounded("post", "http://127.0.0.1:" + server.port() + "/chat", "--idle-timeout", "0.3",
                    "--max-retries", "1", "--retry-delay-ms", "10");
            assertEquals(1, result.exitCode(), result.err());
            assertEquals(2, server.connections.get(), "the first connection and one retry");
            assertEquals("", result.out());
            String silence = "postsse-cli: nothing from 127.0.0.1:" + server.port() + " for 300 ms (idle timeout)";
            assertEquals(List.of(silence + "; reconnecting", silence), result.err().lines().toList());
        }
    }

    @Test
    void tlsFailureIsSaidInWords() throws Exception {
        try (SilentServer plainHttp = new SilentServer("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")) {
            Result result = runBounded("post", "https://127.0.0.1:" + plainHttp.port() + "/chat", "--max-retries", "0");
            assertEquals(1, result.exitCode());
            assertEquals(1, result.err().lines().count(), result.err());
            assertTrue(result.err().startsWith("postsse-cli: TLS with 127.0.0.1:" + plainHttp.port() + " failed"),
                    result.err());
            assertFalse(result.err().contains("Exception"), result.err());
        }
    }

    @Test
    void anErrorBodyOfManyLinesIsPrintedOnOne() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/chat", exchange -> {
            byte[] body = "no such route\n\ttry /api/chat\r\n".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            Result result = runBounded("post", "http://127.0.0.1:" + server.getAddress().getPort() + "/chat");
            assertEquals(1, result.exitCode());
            assertEquals(List.of("postsse-cli: HTTP 404 \u2014 no such route  try /api/chat"), result.err().lines().toList());
        } finally {
            server.stop(0);
        }
    }

    /** Standard output that opens a latch once a whole line was written to it. */
    private static final class LineSignal extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CountDownLatch firstLine = new CountDownLatch(1);

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
            if (b == '\n') {
                firstLine.countDown();
            }
        }
    }

    @Test
    void interruptedStopsTheStreamAndExitsOne() throws Exception {
        try (SilentServer server = new SilentServer("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nb\r\ndata: one\n\n\r\n")) {
            LineSignal out = new LineSignal();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            AtomicInteger exitCode = new AtomicInteger(-1);
            Thread cli = new Thread(() -> exitCode.set(PostsseCli.run(
                    new String[] {"post", "http://127.0.0.1:" + server.port() + "/chat"}, new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))));
            cli.start();
            assertTrue(out.firstLine.await(10, TimeUnit.SECONDS), "the event should be printed");
            cli.interrupt();
            cli.join(10_000);
            assertFalse(cli.isAlive());
            assertEquals(1, exitCode.get());
            assertEquals("postsse-cli: interrupted; the stream was stopped", err.toString(StandardCharsets.UTF_8).trim());
        }
    }

    @Test
    void noCommandIsBadUsage() {
        Result result = run(new byte[0]);
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("usage: postsse-cli post URL"), result.err());
    }

    @Test
    void unknownCommandIsBadUsage() {
        assertEquals(2, run(new byte[0], "fetch", "http://x").exitCode());
    }

    @Test
    void postWithoutUrlIsBadUsage() {
        assertEquals(2, run(new byte[0], "post").exitCode());
        assertEquals(2, run(new byte[0], "post", "not a url").exitCode());
    }

    @Test
    void headerWithoutColonIsBadUsage() {
        assertEquals(2, run(new byte[0], "post", "http://127.0.0.1:1/", "-H", "nocolon").exitCode());
    }

    @Test
    void retryOptionsTakeWholeNumbers() {
        for (String option : new String[] {"--max-retries", "--retry-delay-ms"}) {
            for (String bad : new String[] {"-1", "x", "1.5", ""}) {
                Result result = run(new byte[0], "post", "http://127.0.0.1:1/", option, bad);
                assertEquals(2, result.exitCode(), option + " " + bad);
                assertTrue(result.err().contains(option + " takes a whole number"), result.err());
            }
        }
    }

    @Test
    void maxRetriesBoundsTheReconnectionsOfABrokenStream() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                // The first stream sends one event, then its connection drops before the last
                // chunk; each reconnection is answered 503.
                while (true) {
                    try (Socket socket = listener.accept()) {
                        int connection = connections.incrementAndGet();
                        InputStream in = socket.getInputStream();
                        StringBuilder head = new StringBuilder();
                        while (head.indexOf("\r\n\r\n") < 0) {
                            int read = in.read();
                            if (read < 0) {
                                break;
                            }
                            head.append((char) read);
                        }
                        String response = connection == 1
                                ? "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                        + "Transfer-Encoding: chunked\r\n\r\nb\r\ndata: one\n\n\r\n"
                                : "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                        socket.getOutputStream().write(response.getBytes(StandardCharsets.US_ASCII));
                        socket.getOutputStream().flush();
                    } catch (IOException e) {
                        return; // the listener is closed
                    }
                }
            });
            server.setDaemon(true);
            server.start();
            Result result = run(new byte[0], "post", "http://127.0.0.1:" + listener.getLocalPort() + "/chat",
                    "--max-retries", "2", "--retry-delay-ms", "10");
            assertEquals(1, result.exitCode(), result.out() + result.err());
            assertEquals(3, connections.get(), "the first connection and two retries");
            assertEquals("{\"type\":\"message\",\"data\":\"one\",\"lastEventId\":\"\"}", result.out().trim());
            assertEquals(List.of(
                    "postsse-cli: 127.0.0.1:" + listener.getLocalPort() + " closed the connection before the stream ended;"
                            + " reconnecting",
                    "postsse-cli: HTTP 503; reconnecting",
                    "postsse-cli: HTTP 503"), result.err().lines().toList());
        }
    }

    @Test
    void postStreamsTheResponseAsJsonLines() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/chat", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String header = exchange.getRequestHeaders().getFirst("X-Trace");
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().write(("event: echo\ndata: " + body + " " + header + "\n\n").getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        server.start();
        try {
            Result result = run(new byte[0], "post", "http://127.0.0.1:" + server.getAddress().getPort() + "/chat",
                    "--json", "{\"prompt\":\"hi\"}", "-H", "X-Trace: abc");
            assertEquals(0, result.exitCode(), result.err());
            assertEquals("{\"type\":\"echo\",\"data\":\"{\\\"prompt\\\":\\\"hi\\\"} abc\",\"lastEventId\":\"\"}",
                    result.out().trim());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void getTakesNoBody() {
        assertEquals(2, run(new byte[0], "get", "http://x", "--json", "{}").exitCode());
    }

    @Test
    void getWithLastEventIdResumesFromIt() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/chat", exchange -> {
            String seen = exchange.getRequestMethod() + " " + exchange.getRequestHeaders().getFirst("Last-Event-ID");
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().write(("data: " + seen + "\n\n").getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        server.start();
        try {
            Result result = run(new byte[0], "get", "http://127.0.0.1:" + server.getAddress().getPort() + "/chat",
                    "--last-event-id", "abc:7");
            assertEquals(0, result.exitCode(), result.err());
            assertEquals("{\"type\":\"message\",\"data\":\"GET abc:7\",\"lastEventId\":\"abc:7\"}", result.out().trim());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void failedPostExplainsOnStderrAndExitsOne() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/chat", exchange -> {
            byte[] problem = "{\"title\":\"Bad Request\",\"detail\":\"prompt is required\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
            exchange.sendResponseHeaders(400, problem.length);
            exchange.getResponseBody().write(problem);
            exchange.close();
        });
        server.start();
        try {
            Result result = run(new byte[0], "post", "http://127.0.0.1:" + server.getAddress().getPort() + "/chat");
            assertEquals(1, result.exitCode());
            assertEquals("postsse-cli: HTTP 400: Bad Request \u2014 prompt is required", result.err().trim());
            assertEquals("", result.out());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aStreamThatCarriedAnErrorEventExitsOne() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/chat", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().write(("data: one\n\nevent: error\ndata: {\"status\":502,"
                    + "\"title\":\"Bad Gateway\",\"detail\":\"the model did not answer\"}\n\n").getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        server.start();
        try {
            Result result = run(new byte[0], "post", "http://127.0.0.1:" + server.getAddress().getPort() + "/chat");
            assertEquals(1, result.exitCode(), result.err());
            assertEquals(2, result.out().trim().lines().count(), "every event printed, the error too");
            assertEquals("postsse-cli: the stream ended with an error event: Bad Gateway \u2014 the model did not answer",
                    result.err().trim());
        } finally {
            server.stop(0);
        }
    }
}
