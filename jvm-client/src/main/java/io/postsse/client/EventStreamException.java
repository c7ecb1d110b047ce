package io.postsse.client;

import io.postsse.protocol.StreamError;

/** What went wrong with a stream: a {@link StreamError}, as a Java exception. */
public final class EventStreamException extends RuntimeException {
    private final StreamError error;

    public EventStreamException(StreamError error) {
        super(describe(error), error.cause());
        this.error = error;
    }

    /** The message, with the status in front for an HTTP error: {@code HTTP 400: Bad Request}. */
    private static String describe(StreamError error) {
        String prefix = "HTTP " + error.status();
        boolean namesStatus = error.kind() != StreamError.Kind.HTTP_STATUS || error.message().startsWith(prefix);
        return namesStatus ? error.message() : prefix + ": " + error.message();
    }

    /** The error, as the browser client reports it too. */
    public StreamError error() {
        return error;
    }

    public StreamError.Kind kind() {
        return error.kind();
    }

    /** The HTTP status, or 0 when no response arrived. */
    public int status() {
        return error.status();
    }

    /**
     * More about it: a problem JSON's {@code detail}, or the first 200 characters of an error
     * response's body; empty when there is nothing more.
     */
    public String detail() {
        return error.detail();
    }

    /** True when the client reconnects after this error; false when the stream now ends as failed. */
    public boolean retrying() {
        return error.retrying();
    }
}
