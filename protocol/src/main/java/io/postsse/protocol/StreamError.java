package io.postsse.protocol;

/** What went wrong with a stream, as both clients report it. Immutable. */
public final class StreamError {
    /** The kinds of failure, each with its own remedy. */
    public enum Kind {
        /** The request could not be sent, or the connection broke before the response ended. */
        NETWORK,
        /** The server answered with a status other than 2xx; see {@link #status()} and {@link #detail()}. */
        HTTP_STATUS,
        /** The server answered 2xx but not with {@code text/event-stream}. */
        CONTENT_TYPE,
        /** A line or an event was larger than the parser's limit. */
        PARSER_LIMIT,
        /** One of the application's own callbacks threw; see {@link #cause()}. */
        HANDLER_FAILED,
        /**
         * 410: the server no longer holds the stream being resumed (it ended longer ago than the
         * server keeps streams, or never existed). Never retried, and never started afresh.
         */
        GONE
    }

    private final Kind kind;
    private final int status;
    private final String message;
    private final String detail;
    private final Throwable cause;
    private final boolean retrying;

    public StreamError(Kind kind, int status, String message, String detail, Throwable cause, boolean retrying) {
        this.kind = kind;
        this.status = status;
        this.message = message == null ? "" : message;
        this.detail = detail == null ? "" : detail;
        this.cause = cause;
        this.retrying = retrying;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /** One line: a problem JSON's {@code title}, {@code HTTP <status>}, or what the platform said. */
    public String message() {
        return message;
    }

    /**
     * More about it: a problem JSON's {@code detail}, or the first 200 characters of an error
     * response's body; empty when there is nothing more.
     */
    public String detail() {
        return detail;
    }

    /** What the platform threw, where something did; else null. */
    public Throwable cause() {
        return cause;
    }

    /** True when the client will reconnect after this error; false when the stream now ends as failed. */
    public boolean retrying() {
        return retrying;
    }
}
