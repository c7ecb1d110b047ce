package io.postsse.server;

/** Checks a bound request body before any byte of the stream is sent. */
@FunctionalInterface
public interface RequestValidator<T> {
    /**
     * @return null when the request is acceptable; otherwise what is wrong with it, which the
     *     client receives as the {@code detail} of a 400 problem response
     */
    String check(T request);
}
