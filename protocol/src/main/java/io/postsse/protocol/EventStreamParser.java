package io.postsse.protocol;

/**
 * An incremental parser for {@code text/event-stream}, following the WHATWG HTML rules for
 * interpreting an event stream.
 *
 * <p>Feed it text in chunks of any size, split anywhere; it calls its {@link EventHandler} as each
 * block completes. The result is the same however the text is split, including a CR that ends one
 * chunk and an LF that starts the next. It does not strip a byte order mark: text from the
 * browser's {@code TextDecoderStream}, or from {@link Utf8StreamDecoder}, has already lost it, and
 * a second one must stay. For a body read as bytes, use {@link EventStreamDecoder}.
 *
 * <p>Memory is bounded: a line, or an event's data, longer than its limit ends parsing with a
 * {@link StreamLimitException}.
 *
 * <p>Not thread-safe: one parser per stream, fed from one thread at a time.
 */
public final class EventStreamParser {
    /** Default cap on one line, and on one event's data, in characters: 1 MiB. */
    public static final int DEFAULT_MAX_LENGTH = 1 << 20;

    private final EventHandler handler;
    private final int maxLineLength;
    private final int maxDataLength;
    private final CharSearch search;

    /** A line begun in an earlier chunk and not yet ended. */
    private final StringBuilder partialLine = new StringBuilder();
    /** True when the last chunk ended in CR, so an LF at the start of the next one ends nothing. */
    private boolean skipLeadingLf;

    /** The data buffer. Holds a single line as a plain string, since most events have just one. */
    private String firstDataLine;
    private StringBuilder moreDataLines;
    private int dataLength;

    private String eventType = "";
    private String lastEventIdBuffer;
    private String lastEventId;
    /** -1 until a retry field is seen; kept by the public constructors' parser only (see {@link RetryField}). */
    private long retryMillis;
    private RetryField retryField;
    private boolean failed;

    /** A parser with the default limits. */
    public EventStreamParser(EventHandler handler) {
        this(handler, DEFAULT_MAX_LENGTH, DEFAULT_MAX_LENGTH);
    }

    /**
     * @param maxLineLength the longest line accepted, in characters
     * @param maxDataLength the most data one event may carry, in characters (line feeds included)
     */
    public EventStreamParser(EventHandler handler, int maxLineLength, int maxDataLength) {
        this(handler, maxLineLength, maxDataLength, CharSearch.STRING_INDEX_OF);
    }

    /**
     * @param search how to find the next line end in a chunk; see {@link CharSearch}
     */
    public EventStreamParser(EventHandler handler, int maxLineLength, int maxDataLength, CharSearch search) {
        this(checked(handler, maxLineLength, maxDataLength, search), maxLineLength, maxDataLength, search, "", null);
        // Set here, not in the constructor the lifecycle's parser shares: see RetryField.
        retryMillis = -1;
        retryField = this::takeRetry;
    }

    /**
     * Takes the value of a valid retry field. This parser's own, made by the public constructors,
     * reads it as a saturated long for {@link #retryMillis()} and {@link EventHandler#onRetry}; the
     * lifecycle's parser hands it to the lifecycle, which reads it as a saturated int. Through this
     * interface the long arithmetic is only reached from the public constructors, so TeaVM leaves it
     * (and its {@code BigInt} helpers) out of the browser's script, whose only parser is the
     * lifecycle's.
     */
    interface RetryField {
        /** A valid retry field: its value is the ASCII digits {@code digits[start, end)}, at least one. */
        void take(CharSequence digits, int start, int end);
    }

    /**
     * The lifecycle's parser, which carries the last event ID over as {@link #resumeFrom} does and
     * hands retry fields to {@code retryField}.
     * Its arguments are not checked: the lifecycle passes its own handler, a last event ID that is
     * never null, and the search and limit from its settings, which the clients' builders have
     * checked; and the checks would be compiled into the browser's script with their exceptions.
     */
    EventStreamParser(EventHandler handler, int maxLength, CharSearch search, String lastEventId, RetryField retryField) {
        this(handler, maxLength, maxLength, search, lastEventId, retryField);
    }

    private EventStreamParser(EventHandler handler, int maxLineLength, int maxDataLength, CharSearch search,
            String lastEventId, RetryField retryField) {
        this.handler = handler;
        this.maxLineLength = maxLineLength;
        this.maxDataLength = maxDataLength;
        this.search = search;
        this.lastEventId = lastEventId;
        this.lastEventIdBuffer = lastEventId;
        this.retryField = retryField;
    }

    private static EventHandler checked(EventHandler handler, int maxLineLength, int maxDataLength, CharSearch search) {
        if (handler == null) {
            throw new NullPointerException("handler");
        }
        if (search == null) {
            throw new NullPointerException("search");
        }
        if (maxLineLength < 1 || maxDataLength < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        return handler;
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
        // Where the next LF and CR are, found with the platform's fastest search (String.indexOf,
        // vectorised on the JVM) and searched for again only once passed.
        int nextLf = -1;
        int nextCr = -1;
        while (position < length) {
            int lineStart = position;
            if (nextLf < position) {
                nextLf = search.indexOf(chunk, '\n', position);
                if (nextLf < 0) {
                    nextLf = length;
                }
            }
            if (nextCr < position) {
                nextCr = search.indexOf(chunk, '\r', position);
                if (nextCr < 0) {
                    nextCr = length;
                }
            }
            position = nextLf < nextCr ? nextLf : nextCr;
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
                // Processed in place: no copy of a long line before its value is taken.
                try {
                    processLine(partialLine, 0, partialLine.length());
                } finally {
                    partialLine.setLength(0);
                }
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
     * Marks the end of the stream. A block that was not ended by a blank line is discarded, as the
     * spec requires; the stream's last event ID and retry time remain readable.
     */
    public void end() {
        partialLine.setLength(0);
        skipLeadingLf = false;
        clearData();
        eventType = "";
        lastEventIdBuffer = lastEventId;
    }

    /**
     * Carries the last event ID string over from an earlier connection of the same stream, as an
     * {@code EventSource} keeps it across reconnections: events without an {@code id} field carry
     * it, until the stream sets another. Call it before the first chunk.
     */
    public void resumeFrom(String lastEventId) {
        if (lastEventId == null) {
            throw new NullPointerException("lastEventId");
        }
        this.lastEventId = lastEventId;
        this.lastEventIdBuffer = lastEventId;
    }

    /** The last event ID string: set when a block with an {@code id} field completes. */
    public String lastEventId() {
        return lastEventId;
    }

    /** The reconnection time the stream asked for, in milliseconds, or -1 if it named none. */
    public long retryMillis() {
        return retryMillis;
    }

    private void keepPartial(String chunk, int start, int end) {
        checkLineLength(partialLine.length() + (end - start));
        partialLine.append(chunk, start, end);
    }

    private void checkLineLength(int length) {
        if (length > maxLineLength) {
            failed = true;
            throw new StreamLimitException("a line is longer than " + decimal(maxLineLength) + " characters", maxLineLength);
        }
    }

    private void processLine(CharSequence line, int start, int end) {
        if (start == end) {
            dispatch();
            return;
        }
        if (line.charAt(start) == ':') {
            handler.onComment(line.subSequence(start + 1, end).toString());
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
            if (startsWith(line, start, "data")) {
                appendData(line, valueStart, end);
            }
        } else if (nameLength == 5) {
            if (startsWith(line, start, "event")) {
                eventType = line.subSequence(valueStart, end).toString();
            } else if (startsWith(line, start, "retry")) {
                setRetry(line, valueStart, end);
            }
        } else if (nameLength == 2 && startsWith(line, start, "id")) {
            setLastEventIdBuffer(line, valueStart, end);
        }
    }

    /** Whether line holds name at start; the caller has checked the name's length. */
    private static boolean startsWith(CharSequence line, int start, String name) {
        for (int i = 0; i < name.length(); i++) {
            if (line.charAt(start + i) != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private void appendData(CharSequence line, int start, int end) {
        int added = end - start;
        if (firstDataLine == null) {
            if (added > maxDataLength) {
                failDataLimit();
            }
            firstDataLine = line.subSequence(start, end).toString();
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
        throw new StreamLimitException("an event's data is longer than " + decimal(maxDataLength) + " characters", maxDataLength);
    }

    /**
     * A non-negative int in decimal. Not {@code "..." + n}: compiled by TeaVM into the browser
     * client, that brings in its general number formatting, several times the size of this loop.
     */
    static String decimal(int n) {
        char[] digits = new char[10];
        int start = digits.length;
        do {
            digits[--start] = (char) ('0' + n % 10);
            n /= 10;
        } while (n > 0);
        return new String(digits, start, digits.length - start);
    }

    private void setLastEventIdBuffer(CharSequence line, int start, int end) {
        for (int i = start; i < end; i++) {
            if (line.charAt(i) == '\0') {
                return; // an id with NULL in it is ignored whole
            }
        }
        lastEventIdBuffer = line.subSequence(start, end).toString();
    }

    private void setRetry(CharSequence line, int start, int end) {
        if (start == end) {
            return;
        }
        for (int i = start; i < end; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                return;
            }
        }
        retryField.take(line, start, end);
    }

    /** The public constructors' {@link RetryField}. */
    private void takeRetry(CharSequence digits, int start, int end) {
        long value = 0;
        for (int i = start; i < end; i++) {
            value = value > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE : value * 10 + (digits.charAt(i) - '0');
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
        handler.onEvent(new ServerSentEvent(type, data, lastEventId, null));
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
