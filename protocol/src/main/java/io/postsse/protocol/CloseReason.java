package io.postsse.protocol;

/** Why a stream ended: reported once, last, by both clients. */
public enum CloseReason {
    /** The server ended the response normally, or answered 204 No Content. */
    COMPLETED,
    /** The application closed the stream. */
    CANCELLED,
    /** An error ended the stream; it was reported first as a {@link StreamError}. */
    FAILED
}
