package io.postsse.protocol;

/**
 * An incremental parser for {@code text/event-stream}, following the WHATWG HTML rules for
 * interpreting an event stream.
 *
 * <p>Feed it text in chunks of any size, split anywhere; it calls its {@link EventHandler} as each
 * block completes. The result is the same however the text is split, including a CR that ends one
 * chunk and an LF that starts the next. Text must have lost the stream's byte order mark already,
 * as text from the browser's {@code TextDecoderStream} has: a U+FEFF that is left belongs to the
 * stream. Or feed it the raw bytes (never both for one stream): it decodes them as UTF-8 the way
 * browsers do, dropping one leading byte order mark.
 *
 * <p>Not thread-safe: one parser per stream, fed from one thread at a time.
 */
public final class EventStreamParser {
    /** Default cap on one line, and on one event's data, in characters: 1 MiB. */
    public static final int DEFAULT_MAX_LENGTH = 1 << 20;

    private final EventHandler handler;
    private final int maxLineLength;
    private final int maxDataLength;

    /** A line begun in an earlier chunk and not yet ended. */
    private final StringBuilder partialLine = new StringBuilder();
    /** True when the last chunk ended in CR, so an LF at the start of the next one ends nothing. */
    private boolean skipLeadingLf;

    /** The data buffer. Holds a single line as a plain string, since most events have just one. */
    private String firstDataLine;
    private StringBuilder moreDataLines;
    private int dataLength;

    private String eventType = "";
    private String lastEventIdBuffer = "";
    private String lastEventId = "";
    private long retryMillis = -1;
    private boolean failed;
    private Utf8StreamDecoder decoder;

    /** A parser with the default limits. */
    public EventStreamParser(EventHandler handler) {
        this(handler, DEFAULT_MAX_LENGTH, DEFAULT_MAX_LENGTH);
    }

    /**
     * @param maxLineLength the longest line accepted, in characters
     * @param maxDataLength the most data one event may carry, in characters (line feeds included)
     */
    public EventStreamParser(EventHandler handler, int maxLineLength, int maxDataLength) {
        if (handler == null) {
            throw new NullPointerException("handler");
        }
        if (maxLineLength < 1 || maxDataLength < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.handler = handler;
        this.maxLineLength = maxLineLength;
        this.maxDataLength = maxDataLength;
    }

    /**
     * Parses the next chunk of the stream.
     *
     * @throws StreamLimitException when a line or an event's data goes over its limit; the parser
     *     then refuses further input
     */
    public void feed(String chunk) {
        if (failed) {
            throw new IllegalStateException("the parser failed on an earlier chunk");
        }
        int length = chunk.length();
        int position = 0;
        if (skipLeadingLf && length > 0) {
            skipLeadingLf = false;
            if (chunk.charAt(0) == '\n') {
                position = 1;
            }
        }
        while (position < length) {
            int lineStart = position;
            position = lineEnd(chunk, position, length);
            if (position == length) {
                keepPartial(chunk, lineStart, length);
                return;
            }
            char terminator = chunk.charAt(position);
            if (partialLine.length() == 0) {
                checkLineLength(position - lineStart);
                processLine(chunk, lineStart, position);
            } else {
                keepPartial(chunk, lineStart, position);
                String line = partialLine.toString();
                partialLine.setLength(0);
                processLine(line, 0, line.length());
            }
            position++;
            if (terminator == '\r') {
                if (position < length) {
                    if (chunk.charAt(position) == '\n') {
                        position++;
                    }
                } else {
                    skipLeadingLf = true;
                }
            }
        }
    }

    /**
     * Parses the next chunk of the stream's bytes, decoding UTF-8 as browsers do: invalid bytes
     * become U+FFFD, a character split between chunks is decoded once, and one byte order mark at
     * the very start is dropped.
     *
     * @throws StreamLimitException as {@link #feed(String)} does
     */
    public void feed(byte[] bytes, int offset, int length) {
        if (decoder == null) {
            decoder = new Utf8StreamDecoder();
        }
        feed(decoder.decode(bytes, offset, length));
    }

    /**
     * Marks the end of the stream. A block that was not ended by a blank line is discarded, as the
     * spec requires; the stream's last event ID and retry time remain readable.
     */
    public void end() {
        if (decoder != null) {
            decoder.finish(); // an incomplete last character could only end an unterminated line
            decoder = null;
        }
        partialLine.setLength(0);
        skipLeadingLf = false;
        clearData();
        eventType = "";
        lastEventIdBuffer = lastEventId;
    }

    /** The last event ID string: set when a block with an {@code id} field completes. */
    public String lastEventId() {
        return lastEventId;
    }

    /** The reconnection time the stream asked for, in milliseconds, or -1 if it named none. */
    public long retryMillis() {
        return retryMillis;
    }

    /** The index of the first CR or LF at or after {@code from}, or {@code length} if none. */
    private static int lineEnd(String chunk, int from, int length) {
        for (int i = from; i < length; i++) {
            char c = chunk.charAt(i);
            // One comparison rules out almost every character: CR and LF are both below 14.
            if (c <= '\r' && (c == '\n' || c == '\r')) {
                return i;
            }
        }
        return length;
    }

    private void keepPartial(String chunk, int start, int end) {
        checkLineLength(partialLine.length() + (end - start));
        partialLine.append(chunk, start, end);
    }

    private void checkLineLength(int length) {
        if (length > maxLineLength) {
            failed = true;
            throw new StreamLimitException("a line is longer than " + maxLineLength + " characters", maxLineLength);
        }
    }

    private void processLine(String line, int start, int end) {
        if (start == end) {
            dispatch();
            return;
        }
        if (line.charAt(start) == ':') {
            handler.onComment(line.substring(start + 1, end));
            return;
        }
        int colon = start;
        while (colon < end && line.charAt(colon) != ':') {
            colon++;
        }
        int valueStart;
        if (colon < end) {
            valueStart = colon + 1;
            if (valueStart < end && line.charAt(valueStart) == ' ') {
                valueStart++;
            }
        } else {
            valueStart = end;
        }
        int nameLength = colon - start;
        // Field names are case-sensitive; any other name is ignored.
        if (nameLength == 4) {
            if (line.startsWith("data", start)) {
                appendData(line, valueStart, end);
            }
        } else if (nameLength == 5) {
            if (line.startsWith("event", start)) {
                eventType = line.substring(valueStart, end);
            } else if (line.startsWith("retry", start)) {
                setRetry(line, valueStart, end);
            }
        } else if (nameLength == 2 && line.startsWith("id", start)) {
            setLastEventIdBuffer(line, valueStart, end);
        }
    }

    private void appendData(String line, int start, int end) {
        int added = end - start;
        if (firstDataLine == null) {
            if (added > maxDataLength) {
                failDataLimit();
            }
            firstDataLine = line.substring(start, end);
            dataLength = added;
            return;
        }
        if (dataLength + 1 + added > maxDataLength) {
            failDataLimit();
        }
        if (moreDataLines == null) {
            moreDataLines = new StringBuilder(firstDataLine.length() + added + 16);
            moreDataLines.append(firstDataLine);
        } else if (moreDataLines.length() == 0) {
            moreDataLines.append(firstDataLine);
        }
        moreDataLines.append('\n').append(line, start, end);
        dataLength += 1 + added;
    }

    private void failDataLimit() {
        failed = true;
        throw new StreamLimitException("an event's data is longer than " + maxDataLength + " characters", maxDataLength);
    }

    private void setLastEventIdBuffer(String line, int start, int end) {
        for (int i = start; i < end; i++) {
            if (line.charAt(i) == '\0') {
                return; // an id with NULL in it is ignored whole
            }
        }
        lastEventIdBuffer = line.substring(start, end);
    }

    private void setRetry(String line, int start, int end) {
        if (start == end) {
            return;
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                return;
            }
            value = value > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE : value * 10 + (c - '0');
        }
        retryMillis = value;
        handler.onRetry(value);
    }

    private void dispatch() {
        lastEventId = lastEventIdBuffer;
        if (firstDataLine == null) {
            eventType = "";
            return;
        }
        String data = moreDataLines != null && moreDataLines.length() > 0 ? moreDataLines.toString() : firstDataLine;
        String type = eventType.isEmpty() ? ServerSentEvent.DEFAULT_TYPE : eventType;
        clearData();
        eventType = "";
        handler.onEvent(new ServerSentEvent(type, data, lastEventId));
    }

    private void clearData() {
        firstDataLine = null;
        dataLength = 0;
        if (moreDataLines != null) {
            if (moreDataLines.capacity() > 8192) {
                moreDataLines = null;
            } else {
                moreDataLines.setLength(0);
            }
        }
    }
}
