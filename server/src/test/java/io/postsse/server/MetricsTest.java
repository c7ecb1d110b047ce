package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The meters of {@link PostSse#metrics}, counted for real streams over HTTP. */
class MetricsTest {
    private static final String ID = "stream-id-of-the-metrics-tests";
    private static final List<String> OUTCOMES = List.of("completed", "cancelled", "failed", "timed_out");

    /** A request body: what the producer is asked to do. */
    public record Order(String action) {
    }

    /** A request body that the route's validator wants a prompt in. */
    public record Prompt(String prompt) {
    }

    private final MeterRegistry registry = new SimpleMeterRegistry();

    private TestServer start(Consumer<PostSse> setup) {
        return TestServer.start(sse -> {
            sse.metrics(registry);
            setup.accept(sse);
        });
    }

    private double counter(String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        assertNotNull(counter, name + " " + List.of(tags) + " in " + meters());
        return counter.count();
    }

    private Timer timer(String name, String... tags) {
        Timer timer = registry.find(name).tags(tags).timer();
        assertNotNull(timer, name + " " + List.of(tags) + " in " + meters());
        return timer;
    }

    private double active(String route) {
        Gauge gauge = registry.find("postsse.streams.active").tags("route", route).gauge();
        assertNotNull(gauge, "postsse.streams.active in " + meters());
        return gauge.value();
    }

    private String meters() {
        return registry.getMeters().stream().map(m -> m.getId().toString()).sorted().toList().toString();
    }

    /** The count of streams ended on the route, by outcome. */
    private Map<String, Double> endedByOutcome(String route) {
        Map<String, Double> ended = new TreeMap<>();
        for (String outcome : OUTCOMES) {
            ended.put(outcome, counter("postsse.streams.ended", "route", route, "outcome", outcome));
        }
        return ended;
    }

    private static Map<String, Double> outcomes(double completed, double cancelled, double failed, double timedOut) {
        return new TreeMap<>(Map.of("completed", completed, "cancelled", cancelled, "failed", failed, "timed_out", timedOut));
    }

    /** Waits until the route's streams have all ended: the end is counted just after the client sees it. */
    private void awaitEnded(String route, double streams) throws InterruptedException {
        Waiting.until(() -> endedByOutcome(route).values().stream().mapToDouble(Double::doubleValue).sum() == streams,
                () -> streams + " streams ended on " + route + ": " + endedByOutcome(route));
    }

    /** A producer that sends one event, then waits until it is stopped. */
    private static <T> EventProducer<T> oneEventThenWait() {
        return (request, events) -> {
            events.send("a");
            new CountDownLatch(1).await(); // until interrupted
        };
    }

    /**
     * The producer of the outcome tests: it does what the order says, "complete", "fail", "throw",
     * or "wait" (one event, then until stopped).
     */
    private static void asOrdered(Order order, EventEmitter events) throws Exception {
        switch (order.action()) {
            case "complete":
                events.send("a");
                return;
            case "fail":
                events.fail(502, "The model server answered 401.");
                return;
            case "throw":
                throw new IllegalStateException("the producer's own failure");
            default: // "wait"
                MetricsTest.<Order>oneEventThenWait().produce(order, events);
        }
    }

    @Test
    void everyMeterOfARouteIsListedBeforeAnyStream() throws Exception {
        try (TestServer server = start(sse -> {
            sse.post("/plain", Object.class, (request, events) -> events.send("a"));
            sse.post("/resumable", Object.class, (request, events) -> events.send("a")).resumable();
        })) {
            for (String route : List.of("/plain", "/resumable")) {
                assertEquals(0, active(route));
                assertEquals(0, counter("postsse.streams.started", "route", route));
                assertEquals(outcomes(0, 0, 0, 0), endedByOutcome(route));
                for (String outcome : OUTCOMES) {
                    assertEquals(0, timer("postsse.stream.duration", "route", route, "outcome", outcome).count());
                }
                assertEquals(0, timer("postsse.stream.first.event", "route", route).count());
                assertEquals(0, counter("postsse.sent.events", "route", route));
                assertEquals(0, counter("postsse.sent.bytes", "route", route));
            }
            assertEquals(0, counter("postsse.stream.resumes", "route", "/resumable"));
            assertEquals(0, counter("postsse.stream.stops", "route", "/resumable"));
            // Resumes and stops are of resumable routes only.
            assertNull(registry.find("postsse.stream.resumes").tags("route", "/plain").meter());
            assertNull(registry.find("postsse.stream.stops").tags("route", "/plain").meter());
            Meter.Id bytes = registry.find("postsse.sent.bytes").meter().getId();
            assertEquals("bytes", bytes.getBaseUnit());
        }
    }

    @Test
    void streamsStartedAndEndedAreCountedByOutcome() throws Exception {
        try (TestServer server = start(sse -> {
            sse.maxStreamDuration = Duration.ofMillis(300);
            sse.post("/s", Order.class, MetricsTest::asOrdered);
        })) {
            for (int i = 0; i < 2; i++) {
                try (RawHttp post = RawHttp.post(server, "/s", "{\"action\":\"complete\"}")) {
                    post.readToEnd();
                }
            }
            try (RawHttp post = RawHttp.post(server, "/s", "{\"action\":\"fail\"}")) {
                post.readToEnd();
            }
            try (RawHttp post = RawHttp.post(server, "/s", "{\"action\":\"throw\"}")) {
                post.readToEnd();
            }
            try (RawHttp post = RawHttp.post(server, "/s", "{\"action\":\"wait\"}")) {
                post.readToEnd(); // the time limit ends it
            }
            awaitEnded("/s", 5);
            try (RawHttp post = RawHttp.post(server, "/s", "{\"action\":\"wait\"}")) {
                post.readUntil("data: a\n\n"); // then the client goes away
            }
            awaitEnded("/s", 6);
            assertEquals(6, counter("postsse.streams.started", "route", "/s"));
            assertEquals(outcomes(2, 1, 2, 1), endedByOutcome("/s"));
            assertEquals(0, active("/s"));
        }
    }

    @Test
    void resumableStreamsStartedAndEndedAreCountedByOutcome() throws Exception {
        try (TestServer server = start(sse -> {
            sse.maxStreamDuration = Duration.ofMillis(300);
            sse.post("/r", Order.class, MetricsTest::asOrdered).resumable();
        })) {
            for (String what : List.of("complete", "complete", "fail", "wait")) {
                try (RawHttp post = RawHttp.post(server, "/r", "{\"action\":\"" + what + "\"}")) {
                    post.readToEnd();
                }
            }
            awaitEnded("/r", 4);
            try (RawHttp post = RawHttp.post(server, "/r", "{\"action\":\"wait\"}", "Postsse-Stream", ID)) {
                post.readUntil("data: a\n\n");
                try (RawHttp stop = RawHttp.send(server, "DELETE", "/r", null, "Postsse-Stream", ID)) {
                    assertEquals(204, stop.status());
                }
                post.readToEnd();
            }
            awaitEnded("/r", 5);
            assertEquals(5, counter("postsse.streams.started", "route", "/r"));
            assertEquals(outcomes(2, 1, 1, 1), endedByOutcome("/r"));
            assertEquals(0, active("/r"));
        }
    }

    @Test
    void activeStreamsAreThoseStartedAndNotEnded() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestServer server = start(sse -> {
            sse.post("/s", Object.class, (request, events) -> {
                events.send("a");
                release.await();
            });
            sse.post("/r", Object.class, (request, events) -> {
                events.send("a");
                release.await();
            }).resumable();
        }); RawHttp one = RawHttp.post(server, "/s", "{}"); RawHttp two = RawHttp.post(server, "/s", "{}");
                RawHttp resumable = RawHttp.post(server, "/r", "{}")) {
            one.readUntil("data: a");
            two.readUntil("data: a");
            resumable.readUntil("data: a");
            assertEquals(2, active("/s"));
            assertEquals(1, active("/r"));
            release.countDown();
            one.readToEnd();
            two.readToEnd();
            resumable.readToEnd();
            awaitEnded("/s", 2);
            awaitEnded("/r", 1);
            assertEquals(0, active("/s"));
            assertEquals(0, active("/r"));
        }
    }

    @Test
    void eventsAndBytesSentAreCounted() throws Exception {
        try (TestServer server = start(sse -> {
            sse.post("/s", Object.class, (request, events) -> {
                events.send("a");
                events.comment("not an event");
                events.send("token", Map.of("text", "b"));
                events.send("c");
            });
            sse.post("/r", Object.class, (request, events) -> {
                events.send("a");
                events.send("b");
            }).resumable();
        })) {
            String body;
            try (RawHttp post = RawHttp.post(server, "/s", "{}")) {
                body = post.readToEnd();
            }
            awaitEnded("/s", 1);
            assertEquals(3, counter("postsse.sent.events", "route", "/s"));
            assertEquals(body.getBytes(StandardCharsets.UTF_8).length, counter("postsse.sent.bytes", "route", "/s"));

            String first;
            try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                first = post.readToEnd();
            }
            String resumed;
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":1")) {
                resumed = get.readToEnd();
            }
            assertEquals("id: " + ID + ":2\ndata: b\n\nevent: postsse.end\ndata: completed\n\n", resumed);
            // Each event sent once; every byte written to a client counted, the replay's too.
            assertEquals(2, counter("postsse.sent.events", "route", "/r"));
            assertEquals((first + resumed).getBytes(StandardCharsets.UTF_8).length, counter("postsse.sent.bytes", "route", "/r"));
        }
    }

    @Test
    void streamDurationsAreTimedByOutcome() throws Exception {
        try (TestServer server = start(sse -> sse.post("/s", Order.class, (request, events) -> {
            if ("fail".equals(request.action())) {
                events.fail(502, "The model server answered 401.");
            } else {
                events.send("a");
            }
        }))) {
            long started = System.nanoTime();
            for (String body : List.of("{}", "{}", "{\"action\":\"fail\"}")) {
                try (RawHttp post = RawHttp.post(server, "/s", body)) {
                    post.readToEnd();
                }
            }
            awaitEnded("/s", 3);
            long elapsed = System.nanoTime() - started;
            Timer completed = timer("postsse.stream.duration", "route", "/s", "outcome", "completed");
            Timer failed = timer("postsse.stream.duration", "route", "/s", "outcome", "failed");
            assertEquals(2, completed.count());
            assertEquals(1, failed.count());
            assertEquals(0, timer("postsse.stream.duration", "route", "/s", "outcome", "cancelled").count());
            double total = completed.totalTime(TimeUnit.NANOSECONDS) + failed.totalTime(TimeUnit.NANOSECONDS);
            assertTrue(total > 0 && total <= elapsed, total + " ns of streams within " + elapsed + " ns");
        }
    }

    @Test
    void theTimeToTheFirstEventIsTimedForStreamsThatSentOne() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestServer server = start(sse -> {
            sse.post("/s", Order.class, (request, events) -> {
                if ("none".equals(request.action())) {
                    return;
                }
                release.await();
                events.send("a");
                events.send("b");
            });
            sse.post("/r", Object.class, (request, events) -> {
                release.await();
                events.send("a");
            }).resumable();
        })) {
            try (RawHttp none = RawHttp.post(server, "/s", "{\"action\":\"none\"}")) {
                none.readToEnd();
            }
            long started = System.nanoTime();
            try (RawHttp plain = RawHttp.post(server, "/s", "{}"); RawHttp resumable = RawHttp.post(server, "/r", "{}")) {
                plain.status();
                resumable.status(); // both streams started: their producers are held
                Thread.sleep(200); // not to wait for anything: the least time to the first event
                release.countDown();
                plain.readToEnd();
                resumable.readToEnd();
                awaitEnded("/s", 2);
                awaitEnded("/r", 1);
                long elapsed = System.nanoTime() - started;
                for (String route : List.of("/s", "/r")) {
                    Timer firstEvent = timer("postsse.stream.first.event", "route", route);
                    assertEquals(1, firstEvent.count(), route); // not for the stream without events, nor per event
                    double nanos = firstEvent.totalTime(TimeUnit.NANOSECONDS);
                    assertTrue(nanos >= TimeUnit.MILLISECONDS.toNanos(200) && nanos <= elapsed,
                            route + ": " + nanos + " ns, from 200 ms to " + elapsed + " ns");
                }
            }
        }
    }

    @Test
    void resumesAndStopsOfResumableStreamsAreCounted() throws Exception {
        try (TestServer server = start(sse -> sse.post("/r", Object.class, oneEventThenWait()).resumable())) {
            try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                post.readUntil("data: a\n\n");
            }
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":0")) {
                get.readUntil("data: a\n\n");
            }
            try (RawHttp post = RawHttp.post(server, "/r", "{}", "Last-Event-ID", ID + ":1")) {
                assertEquals(200, post.status());
            }
            // Not a resume: the stream is not held.
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", "no-such-stream-is-held-here:1")) {
                get.problem(410);
            }
            assertEquals(2, counter("postsse.stream.resumes", "route", "/r"));
            assertEquals(0, counter("postsse.stream.stops", "route", "/r"));
            for (int i = 0; i < 2; i++) { // the second stops a stream that has ended: 204 all the same
                try (RawHttp stop = RawHttp.send(server, "DELETE", "/r", null, "Postsse-Stream", ID)) {
                    assertEquals(204, stop.status());
                }
            }
            assertEquals(2, counter("postsse.stream.stops", "route", "/r"));
            assertEquals(2, counter("postsse.stream.resumes", "route", "/r"));
            awaitEnded("/r", 1);
            assertEquals(outcomes(0, 1, 0, 0), endedByOutcome("/r"));
        }
    }

    @Test
    void requestsRefusedBeforeAStreamAreCountedByStatus() throws Exception {
        try (TestServer server = start(sse -> sse.post("/s", Prompt.class,
                request -> request.prompt() != null ? null : "prompt is required",
                (request, events) -> events.send("a")))) {
            assertEquals(415, server.post("/s", "text/plain", "{}").statusCode());
            assertEquals(400, server.postJson("/s", "{}").statusCode());
            assertEquals(400, server.postJson("/s", "[").statusCode());
            try (RawHttp post = RawHttp.post(server, "/s", "{\"prompt\":\"x\"}", "Origin", "https://elsewhere.example")) {
                post.problem(403);
            }
            try (RawHttp post = RawHttp.post(server, "/s", "{\"prompt\":\"x\"}")) {
                post.readToEnd();
            }
            assertEquals(1, counter("postsse.requests.refused", "route", "/s", "status", "415"));
            assertEquals(2, counter("postsse.requests.refused", "route", "/s", "status", "400"));
            assertEquals(1, counter("postsse.requests.refused", "route", "/s", "status", "403"));
            assertEquals(Set.of("400", "403", "415"), Set.copyOf(registry.find("postsse.requests.refused").counters()
                    .stream().map(c -> c.getId().getTag("status")).toList()));
            awaitEnded("/s", 1);
            assertEquals(1, counter("postsse.streams.started", "route", "/s"));
        }
    }
}
