package io.postsse.protocol;

/**
 * One stream's life over as many connections as it takes: the rules both clients follow, with no
 * I/O, no clock and no threads, so that the JVM client and the browser client are thin shells that
 * do what it says.
 *
 * <p>The shell tells it what happened — the response arrived, a chunk of body, a clean end, a
 * broken read, a refused connection, the retry timer fired, the application closed the stream —
 * and each call returns what to do next: {@link #CONNECT} (sending {@link #lastEventId()} as
 * {@code Last-Event-ID} when not empty), keep reading, read the error body, wait
 * {@link #retryDelayMillis()} and call {@link #onRetryTimer()}, or stop. Events, errors and the
 * close reach the {@link Listener} from inside those calls, on the shell's thread.
 *
 * <p>The rules, stated once for both clients:
 * <ul>
 *   <li>A stream that ends normally, or answers 204, is {@link CloseReason#COMPLETED} and never sent
 *       again, so a POST is not silently repeated.
 *   <li>A network failure — the request could not be sent, or the connection broke before the body
 *       ended — a 5xx, or a 429 is retried; any other status, a wrong content type, a parser limit
 *       or a callback that throws ends the stream as {@link CloseReason#FAILED}.
 *   <li>The wait is the server's {@code Retry-After} when it sent one; else the {@link RetryPolicy}
 *       from the server's {@code retry:} (or the client's first delay), by default doubled for
 *       each failure in a row, capped, plus up to a quarter more at random.
 *   <li>At most {@code maxRetries} failures in a row; the count restarts when an event arrives.
 *   <li>Every connection gets a fresh parser, so nothing of a broken connection's half line or half
 *       event reaches the next; the last event ID string carries over, as in {@code EventSource}.
 *   <li>Every error reaches {@code onError}, with {@link StreamError#retrying()} telling whether a
 *       reconnection follows; {@code onClose} is called exactly once, last, and nothing after it.
 *   <li>A callback that throws is reported as {@link StreamError.Kind#HANDLER_FAILED} and ends the
 *       stream. An exception thrown by {@code onError} or {@code onClose} while the stream is
 *       ending is passed on to the shell after {@code onClose} has run.
 * </ul>
 *
 * <p>And for a resumable stream (one whose response named it with {@value #STREAM_HEADER}):
 * <ul>
 *   <li>Every request proposes the stream's id in {@value #STREAM_HEADER} ({@link #streamId()}), so
 *       that a POST sent again after a cut the client never saw the answer to attaches to the
 *       stream the first one started, instead of starting it twice.
 *   <li>Once the response named the stream, the resume point is {@code <id>:0} until an event
 *       moves it: a reconnection before any event still attaches, and never runs the producer again.
 *   <li>While the stream may be resumable (it proposed an id, and no response came without one),
 *       a 2xx response without a content type, or one that names the stream without being
 *       {@code text/event-stream}, is a head cut short, which a browser takes for a whole head: it
 *       is retried like a broken read. A resumable server names the stream before the type.
 *   <li>The stream ends only with its end marker, the event {@value #END_EVENT}, which is not
 *       dispatched: its data {@code cancelled} closes as {@link CloseReason#CANCELLED}, anything
 *       else as {@link CloseReason#COMPLETED}. A body that ends without it was cut, and is attached
 *       again like any broken read.
 *   <li>{@code 410 Gone}, on any stream, is {@link StreamError.Kind#GONE}: never retried, and never
 *       answered by starting the stream afresh.
 *   <li>Closing a stream that may be running on the server returns {@link #CANCEL}: the shell tells
 *       the server to stop it, since a dropped connection alone leaves it running for a grace period.
 * </ul>
 *
 * <p>Not thread-safe: one shell thread (or the browser's event loop) calls it.
 */
public final class StreamLifecycle {
    // What the shell does next: ints, not an enum, because every enum costs the browser's script
    // a class with a static initialiser.

    /** Send the request, with {@code Last-Event-ID: }{@link #lastEventId()} when it is not empty. */
    public static final int CONNECT = 1;
    /** Read the next chunk of the body. */
    public static final int READ = 2;
    /** Read the start of the error response's body, then call {@link #onErrorBody}. */
    public static final int READ_ERROR_BODY = 3;
    /** Drop the connection, wait {@link #retryDelayMillis()}, then call {@link #onRetryTimer()}. */
    public static final int WAIT = 4;
    /** Drop the connection: the stream has ended and {@code onClose} has been called. */
    public static final int STOP = 5;
    /**
     * Drop the connection and tell the server to stop the stream — {@code DELETE} of the stream's
     * URL with {@value #STREAM_HEADER}{@code : }{@link #streamId()} — without waiting for its
     * answer: the stream has ended and {@code onClose} has been called.
     */
    public static final int CANCEL = 6;

    /** The header that names a resumable stream: proposed by the request, confirmed by the response. */
    public static final String STREAM_HEADER = "Postsse-Stream";
    /** The type of a resumable stream's last event, its end marker. */
    public static final String END_EVENT = "postsse.end";

    /**
     * Where a resumable stream starts: the id before its first event ({@code <stream>:0}), from which
     * a resume replays the whole stream.
     */
    public static String startOf(String streamId) {
        return streamId + ":0";
    }

    /** Receives the stream's callbacks, from inside the lifecycle's methods. */
    public interface Listener {
        /** A connection opened: 2xx {@code text/event-stream}. */
        void onOpen(int status);

        void onEvent(ServerSentEvent event);

        void onError(StreamError error);

        void onClose(CloseReason reason);
    }

    /** Reads an HTTP date, as a {@code Retry-After} may be; the platform knows the time. */
    public interface HttpDates {
        /** Milliseconds from now until the date, 0 once past; -1 when the text is no date. */
        int millisUntil(String httpDate);
    }

    /** How a stream reconnects and parses. Public fields, set before the lifecycle is made. */
    public static final class Settings {
        /** Failures in a row before the stream fails; 0 never reconnects. */
        public int maxRetries = 5;
        /** The first wait when the server sent no {@code retry:}. */
        public int initialRetryMillis = 1000;
        /** The longest wait the policy gives (a {@code Retry-After} may ask for more). */
        public int maxRetryMillis = 30_000;
        /**
         * The longest line, and the most data in one event, in characters: at least 1, which the
         * clients' builders check; the lifecycle does not check it again.
         */
        public int maxLength = EventStreamParser.DEFAULT_MAX_LENGTH;
        /**
         * How the parser finds line ends: {@link CharSearch#STRING_INDEX_OF} on the JVM, the
         * engine's own {@code indexOf} in the browser. Required (not checked: the first chunk read
         * without it throws a {@code NullPointerException}): a default here would compile the JVM's
         * search into the browser's script too.
         */
        public CharSearch search;
        /** The backoff; null: {@link RetryPolicy#exponentialWithJitter()}. */
        public RetryPolicy retryPolicy;
        /** Reads a {@code Retry-After} date; null: dates are ignored and the policy decides. */
        public HttpDates httpDates;
        /** A last event ID to start from, as if an earlier connection had set it. */
        public String lastEventId = "";
        /**
         * The id this client proposes for a new stream, sent in {@value StreamLifecycle#STREAM_HEADER}: at least
         * 128 random bits in 22 to 64 characters of {@code A-Z a-z 0-9 _ -}, drawn by the shell
         * for each stream. Null: none is proposed, and a cut before the response arrived cannot be
         * told from a stream never started.
         */
        public String streamId;
    }

    private static final int NEW = 0;
    private static final int CONNECTING = 1;
    private static final int ERROR_BODY = 2;
    private static final int READING = 3;
    private static final int WAITING = 4;
    private static final int CLOSED = 5;
    private static final int MAX_RETRY_AFTER_SECONDS = Integer.MAX_VALUE / 1000;

    private final Listener listener;
    // The settings as they were when the stream opened: a builder changed later changes nothing here.
    private final int maxRetries;
    private final int initialRetryMillis;
    private final int maxRetryMillis;
    private final int maxLength;
    private final CharSearch search;
    private final HttpDates httpDates;
    private final RetryPolicy retryPolicy;
    private final ParserHandler parserHandler = new ParserHandler();

    /** What each connection's parser finds: its events, and its retry fields as an int. */
    private final class ParserHandler implements EventHandler, EventStreamParser.RetryField {
        @Override
        public void onEvent(ServerSentEvent event) {
            dispatch(event);
        }

        /** The server's retry, saturated at {@code Integer.MAX_VALUE} (the longest wait the clients keep). */
        @Override
        public void take(CharSequence digits, int start, int end) {
            int value = 0;
            for (int i = start; i < end; i++) {
                int digit = digits.charAt(i) - '0';
                value = value > (Integer.MAX_VALUE - digit) / 10 ? Integer.MAX_VALUE : value * 10 + digit;
            }
            serverRetryMillis = value;
        }
    }

    private int state = NEW;
    private EventStreamParser parser;
    /** The decoder of a body read as bytes; see {@link ByteDecoder} for why it is held by an interface. */
    private ByteDecoder utf8;
    private String lastEventId;
    private int serverRetryMillis = -1;
    private int failuresInARow;
    private int retryDelayMillis;
    private int errorStatus;
    private String errorRetryAfter;
    private String streamId;
    /** A response named the stream: it ends only with its end marker. */
    private boolean resumable;
    /** A response came that did not name the stream: the server will not resume it, nor stop it. */
    private boolean plain;

    public StreamLifecycle(Listener listener, Settings settings) {
        this.listener = listener;
        this.maxRetries = settings.maxRetries;
        this.initialRetryMillis = settings.initialRetryMillis;
        this.maxRetryMillis = settings.maxRetryMillis;
        this.maxLength = settings.maxLength;
        this.search = settings.search;
        this.httpDates = settings.httpDates;
        this.retryPolicy = settings.retryPolicy != null ? settings.retryPolicy : RetryPolicy.exponentialWithJitter();
        this.lastEventId = settings.lastEventId == null ? "" : settings.lastEventId;
        this.streamId = settings.streamId;
    }

    /** The first connection. */
    public int start() {
        return state == NEW ? connect() : ignored();
    }

    /** The request failed before any response: refused, reset, unreachable. */
    public int onConnectFailed(String message, Throwable cause) {
        if (state != CONNECTING) {
            return ignored();
        }
        return retryOrFail(StreamError.Kind.NETWORK, 0, message, "", cause, -1);
    }

    /** The response's status and headers arrived, from a server that does not resume streams. */
    public int onResponse(int status, String contentType, String retryAfter) {
        return onResponse(status, contentType, retryAfter, null);
    }

    /**
     * The response's status and headers arrived; {@code stream} is its {@value #STREAM_HEADER}
     * header, or null.
     */
    public int onResponse(int status, String contentType, String retryAfter, String stream) {
        if (state != CONNECTING) {
            return ignored();
        }
        if (status == 204) {
            return finish(CloseReason.COMPLETED);
        }
        if (status < 200 || status > 299) {
            state = ERROR_BODY;
            errorStatus = status;
            errorRetryAfter = retryAfter;
            return READ_ERROR_BODY;
        }
        if (contentType == null || !AsciiCase.startsWith(contentType, "text/event-stream")) {
            if (cutHead(contentType, stream)) {
                return retryOrFail(StreamError.Kind.NETWORK, 0, "the response's head was cut short", "", null, -1);
            }
            return fail(new StreamError(StreamError.Kind.CONTENT_TYPE, status, "expected text/event-stream but got "
                    + (contentType == null || contentType.isEmpty() ? "no content type" : contentType), "", null, false));
        }
        if (stream != null && !stream.isEmpty()) {
            resumable = true;
            streamId = stream;
            if (lastEventId.isEmpty()) {
                lastEventId = startOf(stream);
            }
        } else if (!resumable) {
            plain = true;
        }
        state = READING;
        parser = new EventStreamParser(parserHandler, maxLength, search, lastEventId, parserHandler);
        utf8 = null;
        try {
            listener.onOpen(status);
        } catch (RuntimeException e) {
            handlerFailed(e);
        }
        return reading();
    }

    /**
     * Whether a 2xx response that is not {@code text/event-stream} is the head of a resumable
     * stream's response cut short. A browser takes a head cut by the network for a whole one, with
     * an empty body; a resumable server names the stream before it gives the content type, so such a
     * head has no content type, or names the stream with a type cut off. Only for a stream that may
     * be resumable: a request sent again after it attaches to the stream the first one started.
     */
    private boolean cutHead(String contentType, String stream) {
        return streamId != null && !plain
                && (contentType == null || contentType.isEmpty() || (stream != null && !stream.isEmpty()));
    }

    /**
     * The error response's body was read, as far as the shell reads it: its title (a problem
     * JSON's, else {@code HTTP <status>}) and detail (a problem JSON's, else an excerpt).
     */
    public int onErrorBody(String title, String detail) {
        if (state != ERROR_BODY) {
            return ignored();
        }
        int status = errorStatus;
        if (status == 410) {
            return fail(new StreamError(StreamError.Kind.GONE, status, title, detail, null, false));
        }
        if (status == 429 || status >= 500) {
            return retryOrFail(StreamError.Kind.HTTP_STATUS, status, title, detail, null, retryAfterMillis(errorRetryAfter));
        }
        return fail(new StreamError(StreamError.Kind.HTTP_STATUS, status, title, detail, null, false));
    }

    /** A chunk of the body, as decoded text (the browser's {@code TextDecoderStream}). */
    public int onText(String chunk) {
        if (state != READING) {
            return ignored();
        }
        try {
            parser.feed(chunk);
        } catch (StreamLimitException e) {
            if (state == READING) {
                return fail(new StreamError(StreamError.Kind.PARSER_LIMIT, 0, e.getMessage(), "", e, false));
            }
        }
        return reading();
    }

    /** A chunk of the body, as UTF-8 bytes; a character split across chunks is decoded once. */
    public int onBytes(byte[] bytes, int offset, int length) {
        if (state != READING) {
            return ignored();
        }
        if (utf8 == null) {
            utf8 = new Utf8StreamDecoder();
        }
        return length == 0 ? READ : onText(utf8.decode(bytes, offset, length));
    }

    /** The body ended normally (for HTTP/1.1, the last chunk of a chunked body arrived). */
    public int onEnd() {
        if (state != READING) {
            return ignored();
        }
        if (utf8 != null) {
            String rest = utf8.finish();
            if (!rest.isEmpty()) {
                int next = onText(rest);
                if (next != READ) {
                    return next;
                }
            }
        }
        parser.end();
        if (state != READING) {
            return STOP;
        }
        if (resumable) {
            // Only the end marker ends a resumable stream: this body was cut at an event's edge.
            return retryOrFail(StreamError.Kind.NETWORK, 0, "the stream ended without its end marker", "", null, -1);
        }
        return finish(CloseReason.COMPLETED);
    }

    /** Reading the body failed before it ended: the connection broke, was reset, or cut short. */
    public int onBroken(String message, Throwable cause) {
        if (state != READING) {
            return ignored();
        }
        return retryOrFail(StreamError.Kind.NETWORK, 0, message, "", cause, -1);
    }

    /** The wait after {@link #WAIT} is over. */
    public int onRetryTimer() {
        if (state != WAITING) {
            return ignored();
        }
        return connect();
    }

    /**
     * The application closes the stream: {@code onClose(CANCELLED)}, unless it had ended already.
     * Returns {@link #CANCEL} when the server may be running the stream and can be told to stop it:
     * it was resumable, or no response has said otherwise yet.
     */
    public int close() {
        if (state == CLOSED) {
            return STOP;
        }
        boolean tellServer = state != NEW && streamId != null && !plain;
        finish(CloseReason.CANCELLED);
        return tellServer ? CANCEL : STOP;
    }

    /** The last event ID string: what the next connection sends as {@code Last-Event-ID}; empty when none. */
    public String lastEventId() {
        return parser != null ? parser.lastEventId() : lastEventId;
    }

    /**
     * The stream's id, to send as {@value #STREAM_HEADER}: the one a response named, else the one
     * proposed in the settings; null when neither.
     */
    public String streamId() {
        return streamId;
    }

    /** True once a response named the stream: it is resumable, and ends only with its end marker. */
    public boolean resumable() {
        return resumable;
    }

    /** How long to wait after {@link #WAIT}, in milliseconds. */
    public int retryDelayMillis() {
        return retryDelayMillis;
    }

    /** True once {@code onClose} has been called. */
    public boolean isClosed() {
        return state == CLOSED;
    }

    private int connect() {
        state = CONNECTING;
        return CONNECT;
    }

    /**
     * A report that comes after the stream ended (a response or a chunk that was under way when the
     * application closed it) changes nothing. Any other out of turn is the shell's mistake.
     */
    private int ignored() {
        if (state != CLOSED) {
            throw new IllegalStateException("reported out of turn");
        }
        return STOP;
    }

    private int reading() {
        return state == READING ? READ : STOP;
    }

    private void dispatch(ServerSentEvent event) {
        if (state != READING) {
            return;
        }
        failuresInARow = 0;
        if (END_EVENT.equals(event.type())) {
            finish("cancelled".equals(event.data()) ? CloseReason.CANCELLED : CloseReason.COMPLETED);
            return;
        }
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            handlerFailed(e);
        }
    }

    private void handlerFailed(RuntimeException e) {
        if (state != CLOSED) {
            // The exception's message, not its toString(): in the browser, class names cost script size.
            String message = e.getMessage();
            fail(new StreamError(StreamError.Kind.HANDLER_FAILED, 0,
                    message == null ? "a callback threw" : "a callback threw: " + message, "", e, false));
        }
    }

    private int retryOrFail(StreamError.Kind kind, int status, String message, String detail, Throwable cause,
            int retryAfterMillis) {
        leaveConnection();
        failuresInARow++;
        if (failuresInARow > maxRetries) {
            return fail(new StreamError(kind, status, message, detail, cause, false));
        }
        state = WAITING;
        retryDelayMillis = retryAfterMillis >= 0 ? retryAfterMillis
                : Math.max(0, retryPolicy.delayMillis(failuresInARow,
                        serverRetryMillis >= 0 ? serverRetryMillis : initialRetryMillis, maxRetryMillis));
        try {
            listener.onError(new StreamError(kind, status, message, detail, cause, true));
        } catch (RuntimeException e) {
            handlerFailed(e);
        }
        return state == WAITING ? WAIT : STOP;
    }

    /** Reports the error, then closes as failed. */
    private int fail(StreamError error) {
        leaveConnection();
        state = CLOSED;
        RuntimeException thrown = null;
        try {
            listener.onError(error);
        } catch (RuntimeException e) {
            thrown = e; // passed on once onClose has run
        }
        listener.onClose(CloseReason.FAILED);
        if (thrown != null) {
            throw thrown;
        }
        return STOP;
    }

    private int finish(CloseReason reason) {
        leaveConnection();
        state = CLOSED;
        listener.onClose(reason);
        return STOP;
    }

    /** Keeps what outlives the connection (the last event ID) and drops its parser. */
    private void leaveConnection() {
        if (parser != null) {
            lastEventId = parser.lastEventId();
            parser = null;
        }
        utf8 = null;
    }

    /**
     * A {@code Retry-After} in milliseconds: delay-seconds, or an HTTP date when the shell can read
     * one; -1 when absent or unreadable.
     */
    private int retryAfterMillis(String value) {
        if (value == null) {
            return -1;
        }
        // Trimmed by hand, as String.trim would: no copy, and no trim in the browser's script.
        int start = 0;
        int end = value.length();
        while (start < end && value.charAt(start) <= ' ') {
            start++;
        }
        while (end > start && value.charAt(end - 1) <= ' ') {
            end--;
        }
        if (start == end) {
            return -1;
        }
        int seconds = 0;
        for (int i = start; i < end; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return httpDates == null ? -1 : httpDates.millisUntil(value.substring(start, end));
            }
            if (seconds < MAX_RETRY_AFTER_SECONDS) {
                seconds = seconds * 10 + (c - '0');
            }
        }
        return seconds >= MAX_RETRY_AFTER_SECONDS ? Integer.MAX_VALUE : seconds * 1000;
    }
}
