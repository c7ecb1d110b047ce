package io.postsse.web;

/** What went wrong with a stream, reported to {@link EventStream.Builder#onError}. */
public final class StreamError {
    /** The kinds of failure, each with its own remedy. */
    public enum Kind {
        /** The request or the body's stream failed: offline, refused, reset. */
        NETWORK,
        /** The server answered with a status other than 2xx; see {@link #status()} and {@link #detail()}. */
        HTTP_STATUS,
        /** The server answered 2xx but not with {@code text/event-stream}. */
        CONTENT_TYPE,
        /** A line or an event was larger than the parser's limit. */
        PARSER_LIMIT
    }

    private final Kind kind;
    private final int status;
    private final String message;
    private final String detail;
    boolean retrying;

    StreamError(Kind kind, int status, String message, String detail) {
        this.kind = kind;
        this.status = status;
        this.message = message;
        this.detail = detail;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /**
     * A one-line description: for an HTTP error, a problem JSON's {@code title}; for a network
     * error, the JavaScript error's name and message (an {@code AbortError} stays recognisable).
     */
    public String message() {
        return message;
    }

    /** More detail when there is some: a problem JSON's {@code detail}, or an excerpt of the body. */
    public String detail() {
        return detail;
    }

    /** True when the client will reconnect after this error; false when the stream now ends as failed. */
    public boolean retrying() {
        return retrying;
    }

    @Override
    public String toString() {
        return kind + (status != 0 ? " " + status : "") + ": " + message + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
}
