package io.postsse.protocol;

/**
 * A stream went over one of the parser's size limits. Thrown instead of buffering without bound;
 * the parser that threw it accepts no more input.
 */
public final class StreamLimitException extends RuntimeException {
    /**
     * An int, as the parser's limits are: a long field would compile TeaVM's {@code BigInt}
     * helpers into the browser's script.
     */
    private final int limit;

    /** @throws IllegalArgumentException when the limit is outside the range of an int, as no parser limit is */
    public StreamLimitException(String message, long limit) {
        this(message, intLimit(limit));
    }

    /** The parser's, with its limit as it has it. */
    StreamLimitException(String message, int limit) {
        super(message);
        this.limit = limit;
    }

    /** The limit, in characters, that was exceeded. */
    public long limit() {
        return limit;
    }

    private static int intLimit(long limit) {
        if (limit != (int) limit) {
            throw new IllegalArgumentException("limit out of range: " + limit);
        }
        return (int) limit;
    }
}
