package io.postsse.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

class PostsseCliTest {
    /** One run of the CLI with its standard streams captured. */
    private record Result(int exitCode, String out, String err) {
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
            exchange.getResponseBody().write("data: one\n\nevent: error\ndata: {\"status\":502}\n\n"
                    .getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        server.start();
        try {
            Result result = run(new byte[0], "post", "http://127.0.0.1:" + server.getAddress().getPort() + "/chat");
            assertEquals(1, result.exitCode(), result.err());
            assertEquals(2, result.out().trim().lines().count(), "every event printed, the error too");
            assertEquals("postsse-cli: the stream ended with an error event", result.err().trim());
        } finally {
            server.stop(0);
        }
    }
}
