package io.postsse.client;

import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
import java.net.http.HttpHeaders;

/**
 * Receives one stream's callbacks, one at a time, on the stream's own thread: {@code onOpen}
 * for each connection, events in order, {@code onError} for each error, and {@code onClosed}
 * exactly once, last. A callback that throws ends the stream: {@code onError} with
 * {@link io.postsse.protocol.StreamError.Kind#HANDLER_FAILED}, then {@code onClosed(FAILED)}.
 */
public interface EventStreamListener {
    /** A connection opened: the response is 2xx {@code text/event-stream}. */
    default void onOpen(int status, HttpHeaders headers) {
    }

    void onEvent(ServerSentEvent event);

    /**
     * Something went wrong. When {@link EventStreamException#retrying()} the client reconnects
     * next; otherwise {@link #onClosed} with {@link CloseReason#FAILED} follows.
     */
    default void onError(EventStreamException error) {
    }

    default void onClosed(CloseReason reason) {
    }
}
