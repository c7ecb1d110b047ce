package io.postsse.demo;

/** The language model's server failed; the message says how, in words fit for the user. */
public final class UpstreamException extends Exception {
    public UpstreamException(String message) {
        super(message);
    }
}
