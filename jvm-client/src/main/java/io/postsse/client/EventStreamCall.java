package io.postsse.client;

import java.time.Duration;

/** A stream in progress. */
public interface EventStreamCall {
    /**
     * Closes the connection, or stops waiting to reconnect. The listener gets
     * {@code onClosed(CANCELLED)} unless the stream had already ended. Safe from any thread.
     */
    void cancel();

    /** Waits until the stream has ended and {@code onClosed} has returned; false on timeout. */
    boolean awaitClosed(Duration timeout) throws InterruptedException;
}
