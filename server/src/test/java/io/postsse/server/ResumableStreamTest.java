package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Resumable routes on the wire: the start, attaching by POST and GET, the end marker, 410, the grace period. */
class ResumableStreamTest {
    private static final String ID = "stream-id-for-the-tests-0001";

    /**
     * A producer that sends "one", "two" and "three", waits for {@link #gate}, sends "four" and
     * "five", and returns; it counts its runs and notes its cancellation.
     */
    static final class Scripted implements EventProducer<Object> {
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch sentThree = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch cancelled = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);
        final CountDownLatch returned = new CountDownLatch(1);

        @Override
        public void produce(Object request, EventEmitter events) throws Exception {
            runs.incrementAndGet();
            events.onCancel(cancelled::countDown);
            try {
                events.send("one");
                events.send("two");
                events.send("three");
                sentThree.countDown();
                gate.await();
                events.send("four");
                events.send("five");
            } catch (InterruptedException e) {
                interrupted.countDown();
            } finally {
                returned.countDown();
            }
        }
    }

    private static TestServer server(Scripted producer, Consumer<PostSse> settings) {
        return TestServer.start(sse -> {
            settings.accept(sse);
            sse.post("/r", Object.class, producer).resumable();
        });
    }

    private static TestServer server(Scripted producer) {
        return server(producer, sse -> {
        });
    }

    private static String event(String id, int seq, String data) {
        return "id: " + id + ":" + seq + "\ndata: " + data + "\n\n";
    }

    private static String events(String id, int from, int to) {
        String[] words = {"", "one", "two", "three", "four", "five"};
        StringBuilder out = new StringBuilder();
        for (int seq = from; seq <= to; seq++) {
            out.append(event(id, seq, words[seq]));
        }
        return out.toString();
    }

    private static String end(String outcome) {
        return "event: postsse.end\ndata: " + outcome + "\n\n";
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertTrue(latch.await(10, TimeUnit.SECONDS), what);
    }

    @Test
    void startNamesTheStreamNumbersItsEventsAndEndsWithTheEndMarker() throws Exception {
        Scripted producer = new Scripted();
        producer.gate.countDown();
        try (TestServer server = server(producer); RawHttp post = RawHttp.post(server, "/r", "{}")) {
            assertEquals(200, post.status());
            String id = post.header("Postsse-Stream");
            assertTrue(id.matches("[A-Za-z0-9_-]{22,64}"), id);
            assertTrue(post.header("Content-Type").startsWith("text/event-stream"), post.header("Content-Type"));
            assertEquals("no-cache", post.header("Cache-Control"));
            assertEquals("no", post.header("X-Accel-Buffering"));
            assertEquals("chunked", post.header("Transfer-Encoding"));
            assertEquals("close", post.header("Connection"));
            assertEquals(events(id, 1, 5) + end("completed"), post.readToEnd());
            assertEquals(1, producer.runs.get());
        }
    }

    @Test
    void startUsesTheProposedStreamId() throws Exception {
        Scripted producer = new Scripted();
        producer.gate.countDown();
        try (TestServer server = server(producer);
                RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            assertEquals(ID, post.header("Postsse-Stream"));
            assertEquals(events(ID, 1, 5) + end("completed"), post.readToEnd());
        }
    }

    @Test
    void invalidProposedStreamIdIsABadRequest() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer);
                RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", "too-short")) {
            assertTrue(post.problem(400).contains("Postsse-Stream"));
            assertEquals(0, producer.runs.get());
        }
    }

    @Test
    void postWithLastEventIdReplaysTheMissedEventsThenLiveOnesThenTheEnd() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer)) {
            String id;
            try (RawHttp first = RawHttp.post(server, "/r", "{}")) {
                id = first.header("Postsse-Stream");
                first.readUntil(event(id, 3, "three"));
            }
            try (RawHttp again = RawHttp.post(server, "/r", "not even JSON", "Last-Event-ID", id + ":1")) {
                assertEquals(200, again.status());
                assertEquals(id, again.header("Postsse-Stream"));
                assertEquals(events(id, 2, 3), again.readUntil(event(id, 3, "three")));
                producer.gate.countDown();
                assertEquals(events(id, 2, 5) + end("completed"), again.readToEnd());
            }
            assertEquals(1, producer.runs.get());
        }
    }

    @Test
    void getWithLastEventIdHeaderReplaysTheMissedEventsThenLiveOnesThenTheEnd() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer)) {
            RawHttp first = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID);
            first.readUntil(event(ID, 2, "two"));
            first.close();
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":2")) {
                assertEquals(200, get.status());
                assertEquals(event(ID, 3, "three"), get.readUntil(event(ID, 3, "three")));
                producer.gate.countDown();
                assertEquals(events(ID, 3, 5) + end("completed"), get.readToEnd());
            }
            assertEquals(1, producer.runs.get());
        }
    }

    @Test
    void lastEventIdQueryParameterAttachesByGetAndByPost() throws Exception {
        Scripted producer = new Scripted();
        producer.gate.countDown();
        try (TestServer server = server(producer)) {
            try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                post.readToEnd();
            }
            try (RawHttp get = RawHttp.get(server, "/r?lastEventId=" + ID + ":4")) {
                assertEquals(events(ID, 5, 5) + end("completed"), get.readToEnd());
            }
            try (RawHttp post = RawHttp.post(server, "/r?lastEventId=" + ID + ":0", "{}")) {
                assertEquals(events(ID, 1, 5) + end("completed"), post.readToEnd());
            }
            try (RawHttp get = RawHttp.get(server, "/r?lastEventId=" + ID + ":5")) {
                assertEquals(end("completed"), get.readToEnd());
            }
            assertEquals(1, producer.runs.get());
        }
    }

    @Test
    void longReplayArrivesWholeInOrderAndOnce() throws Exception {
        // More entries than one read of the log, more bytes than one write.
        int count = 5000;
        String padding = "x".repeat(100);
        try (TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, (request, events) -> {
            for (int i = 1; i <= count; i++) {
                events.send("token", i + padding);
            }
        }).resumable())) {
            try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                post.readToEnd();
            }
            int from = 1234;
            StringBuilder expected = new StringBuilder();
            for (int seq = from + 1; seq <= count; seq++) {
                expected.append("event: token\nid: ").append(ID).append(':').append(seq).append("\ndata: ")
                        .append(seq).append(padding).append("\n\n");
            }
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":" + from)) {
                assertEquals(expected + end("completed"), get.readToEnd());
            }
        }
    }

    @Test
    void attachingNeverRunsTheProducerAgain() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer)) {
            try (RawHttp first = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                first.readUntil(event(ID, 3, "three"));
            }
            for (int i = 0; i < 3; i++) {
                try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":" + i);
                        RawHttp post = RawHttp.post(server, "/r", "{}", "Last-Event-ID", ID + ":" + i)) {
                    get.readUntil(event(ID, 3, "three"));
                    post.readUntil(event(ID, 3, "three"));
                }
            }
            producer.gate.countDown();
            await(producer.returned, "the producer should return");
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":0")) {
                assertEquals(events(ID, 1, 5) + end("completed"), get.readToEnd());
            }
            assertEquals(1, producer.runs.get());
        }
    }

    @Test
    void postSentAgainWithTheSameStreamIdAttachesFromTheStart() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer)) {
            try (RawHttp first = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                first.readUntil(event(ID, 1, "one"));
            }
            // The same POST again, as a client would after a cut before it saw any answer; the
            // body is not even looked at.
            try (RawHttp again = RawHttp.post(server, "/r", "[", "Postsse-Stream", ID)) {
                assertEquals(200, again.status());
                again.readUntil(event(ID, 3, "three"));
                producer.gate.countDown();
                assertEquals(events(ID, 1, 5) + end("completed"), again.readToEnd());
            }
            assertEquals(1, producer.runs.get());
        }
    }

    @Test
    void lastEventIdOfAnUnknownStreamIsGone() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer);
                RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":3");
                RawHttp post = RawHttp.post(server, "/r", "{}", "Last-Event-ID", ID + ":0")) {
            String problem = get.problem(410);
            assertTrue(problem.contains("\"status\":410"), problem);
            assertTrue(problem.contains("\"title\":\"Gone\""), problem);
            assertTrue(problem.contains(ID), problem);
            post.problem(410);
            assertEquals(0, producer.runs.get());
        }
    }

    @Test
    void malformedLastEventIdIsGone() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer)) {
            for (String malformed : new String[] {"42", ID, ID + ":", ID + ":x1", ID + ":-1", "short:1", ":5",
                    ID + "!:1"}) {
                try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", malformed);
                        RawHttp post = RawHttp.post(server, "/r", "{}", "Last-Event-ID", malformed)) {
                    assertTrue(get.problem(410).contains("names no resumable stream"), malformed);
                    post.problem(410);
                }
            }
            assertEquals(0, producer.runs.get());
        }
    }

    @Test
    void getWithoutLastEventIdIsABadRequest() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer); RawHttp get = RawHttp.get(server, "/r")) {
            assertTrue(get.problem(400).contains("Last-Event-ID"));
        }
    }

    @Test
    void streamIsGoneOnceItsRetentionHasPassed() throws Exception {
        Scripted producer = new Scripted();
        producer.gate.countDown();
        try (TestServer server = server(producer, sse -> sse.retention = Duration.ofMillis(200))) {
            try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                assertEquals(events(ID, 1, 5) + end("completed"), post.readToEnd());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":5")) {
                    if (get.status() == 410) {
                        get.problem(410);
                        break;
                    }
                    // Still held, then either read to its end, or dropped while being read: a cut.
                    assertEquals(get.readToCloseEndedNormally() ? end("completed") : "", get.body());
                }
                assertTrue(System.nanoTime() < deadline, "the stream should be gone after its retention");
            }
        }
    }

    @Test
    void droppedConnectionDoesNotCancelTheProducer() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer)) {
            try (RawHttp first = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                first.readUntil(event(ID, 1, "one"));
            }
            await(producer.sentThree, "the producer should go on");
            producer.gate.countDown();
            await(producer.returned, "the producer should return by itself");
            assertEquals(1, producer.cancelled.getCount(), "the producer should not be cancelled");
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":1")) {
                assertEquals(events(ID, 2, 5) + end("completed"), get.readToEnd());
            }
        }
    }

    @Test
    void producerWithNoClientAttachedIsCancelledAfterTheResumeGrace() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer, sse -> sse.resumeGrace = Duration.ofMillis(300))) {
            long cut;
            try (RawHttp first = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                first.readUntil(event(ID, 3, "three"));
                cut = System.nanoTime();
            }
            await(producer.cancelled, "the producer should be cancelled");
            assertTrue(System.nanoTime() - cut >= TimeUnit.MILLISECONDS.toNanos(300), "not before the grace period");
            await(producer.interrupted, "the producer should be interrupted");
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":3")) {
                assertEquals(end("cancelled"), get.readToEnd());
            }
        }
    }

    @Test
    void attachedClientKeepsTheProducerRunningPastTheResumeGrace() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer, sse -> sse.resumeGrace = Duration.ofMillis(100))) {
            try (RawHttp first = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                first.readUntil(event(ID, 3, "three"));
            }
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":3")) {
                assertEquals(200, get.status());
                // Several grace periods with a client attached: the producer is not cancelled.
                assertFalse(producer.cancelled.await(500, TimeUnit.MILLISECONDS), "the producer should run on");
                producer.gate.countDown();
                assertEquals(events(ID, 4, 5) + end("completed"), get.readToEnd());
            }
        }
    }

    @Test
    void deleteCancelsTheProducerAtOnceAndReadersGetCancelled() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer);
                RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readUntil(event(ID, 3, "three"));
            RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":1");
            get.readUntil(event(ID, 3, "three"));
            try (RawHttp delete = RawHttp.send(server, "DELETE", "/r", null, "Postsse-Stream", ID)) {
                assertEquals(204, delete.status());
            }
            await(producer.cancelled, "the cancel callback should run");
            await(producer.interrupted, "the producer should be interrupted");
            assertEquals(events(ID, 1, 3) + end("cancelled"), post.readToEnd());
            assertEquals(events(ID, 2, 3) + end("cancelled"), get.readToEnd());
            get.close();
        }
    }

    @Test
    void deleteNamesTheStreamByQueryToo() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer);
                RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readUntil(event(ID, 3, "three"));
            try (RawHttp delete = RawHttp.send(server, "DELETE", "/r?stream=" + ID, null)) {
                assertEquals(204, delete.status());
            }
            await(producer.cancelled, "the cancel callback should run");
            assertEquals(events(ID, 1, 3) + end("cancelled"), post.readToEnd());
        }
    }

    @Test
    void deleteBeforeTheStartMakesTheStartGone() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer)) {
            try (RawHttp delete = RawHttp.send(server, "DELETE", "/r", null, "Postsse-Stream", ID)) {
                assertEquals(204, delete.status());
            }
            try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                assertTrue(post.problem(410).contains(ID));
            }
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":0")) {
                get.problem(410);
            }
            assertEquals(0, producer.runs.get());
        }
    }

    @Test
    void deleteWithoutAStreamIdIsABadRequest() throws Exception {
        try (TestServer server = server(new Scripted());
                RawHttp delete = RawHttp.send(server, "DELETE", "/r", null)) {
            assertTrue(delete.problem(400).contains("Postsse-Stream"));
        }
    }

    @Test
    void nonResumableRouteHasNoGetAndStaysAsItWas() throws Exception {
        try (TestServer server = TestServer.start(sse -> sse.post("/plain", Object.class,
                (request, events) -> events.send("x")));
                RawHttp post = RawHttp.post(server, "/plain", "{}", "Postsse-Stream", ID, "Last-Event-ID", ID + ":1");
                RawHttp get = RawHttp.get(server, "/plain", "Last-Event-ID", ID + ":1")) {
            assertNull(post.header("Postsse-Stream"));
            assertEquals("data: x\n\n", post.readToEnd());
            assertTrue(get.status() == 404 || get.status() == 405, "GET: " + get.status());
        }
    }
}
