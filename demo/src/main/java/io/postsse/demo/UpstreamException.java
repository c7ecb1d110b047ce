package io.postsse.demo;

/**
 * The language model's server failed. The message says how in a short sentence of the relay's own,
 * fit for the user: never the upstream's text, which may hold a key, an internal address or a
 * traceback. What the upstream said, for the operator, is in {@link #logDetail()}, only ever logged.
 */
public final class UpstreamException extends Exception {
    /** The status the browser's problem carries: 502, or 504 when the upstream was too slow. */
    private final int status;
    private final String logDetail;

    /** A 502 whose message is also what is logged. */
    public UpstreamException(String message) {
        this(502, message, message);
    }

    /**
     * @param status 502 (the upstream failed) or 504 (it did not answer in time)
     * @param message for the user: the relay's own words
     * @param logDetail for the server's log, one line (see {@link LogText})
     */
    public UpstreamException(int status, String message, String logDetail) {
        super(message);
        this.status = status;
        this.logDetail = logDetail;
    }

    public int status() {
        return status;
    }

    /** What happened, with the upstream's own words where it said any, escaped and capped: for the log only. */
    public String logDetail() {
        return logDetail;
    }

    /** No stack trace: an upstream failure is expected, and logged as one line. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
