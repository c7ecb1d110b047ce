package io.postsse.server;

/**
 * Decides whether a request may use the stream routes, before its body is read and before any
 * stream byte: a start ({@code POST}), and on resumable routes an attach ({@code GET} or
 * {@code POST} with {@code Last-Event-ID}) and a stop ({@code DELETE}). CORS preflights are not
 * checked (browsers send them without credentials), and are answered as before.
 *
 * <pre>{@code
 * sse.accessCheck = request -> {
 *     String user = tokens.userOf(request.header("Authorization")); // null when not valid
 *     if (user == null) {
 *         throw AccessDenied.unauthorized("Send a valid bearer token.", "Bearer");
 *     }
 *     return user; // the principal: events.request().principal() in the producer
 * };
 * }</pre>
 */
@FunctionalInterface
public interface AccessCheck {
    /** Lets everyone in, naming no one: the default. */
    AccessCheck OPEN = request -> null;

    /**
     * @return who the request is from (any object, or null), which the producer reads with
     *     {@code events.request().principal()}
     * @throws AccessDenied to refuse the request: the client gets a 401 or 403 problem JSON
     */
    Object check(RequestHead request);
}
