package io.postsse.server;

/**
 * A stream route as declared by {@link PostSse#post}, whose options are set by chaining:
 *
 * <pre>{@code sse.post("/api/chat", ChatRequest.class, validator, producer).resumable();}</pre>
 */
public final class PostRoute {
    private boolean resumable;

    PostRoute() {
    }

    /**
     * Makes the route resumable: its producer runs once per stream, detached from the connection,
     * into the stream's event log, and a client whose connection broke attaches to the stream
     * again and gets every event it missed, exactly once and in order, then the live ones, then
     * the end marker.
     *
     * <p>On the wire (see the README's "Resumable streams"): the response names the stream in the
     * header {@code Postsse-Stream}, which a request may propose; every event has the id
     * {@code <stream>:<seq>}, {@code seq} counting from 1; the stream's last event is
     * {@code event: postsse.end} with the data {@code completed}, {@code failed} or
     * {@code cancelled}. A {@code POST} or {@code GET} of the route with {@code Last-Event-ID} (or
     * the query parameter {@code lastEventId}) attaches, without reading the body; one that names no
     * stream the log holds is answered {@code 410 Gone}. {@code DELETE} of the route with
     * {@code Postsse-Stream: <stream>} (or {@code ?stream=<stream>}) stops the stream, and is
     * answered {@code 204}.
     *
     * <p>A dropped connection does not cancel the producer: it runs on for
     * {@link PostSse#resumeGrace} after the last client attached to it on this server left. The
     * log of an ended stream is kept for {@link PostSse#retention}. The producer's events are
     * numbered by the stream: an {@link OutboundEvent} with an id of its own is refused.
     *
     * <p>A route that is not resumable answers {@code POST} (and CORS preflights) alone, as it
     * always did: no {@code GET}, no {@code DELETE}, and {@code Last-Event-ID} is only passed to its
     * producer ({@link EventEmitter#lastEventId()}).
     *
     * @return this route
     */
    public PostRoute resumable() {
        resumable = true;
        return this;
    }

    boolean isResumable() {
        return resumable;
    }
}
