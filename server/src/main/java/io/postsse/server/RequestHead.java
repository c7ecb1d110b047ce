package io.postsse.server;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the server saw of a request on a stream route, kept after the request is gone: its method,
 * path, headers, remote address, the attributes that before-handlers set on it, and the principal
 * that {@link PostSse#accessCheck} named. A producer reads the head of the request that started
 * its stream with {@link EventEmitter#request()}; {@link AccessCheck} and {@link RequestCheck} get
 * the head of the request at hand.
 */
public final class RequestHead {
    private final String method;
    private final String path;
    private final Map<String, List<String>> headers;
    private final String remoteAddress;
    private final Map<String, Object> attributes;
    private final Object principal;

    /**
     * @param headers by name (looked up without regard to case), each with its values in order
     * @param attributes by name: what before-handlers set on the request ({@code ctx.attribute})
     */
    public RequestHead(String method, String path, Map<String, List<String>> headers, String remoteAddress,
            Map<String, Object> attributes) {
        this(method, path, copyHeaders(headers), remoteAddress, Map.copyOf(attributes), null);
    }

    private RequestHead(String method, String path, Map<String, List<String>> headers, String remoteAddress,
            Map<String, Object> attributes, Object principal) {
        this.method = Objects.requireNonNull(method, "method");
        this.path = Objects.requireNonNull(path, "path");
        this.headers = headers;
        this.remoteAddress = remoteAddress;
        this.attributes = attributes;
        this.principal = principal;
    }

    private static Map<String, List<String>> copyHeaders(Map<String, List<String>> headers) {
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.merge(name, List.copyOf(values), (a, b) -> {
            List<String> both = new java.util.ArrayList<>(a);
            both.addAll(b);
            return List.copyOf(both);
        }));
        return Collections.unmodifiableMap(copy);
    }

    /** The same head, with the principal that the access check named. */
    public RequestHead withPrincipal(Object principal) {
        return new RequestHead(method, path, headers, remoteAddress, attributes, principal);
    }

    /** The request's method, as sent: {@code POST}, {@code GET} or {@code DELETE}. */
    public String method() {
        return method;
    }

    /** The request's path, without its query. */
    public String path() {
        return path;
    }

    /** The first value of the header, or null when the request has none. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Every value of the header, in order; empty when the request has none. */
    public List<String> headers(String name) {
        return headers.getOrDefault(name, List.of());
    }

    /** The address of the client's end of the connection (a proxy's, behind one). */
    public String remoteAddress() {
        return remoteAddress;
    }

    /** The attribute a before-handler set on the request, or null. */
    @SuppressWarnings("unchecked")
    public <A> A attribute(String name) {
        return (A) attributes.get(name);
    }

    /** What {@link PostSse#accessCheck} returned for the request: who it is from; null when it named no one. */
    @SuppressWarnings("unchecked")
    public <P> P principal() {
        return (P) principal;
    }

    @Override
    public String toString() {
        return method + " " + path + " from " + remoteAddress;
    }
}
