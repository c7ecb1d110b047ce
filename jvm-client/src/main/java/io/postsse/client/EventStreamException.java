package io.postsse.client;

/** What went wrong with a stream. */
public final class EventStreamException extends RuntimeException {
    /** The kinds of failure, each with its own remedy. */
    public enum Kind {
        /** The server answered with a status other than 2xx; see {@link #status()} and {@link #detail()}. */
        HTTP_STATUS,
        /** The server answered 2xx but not with {@code text/event-stream}. */
        CONTENT_TYPE,
        /** The connection could not be made, or broke, and no retry was left. */
        NETWORK,
        /** A line or an event was larger than the parser's limit. */
        PARSER_LIMIT
    }

    private final Kind kind;
    private final int status;
    private final String detail;

    public EventStreamException(Kind kind, int status, String message, String detail, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
        this.detail = detail == null ? "" : detail;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /**
     * More about it: a problem JSON's {@code detail}, or the first 200 characters of an error
     * response's body; empty when there is nothing more.
     */
    public String detail() {
        return detail;
    }
}
