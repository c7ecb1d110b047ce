package io.postsse.e2e;

import io.postsse.demo.ChatBackend;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** A chat backend for the stop tests: a token every 50 ms, for minutes, until the server stops it. */
final class TickingBackend {
    private TickingBackend() {
    }

    /** Ticks until cancelled; counts {@code stopped} down when the server stopped it. */
    static ChatBackend untilStopped(CountDownLatch stopped) {
        return (conversation, sink) -> {
            try {
                for (int i = 0; i < 10_000; i++) {
                    sink.token("tick " + i + " ");
                    Thread.sleep(50);
                }
            } catch (InterruptedException | RuntimeException e) {
                // Cancelled while sleeping (interrupted) or while sending (the send fails): stopped either way.
                stopped.countDown();
                throw e;
            }
            return new ChatBackend.Completion("stop", Map.of());
        };
    }
}
