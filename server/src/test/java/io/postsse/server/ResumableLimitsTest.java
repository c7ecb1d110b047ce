package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** What ends a resumable stream besides its producer's return: limits, failures, and what a producer may not send. */
class ResumableLimitsTest {
    private static final String ID = "stream-id-for-the-limits-01";
    private static final String PROBLEM_START = "event: error\nid: " + ID + ":";

    private static String end(String outcome) {
        return "event: postsse.end\ndata: " + outcome + "\n\n";
    }

    /** A producer that sends the data until a send throws, and keeps what it threw. */
    private static final class UntilRefused implements EventProducer<Object> {
        final String data;
        final AtomicReference<RuntimeException> refused = new AtomicReference<>();
        final AtomicReference<RuntimeException> afterwards = new AtomicReference<>();
        final CountDownLatch done = new CountDownLatch(1);

        UntilRefused(String data) {
            this.data = data;
        }

        @Override
        public void produce(Object request, EventEmitter events) {
            try {
                while (true) {
                    events.send(data);
                }
            } catch (RuntimeException e) {
                refused.set(e);
                afterwards.set(assertThrows(RuntimeException.class, () -> events.send(data)));
                throw e; // as a producer that lets it propagate: not logged as a second failure
            } finally {
                done.countDown();
            }
        }

        void awaitDone() throws InterruptedException {
            assertTrue(done.await(10, TimeUnit.SECONDS), "the producer should stop");
        }
    }

    @Test
    void sendingPastMaxEventsPerStreamThrowsAndEndsTheStreamFailedAfterAnErrorEvent() throws Exception {
        UntilRefused producer = new UntilRefused("x");
        try (TestServer server = TestServer.start(sse -> {
            sse.maxEventsPerStream = 3;
            sse.post("/r", Object.class, producer).resumable();
        }); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            String body = post.readToEnd();
            producer.awaitDone();
            assertEquals(StreamCapacityException.class, producer.refused.get().getClass());
            assertTrue(producer.refused.get().getMessage().contains("3 events (maxEventsPerStream)"),
                    producer.refused.get().getMessage());
            assertEquals(StreamClosedException.class, producer.afterwards.get().getClass());
            String events = "id: " + ID + ":1\ndata: x\n\nid: " + ID + ":2\ndata: x\n\nid: " + ID + ":3\ndata: x\n\n";
            assertTrue(body.startsWith(events + PROBLEM_START + "4\ndata: {\"type\":\"about:blank\""), body);
            assertTrue(body.endsWith("\"status\":500,\"detail\":\"The stream was stopped: it grew past what the server "
                    + "keeps of one stream.\"}\n\n" + end("failed")), body);
        }
    }

    @Test
    void sendingPastMaxBytesPerStreamThrowsAndEndsTheStreamFailedAfterAnErrorEvent() throws Exception {
        UntilRefused producer = new UntilRefused("0123456789");
        String event = "id: " + ID + ":1\ndata: 0123456789\n\n"; // 52 bytes: two fit in 110, not three
        try (TestServer server = TestServer.start(sse -> {
            sse.maxBytesPerStream = 110;
            sse.post("/r", Object.class, producer).resumable();
        }); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            assertEquals(52, event.length());
            String body = post.readToEnd();
            producer.awaitDone();
            assertEquals(StreamCapacityException.class, producer.refused.get().getClass());
            assertTrue(producer.refused.get().getMessage().contains("110 bytes of events (maxBytesPerStream)"),
                    producer.refused.get().getMessage());
            assertTrue(body.startsWith(event + event.replace(":1\n", ":2\n") + PROBLEM_START + "3\n"), body);
            assertTrue(body.endsWith(end("failed")), body);
        }
    }

    @Test
    void fullEventLogDropsTheStreamThatEndedFirst() throws Exception {
        String kilobytes = "x".repeat(10_000);
        try (TestServer server = TestServer.start(sse -> {
            sse.maxLogBytes = 25_000; // two streams of one 10 kB event each, not three
            sse.post("/r", Object.class, (request, events) -> events.send(kilobytes)).resumable();
        })) {
            String[] ids = {"first-stream-0000000000001", "second-stream-000000000002", "third-stream-0000000000003"};
            for (String id : ids) {
                try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", id)) {
                    assertTrue(post.readToEnd().endsWith(end("completed")));
                }
            }
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ids[0] + ":1")) {
                get.problem(410);
            }
            for (String id : new String[] {ids[1], ids[2]}) {
                try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", id + ":0")) {
                    assertEquals("id: " + id + ":1\ndata: " + kilobytes + "\n\n" + end("completed"), get.readToEnd());
                }
            }
        }
    }

    @Test
    void fullEventLogWithOnlyRunningStreamsRefusesTheSend() throws Exception {
        UntilRefused producer = new UntilRefused("x".repeat(10_000));
        try (TestServer server = TestServer.start(sse -> {
            sse.maxLogBytes = 25_000;
            sse.post("/r", Object.class, producer).resumable();
        }); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            String body = post.readToEnd();
            producer.awaitDone();
            assertEquals(StreamCapacityException.class, producer.refused.get().getClass());
            assertTrue(producer.refused.get().getMessage().contains("maxLogBytes"), producer.refused.get().getMessage());
            assertTrue(body.contains("\n\n" + PROBLEM_START + "3\n"), "two events, then the error: " + body);
            assertTrue(body.endsWith(end("failed")), body);
        }
    }

    @Test
    void producerThatThrowsEndsTheStreamFailedAfterAnErrorEvent() throws Exception {
        try (TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, (request, events) -> {
            events.send("first");
            throw new IllegalStateException("broken on purpose");
        }).resumable()); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            assertEquals("id: " + ID + ":1\ndata: first\n\n" + PROBLEM_START + "2\ndata: {\"type\":\"about:blank\","
                    + "\"title\":\"Internal Server Error\",\"status\":500,\"detail\":\"The stream failed on the server.\"}\n\n"
                    + end("failed"), post.readToEnd());
        }
    }

    @Test
    void eventWithAnIdOfItsOwnIsRefused() throws Exception {
        AtomicReference<Exception> refused = new AtomicReference<>();
        try (TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, (request, events) -> {
            try {
                events.send(OutboundEvent.of("mine").id("7"));
            } catch (IllegalArgumentException e) {
                refused.set(e);
            }
            events.send("numbered");
        }).resumable()); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            assertEquals("id: " + ID + ":1\ndata: numbered\n\n" + end("completed"), post.readToEnd());
            assertTrue(refused.get().getMessage().contains("numbers its events"), refused.get().getMessage());
        }
    }

    @Test
    void commentsAndRetryGoOutWithTheNextEvent() throws Exception {
        try (TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, (request, events) -> {
            events.retry(Duration.ofMillis(1500));
            events.comment("hello");
            events.send("token", "one");
            events.comment("dropped: no event follows");
        }).resumable()); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            assertEquals("retry: 1500\n\n: hello\n\nevent: token\nid: " + ID + ":1\ndata: one\n\n" + end("completed"),
                    post.readToEnd());
        }
    }

    @Test
    void negativeResumeGraceFailsTheInstall() {
        Throwable failure = assertThrows(Throwable.class, () -> TestServer.start(sse -> {
            sse.resumeGrace = Duration.ofSeconds(-1);
            sse.post("/r", Object.class, (request, events) -> events.send("x")).resumable();
        }).close());
        while (!(failure instanceof IllegalArgumentException) && failure.getCause() != null) {
            failure = failure.getCause();
        }
        assertEquals(IllegalArgumentException.class, failure.getClass());
        assertTrue(failure.getMessage().contains("resumeGrace"), failure.getMessage());
    }

    @Test
    void keptOpenStreamEndsWhenClosedFromElsewhere() throws Exception {
        AtomicReference<EventEmitter> emitter = new AtomicReference<>();
        CountDownLatch handedOver = new CountDownLatch(1);
        try (TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, (request, events) -> {
            emitter.set(events.keepOpen());
            handedOver.countDown();
        }).resumable()); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            assertTrue(handedOver.await(10, TimeUnit.SECONDS));
            assertEquals(ID, emitter.get().streamId());
            assertEquals("", emitter.get().lastEventId());
            emitter.get().send("later");
            emitter.get().close();
            assertEquals("id: " + ID + ":1\ndata: later\n\n" + end("completed"), post.readToEnd());
        }
    }
}
