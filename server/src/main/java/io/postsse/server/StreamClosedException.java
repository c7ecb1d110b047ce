package io.postsse.server;

/**
 * Thrown by a send on a stream that has ended: the client went away, the client read too slowly,
 * or the stream was closed. A blocking producer may let it propagate; it is not logged as a failure.
 */
public final class StreamClosedException extends RuntimeException {
    public StreamClosedException(String message) {
        super(message, null, false, false);
    }
}
