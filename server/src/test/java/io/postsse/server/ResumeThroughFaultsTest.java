package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.postsse.client.EventStreamCall;
import io.postsse.client.EventStreamClient;
import io.postsse.client.EventStreamListener;
import io.postsse.client.EventStreamRequest;
import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.testing.FaultInjectingProxy;
import io.postsse.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The reliability suite for the JVM client: resumable streams through a proxy that cuts
 * connections at random response bytes — in the head, inside a chunk, an event or a UTF-8
 * character, by reset or orderly close — stalls some, and passes the rest on in tiny pieces.
 * Every stream must end once, completed, with exactly the uncut text, and its producer must have
 * run once, however many times the client reconnected.
 */
class ResumeThroughFaultsTest {
    private static final long SEED = 20261126L;
    private static final int STREAMS = 600;
    private static final int CONCURRENT = 12;
    private static final int EVENTS = 40;
    /** At least this many cuts must have happened, or the suite proved little. */
    private static final int MIN_CUTS = 900;
    /** Several bytes per character in UTF-8, so that cuts fall inside characters too. */
    private static final String TEXT = " caf\u00e9 \u20ac \ud83d\ude00";

    private static String token(int i) {
        return "tok-" + i + TEXT;
    }

    record Job(int n) {
    }

    @Test
    void everyStreamEndsOnceWithTheUncutTextAndItsProducerRanOnce() throws Exception {
        run("in memory", sse -> {
        }, STREAMS, MIN_CUTS);
    }

    /** The same with the log in a real Redis, on fewer streams: each event is a round trip to it. */
    @Test
    void everyStreamEndsOnceWithTheUncutTextAndItsProducerRanOnceWithTheLogInRedis() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            run("Redis", sse -> sse.redisUrl = redis.url(), STREAMS / 3, MIN_CUTS / 3);
        }
    }

    private static void run(String store, Consumer<PostSse> storeSetup, int streams, int minCuts) throws Exception {
        StringBuilder uncut = new StringBuilder();
        for (int i = 0; i < EVENTS; i++) {
            uncut.append(token(i));
        }
        Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
        try (TestServer server = TestServer.start(sse -> {
            storeSetup.accept(sse);
            sse.post("/job", Job.class, (job, events) -> {
                runs.computeIfAbsent(job.n(), n -> new AtomicInteger()).incrementAndGet();
                for (int i = 0; i < EVENTS; i++) {
                    events.send("token", token(i));
                    if (i % 8 == 7) {
                        Thread.sleep(1); // work between tokens: some cuts fall while the producer runs
                    }
                }
            }).resumable();
        });
                FaultInjectingProxy proxy = new FaultInjectingProxy(server.app.port(), SEED, 0.75, 2400, true)
                        .stalls(0.05, 40)) {
            EventStreamClient client = EventStreamClient.create();
            String[] texts = new String[streams];
            List<List<CloseReason>> closes = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                closes.add(new CopyOnWriteArrayList<>());
            }
            long started = System.nanoTime();
            for (int batch = 0; batch < streams; batch += CONCURRENT) {
                List<EventStreamCall> calls = new ArrayList<>();
                for (int n = batch; n < Math.min(streams, batch + CONCURRENT); n++) {
                    int stream = n;
                    StringBuilder text = new StringBuilder();
                    EventStreamRequest request = EventStreamRequest.post(proxy.uri("/job"))
                            .jsonBody("{\"n\":" + n + "}")
                            .maxRetries(30).retryDelay(Duration.ofMillis(1)).maxRetryDelay(Duration.ofMillis(5));
                    calls.add(client.open(request, new EventStreamListener() {
                        @Override
                        public void onEvent(ServerSentEvent event) {
                            text.append(event.data());
                        }

                        @Override
                        public void onClosed(CloseReason reason) {
                            texts[stream] = text.toString();
                            closes.get(stream).add(reason);
                        }
                    }));
                }
                for (EventStreamCall call : calls) {
                    assertTrue(call.awaitClosed(Duration.ofSeconds(30)), "a stream did not end");
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            int exact = 0;
            for (int n = 0; n < streams; n++) {
                assertEquals(List.of(CloseReason.COMPLETED), closes.get(n), "stream " + n + " ends once, completed");
                assertEquals(uncut.toString(), texts[n], "stream " + n + " has the uncut text");
                exact++;
            }
            for (int n = 0; n < streams; n++) {
                assertEquals(1, runs.get(n).get(), "the producer of stream " + n + " ran once");
            }
            System.out.printf("Reliability (JVM client, log %s): %d streams, %d connections, %d cuts, %d stalls: "
                    + "%d exact, %d producers run once, in %d ms%n",
                    store, streams, proxy.connections(), proxy.cuts(), proxy.stalls(), exact, runs.size(), millis);
            assertTrue(proxy.cuts() >= minCuts, "only " + proxy.cuts() + " cuts");
        }
    }
}
