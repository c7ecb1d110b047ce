package io.postsse.server;

import io.postsse.testing.CapturedLog;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The lines a stream logs: a start line, and one end line that says the outcome and its cause, for
 * plain and resumable routes alike; a failure is logged once, in the end line, with the stack trace
 * of an exception the producer threw and nothing else.
 */
class StreamLogTest {
    private static final String PROBLEM_DETAIL = "The model server answered 401.";

    /** The whole line slf4j-simple writes for a message of the streams' logger. */
    private static Pattern line(String level, String regex) {
        return Pattern.compile("\\[.*\\] " + level + " io\\.postsse\\.server\\.streams - " + regex);
    }

    private static Pattern startLine(String id, String path, boolean resumable) {
        return line("INFO", Pattern.quote("Stream " + id + " started: POST " + path + (resumable ? " (resumable)" : "")));
    }

    /** An end line: its milliseconds any number; {@code events} the exact text, such as "2 events". */
    private static Pattern endLine(String level, String id, String outcome, String events, String cause) {
        return line(level, Pattern.quote("Stream " + id + " " + outcome + " after ") + "\\d+"
                + Pattern.quote(" ms, " + events + (cause == null ? "" : ": " + cause)));
    }

    /**
     * Waits for the stream's end line, then asserts that the stream logged its start line and that
     * line, nothing else.
     */
    private static void assertLoggedOnly(CapturedLog log, String id, String path, boolean resumable, Pattern end)
            throws InterruptedException {
        log.awaitLine(end);
        List<String> lines = log.linesWith(id);
        assertEquals(2, lines.size(), String.join("\n", log.lines()));
        assertEquals(true, startLine(id, path, resumable).matcher(lines.get(0)).matches(), lines.get(0));
        assertEquals(true, end.matcher(lines.get(1)).matches(), lines.get(1));
    }

    private static String idOf(CompletableFuture<String> streamId) throws Exception {
        return streamId.get(10, TimeUnit.SECONDS);
    }

    /** A producer that sends one event, then waits until it is stopped. */
    private static EventProducer<Object> oneEventThenWait(CompletableFuture<String> streamId) {
        return (request, events) -> {
            streamId.complete(events.streamId());
            events.send("a");
            new CountDownLatch(1).await(); // until interrupted
        };
    }

    // ---- plain routes ----

    @Test
    void aCompletedStreamSaysSo() throws Exception {
        CompletableFuture<String> streamId = new CompletableFuture<>();
        try (CapturedLog log = new CapturedLog();
                TestServer server = TestServer.start(sse -> sse.post("/s", Object.class, (request, events) -> {
                    streamId.complete(events.streamId());
                    events.send("a");
                    events.send("b");
                })); RawHttp post = RawHttp.post(server, "/s", "{}")) {
            assertEquals("data: a\n\ndata: b\n\n", post.readToEnd());
            String id = idOf(streamId);
            assertLoggedOnly(log, id, "/s", false, endLine("INFO", id, "completed", "2 events", null));
        }
    }

    @Test
    void aStreamWhoseClientWentAwaySaysSo() throws Exception {
        CompletableFuture<String> streamId = new CompletableFuture<>();
        try (CapturedLog log = new CapturedLog();
                TestServer server = TestServer.start(sse -> sse.post("/s", Object.class, oneEventThenWait(streamId)))) {
            try (RawHttp post = RawHttp.post(server, "/s", "{}")) {
                post.readUntil("data: a\n\n");
            }
            String id = idOf(streamId);
            assertLoggedOnly(log, id, "/s", false, endLine("INFO", id, "cancelled", "1 event", "the client went away"));
        }
    }

    @Test
    void aStreamTheProducerFailedSaysItsStatusAndDetailOnce() throws Exception {
        CompletableFuture<String> streamId = new CompletableFuture<>();
        try (CapturedLog log = new CapturedLog();
                TestServer server = TestServer.start(sse -> sse.post("/s", Object.class, (request, events) -> {
                    streamId.complete(events.streamId());
                    events.send("a");
                    events.fail(502, PROBLEM_DETAIL);
                })); RawHttp post = RawHttp.post(server, "/s", "{}")) {
            post.readToEnd();
            String id = idOf(streamId);
            assertLoggedOnly(log, id, "/s", false, endLine("INFO", id, "failed", "1 event",
                    "the producer ended it with 502: " + PROBLEM_DETAIL));
            assertEquals(1, log.linesWith(PROBLEM_DETAIL).size(), String.join("\n", log.lines()));
        }
    }

    @Test
    void aStreamWhoseProducerThrewLogsTheStackTraceOnceWithItsEndLine() throws Exception {
        CompletableFuture<String> streamId = new CompletableFuture<>();
        try (CapturedLog log = new CapturedLog();
                TestServer server = TestServer.start(sse -> sse.post("/s", Object.class, (request, events) -> {
                    streamId.complete(events.streamId());
                    throw new IllegalStateException("the producer's own failure");
                })); RawHttp post = RawHttp.post(server, "/s", "{}")) {
            post.readToEnd();
            String id = idOf(streamId);
            assertLoggedOnly(log, id, "/s", false, endLine("WARN", id, "failed", "0 events",
                    "the producer threw java.lang.IllegalStateException: the producer's own failure"));
            assertStackTraceOnce(log);
        }
    }

    /** The stack trace of the producer's exception, logged once: its head line, then its frames. */
    private static void assertStackTraceOnce(CapturedLog log) {
        List<String> lines = log.lines();
        List<String> heads = lines.stream()
                .filter(l -> l.equals("java.lang.IllegalStateException: the producer's own failure")).toList();
        assertEquals(1, heads.size(), String.join("\n", lines));
        int head = lines.indexOf(heads.get(0));
        assertEquals(true, lines.get(head + 1).startsWith("\tat io.postsse.server.StreamLogTest"), lines.get(head + 1));
        assertEquals(1, log.linesWith("the producer's own failure").size() - 1, String.join("\n", lines));
    }

    @Test
    void aStreamPastItsTimeLimitSaysWhichLimit() throws Exception {
        CompletableFuture<String> streamId = new CompletableFuture<>();
        try (CapturedLog log = new CapturedLog(); TestServer server = TestServer.start(sse -> {
            sse.maxStreamDuration = Duration.ofMillis(300);
            sse.post("/s", Object.class, oneEventThenWait(streamId));
        }); RawHttp post = RawHttp.post(server, "/s", "{}")) {
            post.readToEnd();
            String id = idOf(streamId);
            assertLoggedOnly(log, id, "/s", false, endLine("INFO", id, "timed out", "1 event",
                    "maxStreamDuration (300 ms) reached"));
        }
    }

    @Test
    void aStreamWhoseClientStoppedReadingSaysForHowLong() throws Exception {
        String payload = "x".repeat(16 * 1024);
        CompletableFuture<String> streamId = new CompletableFuture<>();
        try (CapturedLog log = new CapturedLog(); TestServer server = TestServer.start(sse -> {
            sse.maxBufferedBytes = 64 * 1024;
            sse.sendTimeout = Duration.ofMillis(300);
            sse.post("/s", Object.class, (request, events) -> {
                streamId.complete(events.streamId());
                while (true) {
                    events.send(payload);
                }
            });
        }); Socket socket = server.openRawPost("/s", "{}", 4096)) {
            TestServer.readUntil(socket, "\r\n\r\n"); // and no more
            String id = idOf(streamId);
            Pattern end = line("INFO", Pattern.quote("Stream " + id + " timed out after ") + "\\d+ ms, \\d+ events"
                    + Pattern.quote(": the client did not read for 300 ms (sendTimeout)"));
            assertLoggedOnly(log, id, "/s", false, end);
        }
    }

    @Test
    void aStreamCutByTheServersStopSaysSo() throws Exception {
        CompletableFuture<String> streamId = new CompletableFuture<>();
        try (CapturedLog log = new CapturedLog()) {
            TestServer server = TestServer.start(sse -> sse.post("/s", Object.class, oneEventThenWait(streamId)));
            try (RawHttp post = RawHttp.post(server, "/s", "{}")) {
                post.readUntil("data: a\n\n");
                server.close();
            }
            String id = idOf(streamId);
            assertLoggedOnly(log, id, "/s", false, endLine("INFO", id, "cancelled", "1 event", "the server is stopping"));
        }
    }

    // ---- resumable routes ----

    private static final String ID = "stream-id-of-the-log-tests";

    @Test
    void aCompletedResumableStreamSaysSo() throws Exception {
        try (CapturedLog log = new CapturedLog();
                TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, (request, events) -> {
                    events.send("a");
                    events.send("b");
                }).resumable()); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readToEnd();
            assertLoggedOnly(log, ID, "/r", true, endLine("INFO", ID, "completed", "2 events", null));
        }
    }

    @Test
    void aResumableStreamTheProducerFailedSaysItsStatusAndDetailOnce() throws Exception {
        try (CapturedLog log = new CapturedLog();
                TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, (request, events) -> {
                    events.send("a");
                    events.fail(502, PROBLEM_DETAIL);
                }).resumable()); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readToEnd();
            assertLoggedOnly(log, ID, "/r", true, endLine("INFO", ID, "failed", "1 event",
                    "the producer ended it with 502: " + PROBLEM_DETAIL));
            assertEquals(1, log.linesWith(PROBLEM_DETAIL).size(), String.join("\n", log.lines()));
        }
    }

    @Test
    void aResumableStreamWhoseProducerThrewLogsTheStackTraceOnceWithItsEndLine() throws Exception {
        try (CapturedLog log = new CapturedLog();
                TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, (request, events) -> {
                    throw new IllegalStateException("the producer's own failure");
                }).resumable()); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readToEnd();
            assertLoggedOnly(log, ID, "/r", true, endLine("WARN", ID, "failed", "0 events",
                    "the producer threw java.lang.IllegalStateException: the producer's own failure"));
            assertStackTraceOnce(log);
        }
    }

    @Test
    void aResumableStreamStoppedByItsClientSaysSo() throws Exception {
        CompletableFuture<String> streamId = new CompletableFuture<>();
        try (CapturedLog log = new CapturedLog();
                TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, oneEventThenWait(streamId))
                        .resumable()); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readUntil("data: a\n\n");
            try (RawHttp stop = RawHttp.send(server, "DELETE", "/r", null, "Postsse-Stream", ID)) {
                assertEquals(204, stop.status());
            }
            assertLoggedOnly(log, ID, "/r", true, endLine("INFO", ID, "cancelled", "1 event", "stopped by its client"));
        }
    }

    @Test
    void aResumableStreamLeftWithoutAClientSaysForHowLong() throws Exception {
        CompletableFuture<String> streamId = new CompletableFuture<>();
        try (CapturedLog log = new CapturedLog(); TestServer server = TestServer.start(sse -> {
            sse.resumeGrace = Duration.ofMillis(200);
            sse.post("/r", Object.class, oneEventThenWait(streamId)).resumable();
        })) {
            try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                post.readUntil("data: a\n\n");
            }
            assertLoggedOnly(log, ID, "/r", true, endLine("INFO", ID, "cancelled", "1 event",
                    "no client attached for 200 ms (resumeGrace)"));
        }
    }

    @Test
    void aResumableStreamPastItsTimeLimitSaysWhichLimit() throws Exception {
        CompletableFuture<String> streamId = new CompletableFuture<>();
        try (CapturedLog log = new CapturedLog(); TestServer server = TestServer.start(sse -> {
            sse.maxStreamDuration = Duration.ofMillis(300);
            sse.post("/r", Object.class, oneEventThenWait(streamId)).resumable();
        }); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readToEnd();
            assertLoggedOnly(log, ID, "/r", true, endLine("INFO", ID, "timed out", "1 event",
                    "maxStreamDuration (300 ms) reached"));
        }
    }

    @Test
    void aResumableStreamPastItsEventLimitSaysWhichLimit() throws Exception {
        try (CapturedLog log = new CapturedLog(); TestServer server = TestServer.start(sse -> {
            sse.maxEventsPerStream = 2;
            sse.post("/r", Object.class, (request, events) -> {
                for (int i = 0; i < 3; i++) {
                    events.send("e" + i);
                }
            }).resumable();
        }); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readToEnd();
            assertLoggedOnly(log, ID, "/r", true, endLine("INFO", ID, "failed", "2 events",
                    "The stream " + ID + " reached its limit of 2 events (maxEventsPerStream)."));
        }
    }

    @Test
    void aResumableStreamCutByTheServersStopSaysSo() throws Exception {
        CompletableFuture<String> streamId = new CompletableFuture<>();
        try (CapturedLog log = new CapturedLog()) {
            TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, oneEventThenWait(streamId)).resumable());
            try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                post.readUntil("data: a\n\n");
                server.close();
            }
            assertLoggedOnly(log, ID, "/r", true, endLine("INFO", ID, "cancelled", "1 event", "the server is stopping"));
        }
    }
}
