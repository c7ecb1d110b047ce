package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.postsse.client.EventStreamCall;
import io.postsse.client.EventStreamClient;
import io.postsse.client.EventStreamException;
import io.postsse.client.EventStreamListener;
import io.postsse.client.EventStreamRequest;
import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.protocol.StreamError;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A stream read by the real JVM client, one quick retry allowed, recording what the tests of a
 * broken server assert: the events seen, the last error, the close.
 */
final class ClientStream {
    private final CountDownLatch events;
    private final AtomicReference<EventStreamException> error = new AtomicReference<>();
    private final AtomicReference<CloseReason> closed = new AtomicReference<>();
    private final EventStreamCall call;

    /** Opens a POST stream to the URI; {@link #awaitEvents} waits for {@code events} of them. */
    ClientStream(URI uri, int events) {
        this.events = new CountDownLatch(events);
        this.call = EventStreamClient.create().open(
                EventStreamRequest.post(uri).jsonBody("{}").maxRetries(1).retryDelay(Duration.ofMillis(50)),
                new EventStreamListener() {
                    @Override
                    public void onEvent(ServerSentEvent event) {
                        ClientStream.this.events.countDown();
                    }

                    @Override
                    public void onError(EventStreamException e) {
                        error.set(e);
                    }

                    @Override
                    public void onClosed(CloseReason reason) {
                        closed.set(reason);
                    }
                });
    }

    void awaitEvents(long seconds) throws InterruptedException {
        assertTrue(events.await(seconds, TimeUnit.SECONDS), "the events should arrive");
    }

    /** Waits for the stream to end, then asserts that it failed as a network failure, not completed. */
    void assertEndsAsANetworkFailure(long seconds) throws InterruptedException {
        try {
            assertTrue(call.awaitClosed(Duration.ofSeconds(seconds)), "the stream should end");
        } finally {
            call.cancel();
        }
        assertEquals(CloseReason.FAILED, closed.get());
        assertNotNull(error.get(), "onError should have been called");
        assertEquals(StreamError.Kind.NETWORK, error.get().kind(), String.valueOf(error.get()));
    }

    void cancel() {
        call.cancel();
    }
}
