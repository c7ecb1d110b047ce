package io.postsse.server.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the requests on stream routes under way — their bodies being read, then their streams —
 * in all and per client, and refuses one past either limit, so that one client cannot take every
 * stream the server can hold.
 */
final class Admission {
    private final int maxTotal;
    private final int maxPerClient;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perClient = new ConcurrentHashMap<>();

    Admission(int maxTotal, int maxPerClient) {
        if (maxTotal <= 0 || maxPerClient <= 0) {
            throw new IllegalArgumentException("maxStreams and maxStreamsPerClient must be positive, not "
                    + maxTotal + " and " + maxPerClient);
        }
        this.maxTotal = maxTotal;
        this.maxPerClient = maxPerClient;
    }

    /** A request admitted: released once, when its response is over. */
    final class Ticket {
        private final String client;
        private final AtomicBoolean released = new AtomicBoolean();

        private Ticket(String client) {
            this.client = client;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                total.decrementAndGet();
                perClient.computeIfPresent(client, (key, count) -> count.decrementAndGet() == 0 ? null : count);
            }
        }
    }

    /**
     * Admits a request of the client.
     *
     * @throws Refusal 503 when the server holds {@code maxStreams}, 429 when the client holds
     *     {@code maxStreamsPerClient}; both with {@code Retry-After}
     */
    Ticket admit(String client) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            throw Refusal.busy(503, "The server holds as many streams as it may (" + maxTotal + "); try again shortly.");
        }
        boolean[] over = new boolean[1];
        perClient.compute(client, (key, count) -> {
            AtomicInteger held = count != null ? count : new AtomicInteger();
            if (held.get() >= maxPerClient) {
                over[0] = true;
            } else {
                held.incrementAndGet();
            }
            return held.get() == 0 ? null : held;
        });
        if (over[0]) {
            total.decrementAndGet();
            throw Refusal.busy(429, "Too many streams at once from this client (the limit is " + maxPerClient
                    + "); try again once one has ended.");
        }
        return new Ticket(client);
    }

    /** For the tests: how many requests are admitted now. */
    int admitted() {
        return total.get();
    }
}
