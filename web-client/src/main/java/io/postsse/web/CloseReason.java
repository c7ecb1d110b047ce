package io.postsse.web;

/** Why a stream ended; reported once, to {@link EventStream.Builder#onClose}. */
public enum CloseReason {
    /** The server ended the response normally (or answered 204 No Content). */
    COMPLETED,
    /** {@link EventStream#close()} was called. */
    ABORTED,
    /** An error ended the stream; it was reported to {@code onError} first. */
    FAILED
}
