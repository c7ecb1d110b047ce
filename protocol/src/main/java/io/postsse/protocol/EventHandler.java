package io.postsse.protocol;

/** Receives what an {@link EventStreamParser} finds, in stream order, on the thread that feeds it. */
public interface EventHandler {
    /** A complete event block with data was dispatched. */
    void onEvent(ServerSentEvent event);

    /** A valid {@code retry} field set the reconnection time, in milliseconds. */
    default void onRetry(long millis) {
    }

    /** A comment line (the text after the colon); servers send these as heartbeats. */
    default void onComment(String comment) {
    }
}
