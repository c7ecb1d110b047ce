package io.postsse.protocol;

/**
 * A stream went over one of the parser's size limits. Thrown instead of buffering without bound;
 * the parser that threw it accepts no more input.
 */
public final class StreamLimitException extends RuntimeException {
    private final long limit;

    public StreamLimitException(String message, long limit) {
        super(message);
        this.limit = limit;
    }

    /** The limit, in characters, that was exceeded. */
    public long limit() {
        return limit;
    }
}
