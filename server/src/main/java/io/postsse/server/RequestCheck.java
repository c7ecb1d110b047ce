package io.postsse.server;

/**
 * Checks a bound request body, with the head of its request (its headers, its principal), before
 * any byte of the stream is sent: a {@link RequestValidator} that needs to know who asks.
 */
@FunctionalInterface
public interface RequestCheck<T> {
    /**
     * @return null when the request is acceptable; otherwise what is wrong with it, which the
     *     client receives as the {@code detail} of a 400 problem response
     */
    String check(T body, RequestHead request);
}
