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
 * the browser client: a network failure (refused, reset, a body cut short, or the
 * {@link #connectTimeout(Duration) connect} or {@link #idleTimeout(Duration) idle} timeout), a 429
 * or a 5xx is retried after the server's {@code Retry-After}, else after the server's {@code retry:} or
 * {@link #retryDelay(Duration)}, doubled for each failure in a row up to
 * {@link #maxRetryDelay(Duration)}, plus up to a quarter more at random; at most
 * {@link #maxRetries(int)} failures in a row, counted again from each event. A reconnection sends
 * {@code Last-Event-ID} when the stream had set one. A stream that ends normally is never sent
 * again.
 *
 * <p>Against a resumable route, each stream proposes a fresh random id ({@code Postsse-Stream}), a
 * reconnection attaches to the same run of the producer instead of starting another, and
 * {@link EventStreamCall#cancel()} tells the server to stop it.
 */
public final class EventStreamRequest {
    private String method;
    private URI uri;
    private String body;
    private List<String[]> headers;
    private int maxRetries;
    private Duration retryDelay;
    private Duration maxRetryDelay;
    private int maxLength;
    private RetryPolicy retryPolicy;
    private String lastEventId = "";
    private Duration connectTimeout = Duration.ZERO;
    private Duration idleTimeout = Duration.ZERO;

    private EventStreamRequest() {
    }

    /** A copy to change: each setter returns one, and no request is changed once made. */
    private EventStreamRequest copy() {
        EventStreamRequest copy = new EventStreamRequest();
        copy.method = method;
        copy.uri = uri;
        copy.body = body;
        copy.headers = headers;
        copy.maxRetries = maxRetries;
        copy.retryDelay = retryDelay;
        copy.maxRetryDelay = maxRetryDelay;
        copy.maxLength = maxLength;
        copy.retryPolicy = retryPolicy;
        copy.lastEventId = lastEventId;
        copy.connectTimeout = connectTimeout;
        copy.idleTimeout = idleTimeout;
        return copy;
    }

    /** A POST to the URI, without a body yet. */
    public static EventStreamRequest post(URI uri) {
        StreamLifecycle.Settings defaults = new StreamLifecycle.Settings(); // the browser client's too
        EventStreamRequest request = new EventStreamRequest();
        request.method = "POST";
        request.uri = Objects.requireNonNull(uri);
        request.headers = List.of();
        request.maxRetries = defaults.maxRetries;
        request.retryDelay = Duration.ofMillis(defaults.initialRetryMillis);
        request.maxRetryDelay = Duration.ofMillis(defaults.maxRetryMillis);
        request.maxLength = defaults.maxLength;
        return request;
    }

    /** A request with another method, such as GET. */
    public static EventStreamRequest of(String method, URI uri) {
        return post(uri).method(method);
    }

    public EventStreamRequest method(String method) {
        EventStreamRequest copy = copy();
        copy.method = Objects.requireNonNull(method);
        return copy;
    }

    /** A JSON body, sent as is with {@code Content-Type: application/json}. */
    public EventStreamRequest jsonBody(String json) {
        EventStreamRequest copy = copy();
        copy.body = Objects.requireNonNull(json);
        return copy;
    }

    /** Adds a header, such as {@code Authorization}. */
    public EventStreamRequest header(String name, String value) {
        List<String[]> more = new ArrayList<>(headers);
        more.add(new String[] {Objects.requireNonNull(name), Objects.requireNonNull(value)});
        EventStreamRequest copy = copy();
        copy.headers = List.copyOf(more);
        return copy;
    }

    /**
     * How many failures in a row are retried before the stream fails; 0 never reconnects. The
     * count starts again at each event. Default 5.
     */
    public EventStreamRequest maxRetries(int maxRetries) {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative");
        }
        EventStreamRequest copy = copy();
        copy.maxRetries = maxRetries;
        return copy;
    }

    /** The first wait before reconnecting when the server named none. Default 1 s. */
    public EventStreamRequest retryDelay(Duration retryDelay) {
        EventStreamRequest copy = copy();
        copy.retryDelay = Objects.requireNonNull(retryDelay);
        return copy;
    }

    /** The longest wait between reconnections. Default 30 s. */
    public EventStreamRequest maxRetryDelay(Duration maxRetryDelay) {
        EventStreamRequest copy = copy();
        copy.maxRetryDelay = Objects.requireNonNull(maxRetryDelay);
        return copy;
    }

    /**
     * The longest line, and the most data in one event, in characters. Default 1 Mi.
     *
     * @throws IllegalArgumentException when it is less than 1
     */
    public EventStreamRequest maxLength(int characters) {
        if (characters < 1) {
            throw new IllegalArgumentException("maxLength must be positive");
        }
        EventStreamRequest copy = copy();
        copy.maxLength = characters;
        return copy;
    }

    /**
     * How long to wait before each reconnection when the server sent no {@code Retry-After}.
     * Default: {@link RetryPolicy#exponentialWithJitter()}, the browser client's too.
     */
    public EventStreamRequest retryPolicy(RetryPolicy policy) {
        EventStreamRequest copy = copy();
        copy.retryPolicy = Objects.requireNonNull(policy);
        return copy;
    }

    /**
     * Starts from this event id, sent as {@code Last-Event-ID} from the first request: with a
     * resumable stream's {@code <id>:<seq>}, the request attaches to that stream after that event
     * (a {@code GET} does, with no body), and a stream the server no longer holds fails with
     * {@code GONE}. Default: none.
     */
    public EventStreamRequest lastEventId(String lastEventId) {
        EventStreamRequest copy = copy();
        copy.lastEventId = Objects.requireNonNull(lastEventId);
        return copy;
    }

    /**
     * The longest wait for each connection to open: from sending the request until the response's
     * status and headers arrive, resolving and connecting included. Longer, and the attempt fails
     * as a network failure, retried as usual. A postsse server answers at once, before its first
     * event. Zero: no limit (the default).
     */
    public EventStreamRequest connectTimeout(Duration timeout) {
        EventStreamRequest copy = copy();
        copy.connectTimeout = notNegative(timeout, "connectTimeout");
        return copy;
    }

    /**
     * The longest silence while reading a response: when no bytes at all arrive for this long,
     * the connection is taken for dead, closed, and reported as a network failure, retried as
     * usual. Heartbeat comments count as bytes, so choose it above the server's heartbeat interval
     * (a postsse server's default: 15 s). Time the application spends in its callbacks is not
     * silence. Zero: no limit (the default).
     */
    public EventStreamRequest idleTimeout(Duration timeout) {
        EventStreamRequest copy = copy();
        copy.idleTimeout = notNegative(timeout, "idleTimeout");
        return copy;
    }

    private static Duration notNegative(Duration timeout, String name) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative");
        }
        return timeout;
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

    /** The longest wait for a response's head; zero for no limit. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The longest silence while reading a response; zero for no limit. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** The event id the stream starts from; empty for none. */
    public String lastEventId() {
        return lastEventId;
    }
}
