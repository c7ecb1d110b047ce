package io.postsse.protocol;

/**
 * The byte entry point: decodes a UTF-8 {@code text/event-stream} body in chunks and parses it.
 *
 * <p>It pairs a {@link Utf8StreamDecoder} with an {@link EventStreamParser}, so it behaves like a
 * browser reading the body: invalid bytes become U+FFFD as {@code TextDecoder} makes them, a
 * character split across chunks is decoded once, and one byte order mark is dropped, only at the
 * very start of the stream (a second one is kept and, being part of a field name, makes that line
 * ignored). Chunks may be split at any byte.
 *
 * <p>Use it on the JVM, where the body arrives as bytes. In the browser, where
 * {@code TextDecoderStream} has already decoded the text and removed the byte order mark, feed
 * {@link EventStreamParser} directly.
 *
 * <p>Not thread-safe: one decoder per stream, fed from one thread at a time.
 */
public final class EventStreamDecoder {
    private final Utf8StreamDecoder utf8 = new Utf8StreamDecoder();
    private final EventStreamParser parser;

    /** A decoder with the parser's default limits. */
    public EventStreamDecoder(EventHandler handler) {
        this.parser = new EventStreamParser(handler);
    }

    /**
     * @param maxLineLength the longest line accepted, in characters
     * @param maxDataLength the most data one event may carry, in characters (line feeds included)
     */
    public EventStreamDecoder(EventHandler handler, int maxLineLength, int maxDataLength) {
        this.parser = new EventStreamParser(handler, maxLineLength, maxDataLength);
    }

    /**
     * Decodes and parses the next chunk of the body.
     *
     * @throws StreamLimitException when a line or an event's data goes over its limit
     */
    public void feed(byte[] bytes, int offset, int length) {
        if (offset < 0 || length < 0 || offset > bytes.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + ", array " + bytes.length);
        }
        if (length == 0) {
            return;
        }
        parser.feed(utf8.decode(bytes, offset, length));
    }

    /** Decodes and parses a whole array. */
    public void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    /**
     * Marks the end of the body: a character left incomplete becomes U+FFFD, and a block not ended
     * by a blank line is discarded.
     */
    public void end() {
        String rest = utf8.finish();
        if (!rest.isEmpty()) {
            parser.feed(rest);
        }
        parser.end();
    }

    /** The last event ID string: set when a block with an {@code id} field completes. */
    public String lastEventId() {
        return parser.lastEventId();
    }

    /** The reconnection time the stream asked for, in milliseconds, or -1 if it named none. */
    public long retryMillis() {
        return parser.retryMillis();
    }
}
