package io.postsse.client;

import io.postsse.protocol.ServerSentEvent;
import java.net.http.HttpHeaders;

/**
 * Receives one stream's callbacks, one at a time, on the stream's own thread: {@code onOpen}
 * for each connection, events in order, {@code onError} at most once, and {@code onClosed}
 * exactly once, last.
 */
public interface EventStreamListener {
    /** A connection opened: the response is 2xx {@code text/event-stream}. */
    default void onOpen(int status, HttpHeaders headers) {
    }

    void onEvent(ServerSentEvent event);

    /** The stream failed; {@link #onClosed} with {@link CloseReason#FAILED} follows. */
    default void onError(EventStreamException error) {
    }

    default void onClosed(CloseReason reason) {
    }
}
