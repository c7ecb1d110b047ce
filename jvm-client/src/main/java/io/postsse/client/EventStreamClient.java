package io.postsse.client;

import io.postsse.client.internal.BlockingEvents;
import io.postsse.client.internal.StreamRun;
import io.postsse.protocol.ServerSentEvent;
import java.net.http.HttpClient;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/**
 * Streams Server-Sent Events over {@code java.net.http}, from a POST with a body as easily as from
 * a GET. Build one and share it: it holds an {@link HttpClient}.
 *
 * <pre>{@code
 * EventStreamClient client = EventStreamClient.create();
 * EventStreamRequest request = EventStreamRequest.post(URI.create("http://localhost:7070/api/chat"))
 *         .jsonBody("{\"prompt\":\"hi\"}");
 * try (Stream<ServerSentEvent> events = client.stream(request)) {
 *     events.forEach(event -> System.out.println(event.type() + ": " + event.data()));
 * }
 * }</pre>
 */
public final class EventStreamClient {
    private final HttpClient http;
    private final Executor executor;

    private EventStreamClient(HttpClient http, Executor executor) {
        this.http = http;
        this.executor = executor;
    }

    /** A client with its own {@link HttpClient}; each stream reads on a daemon thread of its own. */
    public static EventStreamClient create() {
        return new EventStreamClient(HttpClient.newHttpClient(), null);
    }

    /**
     * A client on the given {@link HttpClient}, whose streams read on threads of the executor (for
     * instance a virtual-thread-per-task executor), one each for as long as the stream lasts.
     */
    public static EventStreamClient create(HttpClient http, Executor executor) {
        return new EventStreamClient(Objects.requireNonNull(http), Objects.requireNonNull(executor));
    }

    /** Starts the stream; its callbacks arrive on the stream's thread. */
    public EventStreamCall open(EventStreamRequest request, EventStreamListener listener) {
        StreamRun run = new StreamRun(http, request, listener);
        if (executor != null) {
            executor.execute(run);
        } else {
            Thread thread = new Thread(run, "postsse-stream");
            thread.setDaemon(true);
            thread.start();
        }
        return run;
    }

    /**
     * The stream's events, read as they are consumed: at most a small buffer of events is read
     * ahead. Closing the stream cancels the request. A failure is thrown as
     * {@link EventStreamException} by the operation that reaches it.
     */
    public Stream<ServerSentEvent> stream(EventStreamRequest request) {
        BlockingEvents events = new BlockingEvents();
        events.attach(open(request, events));
        return events.stream();
    }
}
