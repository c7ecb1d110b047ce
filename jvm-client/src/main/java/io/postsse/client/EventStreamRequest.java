package io.postsse.client;

import io.postsse.protocol.StreamLifecycle;
import io.postsse.protocol.RetryPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What to stream: a POST (or another method) with an optional JSON body and headers, and how to
 * reconnect. Immutable; each setter returns a changed copy.
 *
 * <p>Reconnection follows the rules of {@link io.postsse.protocol.StreamLifecycle}, the same in
 * the browser client: a network failure (refused, reset, or a body cut short), a 429 or a 5xx is
 * retried after the server's {@code Retry-After}, else after the server's {@code retry:} or
 * {@link #retryDelay(Duration)}, doubled for each failure in a row up to
 * {@link #maxRetryDelay(Duration)}, plus up to a quarter more at random; at most
 * {@link #maxRetries(int)} failures in a row, counted again from each event. A reconnection sends
 * {@code Last-Event-ID} when the stream had set one. A stream that ends normally is never sent
 * again.
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
    private final RetryPolicy retryPolicy;

    private EventStreamRequest(String method, URI uri, String body, List<String[]> headers, int maxRetries,
            Duration retryDelay, Duration maxRetryDelay, int maxLength, RetryPolicy retryPolicy) {
        this.method = method;
        this.uri = uri;
        this.body = body;
        this.headers = headers;
        this.maxRetries = maxRetries;
        this.retryDelay = retryDelay;
        this.maxRetryDelay = maxRetryDelay;
        this.maxLength = maxLength;
        this.retryPolicy = retryPolicy;
    }

    /** A POST to the URI, without a body yet. */
    public static EventStreamRequest post(URI uri) {
        StreamLifecycle.Settings defaults = new StreamLifecycle.Settings(); // the browser client's too
        return new EventStreamRequest("POST", Objects.requireNonNull(uri), null, List.of(), defaults.maxRetries,
                Duration.ofMillis(defaults.initialRetryMillis), Duration.ofMillis(defaults.maxRetryMillis),
                defaults.maxLength, null);
    }

    /** A request with another method, such as GET. */
    public static EventStreamRequest of(String method, URI uri) {
        return post(uri).method(method);
    }

    public EventStreamRequest method(String method) {
        return new EventStreamRequest(Objects.requireNonNull(method), uri, body, headers, maxRetries, retryDelay,
                maxRetryDelay, maxLength, retryPolicy);
    }

    /** A JSON body, sent as is with {@code Content-Type: application/json}. */
    public EventStreamRequest jsonBody(String json) {
        return new EventStreamRequest(method, uri, Objects.requireNonNull(json), headers, maxRetries, retryDelay,
                maxRetryDelay, maxLength, retryPolicy);
    }

    /** Adds a header, such as {@code Authorization}. */
    public EventStreamRequest header(String name, String value) {
        List<String[]> more = new ArrayList<>(headers);
        more.add(new String[] {Objects.requireNonNull(name), Objects.requireNonNull(value)});
        return new EventStreamRequest(method, uri, body, List.copyOf(more), maxRetries, retryDelay, maxRetryDelay,
                maxLength, retryPolicy);
    }

    /**
     * How many failures in a row are retried before the stream fails; 0 never reconnects. The
     * count starts again at each event. Default 5.
     */
    public EventStreamRequest maxRetries(int maxRetries) {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative");
        }
        return new EventStreamRequest(method, uri, body, headers, maxRetries, retryDelay, maxRetryDelay, maxLength, retryPolicy);
    }

    /** The first wait before reconnecting when the server named none. Default 1 s. */
    public EventStreamRequest retryDelay(Duration retryDelay) {
        return new EventStreamRequest(method, uri, body, headers, maxRetries, Objects.requireNonNull(retryDelay),
                maxRetryDelay, maxLength, retryPolicy);
    }

    /** The longest wait between reconnections. Default 30 s. */
    public EventStreamRequest maxRetryDelay(Duration maxRetryDelay) {
        return new EventStreamRequest(method, uri, body, headers, maxRetries, retryDelay,
                Objects.requireNonNull(maxRetryDelay), maxLength, retryPolicy);
    }

    /** The longest line, and the most data in one event, in characters. Default 1 Mi. */
    public EventStreamRequest maxLength(int characters) {
        return new EventStreamRequest(method, uri, body, headers, maxRetries, retryDelay, maxRetryDelay, characters, retryPolicy);
    }

    /**
     * How long to wait before each reconnection when the server sent no {@code Retry-After}.
     * Default: {@link RetryPolicy#exponentialWithJitter()}, the browser client's too.
     */
    public EventStreamRequest retryPolicy(RetryPolicy policy) {
        return new EventStreamRequest(method, uri, body, headers, maxRetries, retryDelay, maxRetryDelay, maxLength,
                Objects.requireNonNull(policy));
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

    /** The retry policy, or null for the default. */
    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }
}
