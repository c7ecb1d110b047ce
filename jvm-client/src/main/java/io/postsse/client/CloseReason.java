package io.postsse.client;

/** Why a stream ended; reported once, last, to {@link EventStreamListener#onClosed}. */
public enum CloseReason {
    /** The server ended the response normally, or answered 204 No Content. */
    COMPLETED,
    /** {@link EventStreamCall#cancel()} was called. */
    CANCELLED,
    /** An error ended the stream; it was reported to {@link EventStreamListener#onError} first. */
    FAILED
}
