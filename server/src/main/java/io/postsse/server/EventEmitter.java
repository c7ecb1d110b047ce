package io.postsse.server;

import java.time.Duration;

/**
 * Sends one stream's events. Safe to use from any thread. Every send is framed by the protocol's
 * encoder (multi-line data arrives whole; a type or id with CR or LF is refused with an
 * {@link IllegalArgumentException}) and flushed to the client as soon as the stream's writer gets
 * to it.
 *
 * <p>Sends do not wait for the network, but for room in the stream's bounded buffer: a client
 * that stops reading makes them wait, and after the send timeout the stream is closed and the
 * producer cancelled. On a closed stream every send throws {@link StreamClosedException}.
 *
 * <p>On a {@linkplain PostRoute#resumable() resumable} route, a send appends the event to the
 * stream's event log and returns: it never waits for a client, and each attached client reads the
 * log at its own pace. The emitter gives each event the id {@code <streamId>:<seq>}, counting from
 * 1, and refuses an {@link OutboundEvent} with an id of its own ({@link IllegalArgumentException}).
 * A comment or a {@code retry} goes out with the next event. A send past
 * {@link PostSse#maxEventsPerStream}, {@link PostSse#maxBytesPerStream} or the log's room throws
 * {@link StreamCapacityException}, and the stream has then ended with an {@code error} event. The
 * stream is cancelled only when a client stops it ({@code DELETE}), when no client has been
 * attached for {@link PostSse#resumeGrace}, or when the server stops — not when a connection drops.
 */
public interface EventEmitter {
    /** Sends data as an event of the default type: a {@code String} as is, anything else as JSON. */
    default void send(Object data) {
        send(OutboundEvent.of(data));
    }

    /** Sends data as an event of the given type. */
    default void send(String type, Object data) {
        send(OutboundEvent.of(data).type(type));
    }

    /** Sends an event with any of type, id and data. */
    void send(OutboundEvent event);

    /** Asks the client to wait this long before reconnecting after a dropped connection. */
    void retry(Duration delay);

    /** Sends a comment line, which clients ignore. On a resumable route it goes out with the next event. */
    void comment(String text);

    /**
     * Keeps the stream open after the producer returns, so that other code can go on sending;
     * that code must call {@link #close()} when it is done.
     */
    EventEmitter keepOpen();

    /** Ends the stream once what was sent has been written. Further calls do nothing. */
    void close();

    /** False once the stream ended or is ending. */
    boolean isOpen();

    /**
     * Runs the callback once if the stream is cancelled: the client went away, read too slowly,
     * or the server is stopping. If it already was, runs it now. On a resumable route: the client
     * stopped the stream, no client was attached for the grace period, or the server is stopping.
     */
    void onCancel(Runnable callback);

    /**
     * This stream's identity, unique per stream on this server. On a resumable route, the id the
     * client knows it by: the {@code Postsse-Stream} header of the response, and the part before
     * the colon of each event's id.
     */
    String streamId();

    /**
     * The request's {@code Last-Event-ID} header: the last id the client saw, or "" on a first
     * request. Always "" on a resumable route, whose producer runs only for the request that starts
     * the stream: a request with {@code Last-Event-ID} attaches to the stream instead.
     */
    String lastEventId();

    /**
     * The head of the request that started the stream: its headers, remote address, attributes,
     * and the principal that {@link PostSse#accessCheck} named. On a resumable route, always the
     * starting request's, whichever clients attach later.
     */
    RequestHead request();

    /**
     * Ends the stream as failed, for a reason the client may know: one {@code error} event whose
     * data is a problem JSON (RFC 9457) with this status and detail, then the end ({@code failed}
     * on a resumable route). Logged as failed, with the detail, and no stack trace; sends after it
     * throw {@link StreamClosedException}. For a failure the producer expected, such as an upstream
     * service that answered an error; anything the producer throws ends the stream the same way,
     * with a generic detail and its stack trace in the log.
     *
     * @param status the problem's status, such as 502 for a bad answer from an upstream service
     */
    void fail(int status, String detail);
}
