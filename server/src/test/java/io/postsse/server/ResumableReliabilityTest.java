package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.postsse.protocol.EventStreamDecoder;
import io.postsse.testing.FaultInjectingProxy;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A resumable stream read through a proxy that cuts connections at random bytes, by a client that
 * follows the wire contract by hand: every event arrives exactly once, in order, then the end.
 */
class ResumableReliabilityTest {
    private static final int EVENTS = 300;

    private static String data(int i) {
        return "event " + i + ": ünï ✓\nsecond line";
    }

    @Test
    void everyEventArrivesExactlyOnceInOrderAcrossRandomCuts() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        HttpClient http = HttpClient.newHttpClient();
        try (TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, (request, events) -> {
            runs.incrementAndGet();
            for (int i = 1; i <= EVENTS; i++) {
                events.send(i % 3 == 0 ? "token" : "message", data(i));
                if (i % 20 == 0) {
                    Thread.sleep(2); // a producer at its own pace: some events are replayed, some live
                }
            }
        }).resumable())) {
            int cuts = 0;
            for (long seed = 1; seed <= 4; seed++) {
                cuts += readThroughCuts(http, server, seed, "stream-id-for-reliability-" + seed);
            }
            assertEquals(4, runs.get(), "the producer should run once per stream");
            assertTrue(cuts >= 20, "the proxy should have cut many connections: " + cuts);
        }
    }

    /** Reads one stream to its end through a proxy that cuts, resuming after every cut; returns the cuts. */
    private static int readThroughCuts(HttpClient http, TestServer server, long seed, String id) throws Exception {
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(server.app.port(), seed, 0.95, 1500)) {
            List<String> received = new ArrayList<>();
            AtomicReference<String> lastEventId = new AtomicReference<>();
            AtomicReference<String> outcome = new AtomicReference<>();
            int attempts = 0;
            while (outcome.get() == null) {
                assertTrue(++attempts <= 500, "the stream should end within 500 attempts; got " + received.size());
                HttpRequest.Builder request = HttpRequest.newBuilder(proxy.uri("/r")).header("Postsse-Stream", id);
                if (lastEventId.get() == null) {
                    // No event seen yet: the same POST again, which attaches if the first one started the stream.
                    request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"));
                } else if (attempts % 2 == 0) {
                    request.header("Last-Event-ID", lastEventId.get()).GET();
                } else {
                    request.header("Last-Event-ID", lastEventId.get()).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{}"));
                }
                EventStreamDecoder decoder = new EventStreamDecoder(event -> {
                    if (outcome.get() != null) {
                        throw new AssertionError("an event after the end marker: " + event);
                    }
                    if (event.type().equals("postsse.end")) {
                        outcome.set(event.data());
                        return;
                    }
                    received.add(event.type() + " " + event.lastEventId() + " " + event.data());
                    lastEventId.set(event.lastEventId());
                });
                try {
                    HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
                    assertEquals(200, response.statusCode());
                    try (InputStream body = response.body()) {
                        byte[] buffer = new byte[4096];
                        int read;
                        while ((read = body.read(buffer)) >= 0) {
                            decoder.feed(buffer, 0, read);
                        }
                    }
                } catch (IOException cut) {
                    // a cut: attach again from the last event seen
                }
            }
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= EVENTS; i++) {
                expected.add((i % 3 == 0 ? "token" : "message") + " " + id + ":" + i + " " + data(i));
            }
            assertEquals(expected, received);
            assertEquals("completed", outcome.get());
            System.out.printf("seed %d: %d events exactly once over %d connections, %d of them cut%n", seed, EVENTS,
                    proxy.connections(), proxy.cuts());
            return proxy.cuts();
        }
    }
}
