package io.postsse.client;

import io.postsse.protocol.EventStreamParser;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What to stream: a POST (or another method) with an optional JSON body and headers, and how to
 * reconnect. Immutable; each setter returns a changed copy.
 *
 * <p>A stream is reconnected only when its connection fails mid-stream, or when a 429 or 5xx
 * answers before it starts: after the server's {@code Retry-After} or {@code retry:}, else after
 * {@link #retryDelay(Duration)}, doubled for each failure in a row, with jitter, at most
 * {@link #maxRetries(int)} times in a row. A reconnection sends {@code Last-Event-ID} when the
 * stream had set one. A stream that ends normally is never sent again.
 */
public final class EventStreamRequest {
    private final String method;
    private final URI uri;
    private final String body;
    private final List<String[]> headers;
    private final int maxRetries;
    private final Duration retryDelay;
    private final Duration maxRetryDelay;
    private final int maxLength;

    private EventStreamRequest(String method, URI uri, String body, List<String[]> headers, int maxRetries,
            Duration retryDelay, Duration maxRetryDelay, int maxLength) {
        this.method = method;
        this.uri = uri;
        this.body = body;
        this.headers = headers;
        this.maxRetries = maxRetries;
        this.retryDelay = retryDelay;
        this.maxRetryDelay = maxRetryDelay;
        this.maxLength = maxLength;
    }

    /** A POST to the URI, without a body yet. */
    public static EventStreamRequest post(URI uri) {
        return new EventStreamRequest("POST", Objects.requireNonNull(uri), null, List.of(), 5,
                Duration.ofSeconds(1), Duration.ofSeconds(30), EventStreamParser.DEFAULT_MAX_LENGTH);
    }

    /** A request with another method, such as GET. */
    public static EventStreamRequest of(String method, URI uri) {
        return post(uri).method(method);
    }

    public EventStreamRequest method(String method) {
        return new EventStreamRequest(Objects.requireNonNull(method), uri, body, headers, maxRetries, retryDelay,
                maxRetryDelay, maxLength);
    }

    /** A JSON body, sent as is with {@code Content-Type: application/json}. */
    public EventStreamRequest jsonBody(String json) {
        return new EventStreamRequest(method, uri, Objects.requireNonNull(json), headers, maxRetries, retryDelay,
                maxRetryDelay, maxLength);
    }

    /** Adds a header, such as {@code Authorization}. */
    public EventStreamRequest header(String name, String value) {
        List<String[]> more = new ArrayList<>(headers);
        more.add(new String[] {Objects.requireNonNull(name), Objects.requireNonNull(value)});
        return new EventStreamRequest(method, uri, body, List.copyOf(more), maxRetries, retryDelay, maxRetryDelay,
                maxLength);
    }

    /** How many reconnections in a row before the stream fails; 0 never reconnects. Default 5. */
    public EventStreamRequest maxRetries(int maxRetries) {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative");
        }
        return new EventStreamRequest(method, uri, body, headers, maxRetries, retryDelay, maxRetryDelay, maxLength);
    }

    /** The first wait before reconnecting when the server named none. Default 1 s. */
    public EventStreamRequest retryDelay(Duration retryDelay) {
        return new EventStreamRequest(method, uri, body, headers, maxRetries, Objects.requireNonNull(retryDelay),
                maxRetryDelay, maxLength);
    }

    /** The longest wait between reconnections. Default 30 s. */
    public EventStreamRequest maxRetryDelay(Duration maxRetryDelay) {
        return new EventStreamRequest(method, uri, body, headers, maxRetries, retryDelay,
                Objects.requireNonNull(maxRetryDelay), maxLength);
    }

    /** The longest line, and the most data in one event, in characters. Default 1 Mi. */
    public EventStreamRequest maxLength(int characters) {
        return new EventStreamRequest(method, uri, body, headers, maxRetries, retryDelay, maxRetryDelay, characters);
    }

    public String method() {
        return method;
    }

    public URI uri() {
        return uri;
    }

    /** The JSON body, or null for none. */
    public String body() {
        return body;
    }

    /** The headers as name-value pairs, in order. */
    public List<String[]> headers() {
        return headers;
    }

    public int maxRetries() {
        return maxRetries;
    }

    public Duration retryDelay() {
        return retryDelay;
    }

    public Duration maxRetryDelay() {
        return maxRetryDelay;
    }

    public int maxLength() {
        return maxLength;
    }
}
