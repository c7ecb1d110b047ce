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
 */
public interface EventEmitter {
    /** Sends data as an event of the default type: a {@code String} as is, anything else as JSON. */
    void send(Object data);

    /** Sends data as an event of the given type. */
    void send(String type, Object data);

    /** Sends an event with any of type, id and data. */
    void send(OutboundEvent event);

    /** Asks the client to wait this long before reconnecting after a dropped connection. */
    void retry(Duration delay);

    /** Sends a comment line, which clients ignore. */
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
     * or the server is stopping. If it already was, runs it now.
     */
    void onCancel(Runnable callback);

    /** This stream's identity, unique per stream on this server. */
    String streamId();

    /** The request's {@code Last-Event-ID} header: the last id the client saw, or "" on a first request. */
    String lastEventId();
}
