package io.postsse.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.testing.FaultInjectingProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Streams cut at random points by a fault-injecting proxy, against a server that resumes from
 * {@code Last-Event-ID}: every stream must end with exactly the text of an uncut one. Before each
 * connection had a parser of its own, half a line from a cut connection joined the next one's
 * first bytes and corrupted an event.
 */
class ResumeThroughCutsTest {
    private static final long SEED = 20261126L;
    private static final int STREAMS = 200;
    private static final int EVENTS = 40;
    /** Several bytes per character in UTF-8, so that cuts fall inside characters too. */
    private static final String TEXT = " caf\u00e9 \u20ac \ud83d\ude00";

    private static String event(int i) {
        return "tok-" + i + TEXT;
    }

    @Test
    void everyStreamEndsWithTheUncutTextThroughRandomCuts() throws Exception {
        StringBuilder uncut = new StringBuilder();
        for (int i = 0; i < EVENTS; i++) {
            uncut.append(event(i));
        }
        AtomicInteger connections = new AtomicInteger();
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            connections.incrementAndGet();
            String lastEventId = request.header("Last-Event-ID");
            int from = lastEventId == null ? 0 : Integer.parseInt(lastEventId) + 1;
            exchange.startStream();
            for (int i = from; i < EVENTS; i++) {
                exchange.send("id: " + i + "\nevent: token\ndata: " + event(i) + "\n\n");
            }
            exchange.end();
        }); FaultInjectingProxy proxy = new FaultInjectingProxy(server.port(), SEED, 0.6, 2600)) {
            EventStreamClient client = EventStreamClient.create();
            EventStreamRequest request = EventStreamRequest.post(proxy.uri("/stream")).jsonBody("{}")
                    .maxRetries(20).retryDelay(Duration.ofMillis(1)).maxRetryDelay(Duration.ofMillis(5));
            List<String> texts = new CopyOnWriteArrayList<>();
            List<List<CloseReason>> closes = new CopyOnWriteArrayList<>();
            for (int batch = 0; batch < STREAMS; batch += 10) {
                List<EventStreamCall> calls = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    StringBuilder text = new StringBuilder();
                    List<CloseReason> closed = new CopyOnWriteArrayList<>();
                    calls.add(client.open(request, new EventStreamListener() {
                        @Override
                        public void onEvent(ServerSentEvent event) {
                            text.append(event.data());
                        }

                        @Override
                        public void onClosed(CloseReason reason) {
                            closed.add(reason);
                            texts.add(text.toString());
                            closes.add(closed);
                        }
                    }));
                }
                for (EventStreamCall call : calls) {
                    assertTrue(call.awaitClosed(Duration.ofSeconds(30)), "a stream did not end");
                }
            }
            assertEquals(STREAMS, texts.size());
            for (int i = 0; i < STREAMS; i++) {
                assertEquals(List.of(CloseReason.COMPLETED), closes.get(i), "each stream ends once, completed");
                assertEquals(uncut.toString(), texts.get(i), "stream " + i + " of seed " + SEED);
            }
            assertTrue(proxy.cuts() >= STREAMS / 2, "cuts injected: " + proxy.cuts());
            assertEquals(STREAMS + proxy.cuts(), connections.get(), "one reconnection per cut, no more");
        }
    }
}
