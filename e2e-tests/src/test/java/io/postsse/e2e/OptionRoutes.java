package io.postsse.e2e;

import io.postsse.server.EventEmitter;
import io.postsse.server.OutboundEvent;
import io.postsse.server.PostSse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stream routes for the tests of the client's options ({@code lastEventId}, {@code signal}) in every
 * form of the client: each request's JSON body names a key, which the test makes unique, and what
 * the server saw is kept by key.
 */
final class OptionRoutes {
    /** The {@code Last-Event-ID} each {@code /count} request carried, by key ("none" when absent). */
    private final Map<String, String> lastEventIds = new ConcurrentHashMap<>();
    /** Producer runs, by key. */
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    /** Counted down when an {@code /endless} producer is cancelled, by key. */
    private final Map<String, CountDownLatch> cancelled = new ConcurrentHashMap<>();

    @SuppressWarnings("rawtypes")
    void install(PostSse sse) {
        // Events n1 to n5 with ids 1 to 5, from the one after the request's Last-Event-ID.
        sse.post("/count", Map.class, (Map body, EventEmitter events) -> {
            String key = key(body);
            count(key);
            String lastEventId = events.lastEventId();
            lastEventIds.put(key, lastEventId.isEmpty() ? "none" : lastEventId);
            for (int i = lastEventId.isEmpty() ? 1 : Integer.parseInt(lastEventId) + 1; i <= 5; i++) {
                events.send(OutboundEvent.of("n" + i).id(String.valueOf(i)));
            }
        });
        // s1 to s10, then the end; the log is kept after the end, for clients to attach to.
        sse.post("/story", Map.class, (Map body, EventEmitter events) -> {
            count(key(body));
            for (int i = 1; i <= 10; i++) {
                events.send("s" + i);
            }
        }).resumable();
        // A tick every 20 ms for at most 15 s; counts down the key's latch when cancelled.
        sse.post("/endless", Map.class, (Map body, EventEmitter events) -> {
            String key = key(body);
            count(key);
            events.onCancel(cancelled(key)::countDown);
            for (int i = 0; i < 750 && events.isOpen(); i++) {
                events.send("tick " + i);
                Thread.sleep(20); // the producer's own pace, not a wait for the test
            }
        }).resumable();
    }

    private static String key(Map<?, ?> body) {
        return String.valueOf(body.get("key"));
    }

    private void count(String key) {
        runs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    /** How many times a producer ran for the key. */
    int runs(String key) {
        AtomicInteger count = runs.get(key);
        return count == null ? 0 : count.get();
    }

    /** The Last-Event-ID of the key's last {@code /count} request, "none" when it had none; null before any. */
    String lastEventId(String key) {
        return lastEventIds.get(key);
    }

    /** Counted down when the key's {@code /endless} producer is cancelled. */
    CountDownLatch cancelled(String key) {
        return cancelled.computeIfAbsent(key, k -> new CountDownLatch(1));
    }
}
