package io.postsse.server;

/**
 * Produces one stream's events for one request.
 *
 * <p>It runs on a thread of its own (a virtual thread on JDK 21 and later), after the request body
 * was bound and validated and the response started. It may be plain blocking code that loops and
 * sends: the stream ends when it returns. Or it may hand the emitter elsewhere after calling
 * {@link EventEmitter#keepOpen()}, and end the stream later with {@link EventEmitter#close()}.
 *
 * <p>When the client goes away, its thread is interrupted and the emitter's sends throw
 * {@link StreamClosedException}. Anything else it throws ends the stream with one {@code error}
 * event that tells the client only that the stream failed.
 *
 * <p>On a {@linkplain PostRoute#resumable() resumable} route it runs once per stream, however many
 * times clients attach to it, and a client going away does not stop it: it is cancelled (interrupted,
 * its sends throwing {@link StreamClosedException}) when the client stops the stream, when no client
 * has been attached for {@link PostSse#resumeGrace}, or when the server stops.
 */
@FunctionalInterface
public interface EventProducer<T> {
    void produce(T request, EventEmitter emitter) throws Exception;
}
