package io.postsse.server.internal;

/**
 * What the meters of one stream route count. {@link #NONE}, when the app set no meter registry,
 * counts nothing, and loads no class of Micrometer, which is then not needed on the class path;
 * {@link MicrometerMetrics} counts into the app's registry.
 */
public interface RouteMetrics {
    /** Counts nothing. */
    RouteMetrics NONE = new RouteMetrics() {
    };

    /** A stream started: its producer is about to run. */
    default void started() {
    }

    /** A stream that started ended, after that long. */
    default void ended(StreamEnd.Outcome outcome, long nanos) {
    }

    /** A stream's producer sent its first event, that long after the stream started. */
    default void firstEvent(long nanos) {
    }

    /** A producer sent an event (not the {@code error} event the server adds). */
    default void eventSent() {
    }

    /** Bytes of a stream were written to a client's connection: events, comments, heartbeats, end markers. */
    default void bytesWritten(long bytes) {
    }

    /** A client attached to a resumable stream again, with {@code Last-Event-ID}. */
    default void resumed() {
    }

    /** A client asked to stop a resumable stream ({@code DELETE}), and was answered 204. */
    default void stopped() {
    }

    /** A request to the route was answered with a problem of that status instead of a stream. */
    default void refused(int status) {
    }
}
