package io.postsse.web;

import io.postsse.protocol.EventHandler;
import io.postsse.protocol.EventStreamParser;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.protocol.StreamLimitException;
import io.postsse.web.browser.AbortController;
import io.postsse.web.browser.Fetch;
import io.postsse.web.browser.Headers;
import io.postsse.web.browser.JsError;
import io.postsse.web.browser.Promise;
import io.postsse.web.browser.ReadableStreamDefaultReader;
import io.postsse.web.browser.RequestInit;
import io.postsse.web.browser.Response;
import io.postsse.web.browser.TextDecoderStream;
import io.postsse.web.browser.TextReadResult;
import org.teavm.jso.JSBody;
import org.teavm.jso.browser.Window;

/**
 * A Server-Sent Events stream read with {@code fetch}, so that the request may be a POST with a
 * body and headers. The layers, in order: {@code fetch} → {@code response.body} piped through
 * {@code TextDecoderStream} → a reader loop → {@link EventStreamParser} → the callbacks.
 *
 * <pre>{@code
 * EventStream stream = EventStream.post("/api/chat")
 *         .jsonBody("{\"prompt\":\"hi\"}")
 *         .on("token", event -> output.appendData(event.data()))
 *         .onClose(reason -> status.setTextContent(reason.name()))
 *         .open();
 * }</pre>
 *
 * <p>{@code onClose} is called exactly once, last; nothing is called after it.
 *
 * <p>Reconnects happen only when the connection fails mid-stream, or a 5xx or 429 arrives before
 * the stream starts: after an exponential backoff with jitter (from the server's {@code retry:} or
 * {@link Builder#initialRetryMillis}, at least any {@code Retry-After}), sending
 * {@code Last-Event-ID} when an id was seen, at most {@link Builder#maxRetries} times in a row, then
 * {@link CloseReason#FAILED}. A stream that ends normally is {@link CloseReason#COMPLETED} and never
 * re-sent; a 4xx or a wrong content type fails at once; a 204 completes with no events. Nothing
 * watches the page's visibility, so a hidden tab keeps its stream.
 *
 * <p>This class is most of {@code postsse.js}, and TeaVM compiles whatever it touches of the Java
 * class library into the script: hence no {@code HashMap}, no {@code long} arithmetic (emulated
 * with {@code BigInt}), no number parsing or formatting from {@code java.lang}, no static state
 * (each class with a static initialiser costs its own guard code), and promise callbacks typed as
 * JavaScript objects (see {@link Promise}).
 */
public final class EventStream {
    /** Receives events. */
    public interface EventListener {
        void onEvent(ServerSentEvent event);
    }

    /** Told that the response started: its status and headers. */
    public interface OpenListener {
        void onOpen(int status, Headers headers);
    }

    /** Told what went wrong. */
    public interface ErrorListener {
        void onError(StreamError error);
    }

    /** Told, once, that the stream ended and why. */
    public interface CloseListener {
        void onClose(CloseReason reason);
    }

    private static final int ERROR_BODY_EXCERPT = 200;
    /** The longest delay {@code setTimeout} takes: a longer one overflows and fires at once. */
    private static final double MAX_TIMEOUT_MILLIS = Integer.MAX_VALUE;

    private final Builder request;
    private AbortController abortController;
    private EventStreamParser parser;
    private ReadableStreamDefaultReader reader;
    private boolean closed;
    /** Connection attempts that failed since the last event arrived. */
    private int failures;
    /** The server's {@code retry:} in milliseconds, or -1 when it sent none. */
    private double serverRetryMillis = -1;
    private String lastEventId = "";
    private int retryTimer = -1;
    /**
     * The reader loop's callbacks, made once rather than per chunk. A rejection means the connection
     * failed mid-stream: the one case, with 5xx and 429, worth a reconnect.
     */
    private final Promise.Fulfilled<TextReadResult> onRead = this::onChunk;
    private final Promise.Rejected onReadFailure = error -> failOrRetry(networkError(error), true, -1);

    private EventStream(Builder request) {
        this.request = request;
    }

    /** Starts describing a POST stream to the URL. */
    public static Builder post(String url) {
        return new Builder("POST", url);
    }

    /** Starts describing a stream with another method, such as GET. */
    public static Builder request(String method, String url) {
        return new Builder(method, url);
    }

    /**
     * Aborts the request through its {@code AbortController}. Calls {@code onClose(ABORTED)} unless
     * the stream had already ended; a second call does nothing.
     */
    public void close() {
        if (closed) {
            return;
        }
        if (retryTimer >= 0) {
            Window.clearTimeout(retryTimer);
            retryTimer = -1;
        }
        abortController.abort();
        finish(CloseReason.ABORTED);
    }

    /** The last event ID seen, sent as {@code Last-Event-ID} when reconnecting; empty when none. */
    public String lastEventId() {
        return lastEventId;
    }

    /** True once the stream ended, whatever the reason. */
    public boolean isClosed() {
        return closed;
    }

    private void start() {
        abortController = new AbortController();
        parser = new EventStreamParser(new EventHandler() {
            @Override
            public void onEvent(ServerSentEvent event) {
                dispatch(event);
            }

            @Override
            public void onRetry(long millis) {
                serverRetryMillis = millis;
            }
        }, request.maxLength, request.maxLength, new NativeSearch());
        RequestInit init = RequestInit.create();
        init.setMethod(request.method);
        Headers headers = new Headers();
        headers.append("Accept", "text/event-stream");
        if (request.body != null) {
            boolean contentTypeGiven = false;
            for (NamedValues.Entry<String> header = request.headers.first(); header != null; header = header.next) {
                contentTypeGiven |= header.name.length() == 12 && startsWithIgnoringCase(header.name, "content-type");
            }
            if (!contentTypeGiven) {
                headers.append("Content-Type", request.contentType);
            }
            init.setBody(request.body);
        }
        for (NamedValues.Entry<String> header = request.headers.first(); header != null; header = header.next) {
            headers.append(header.name, header.value);
        }
        if (!lastEventId.isEmpty()) {
            headers.append("Last-Event-ID", lastEventId);
        }
        init.setHeaders(headers);
        init.setCredentials(request.credentials);
        init.setSignal(abortController.getSignal());
        Fetch.fetch(request.url, init).then(this::onResponse, error -> failWith(networkError(error)));
    }

    private void onResponse(Response response) {
        if (closed) {
            return;
        }
        int status = response.getStatus();
        if (status == 204) {
            finish(CloseReason.COMPLETED);
            return;
        }
        if (status < 200 || status > 299) {
            boolean retryable = status >= 500 || status == 429;
            double retryAfter = retryable ? retryAfterMillis(response.getHeaders().get("Retry-After")) : -1;
            response.text().then(
                    body -> failOrRetry(httpError(status, response.getHeaders().get("Content-Type"), body.stringValue()),
                            retryable, retryAfter),
                    error -> failOrRetry(httpError(status, null, ""), retryable, retryAfter));
            return;
        }
        String contentType = response.getHeaders().get("Content-Type");
        if (contentType == null || !isEventStream(contentType)) {
            abortController.abort();
            failWith(new StreamError(StreamError.Kind.CONTENT_TYPE, status,
                    "expected text/event-stream but got " + (contentType == null ? "no content type" : contentType), ""));
            return;
        }
        if (request.onOpen != null) {
            request.onOpen.onOpen(status, response.getHeaders());
        }
        if (closed) {
            return;
        }
        reader = response.getBody().pipeThrough(new TextDecoderStream()).getReader();
        readNext();
    }

    private void readNext() {
        reader.read().then(onRead, onReadFailure);
    }

    private void onChunk(TextReadResult result) {
        if (closed) {
            return;
        }
        if (result.isDone()) {
            parser.end();
            finish(CloseReason.COMPLETED);
            return;
        }
        try {
            parser.feed(result.getValue());
        } catch (StreamLimitException e) {
            abortController.abort();
            failWith(new StreamError(StreamError.Kind.PARSER_LIMIT, 0, e.getMessage(), ""));
            return;
        }
        if (!closed) {
            readNext();
        }
    }

    private void dispatch(ServerSentEvent event) {
        if (closed) {
            return;
        }
        lastEventId = event.lastEventId();
        failures = 0;
        EventListener typed = request.typedListeners.get(event.type());
        if (typed != null) {
            typed.onEvent(event);
        }
        if (request.onEvent != null && !closed) {
            request.onEvent.onEvent(event);
        }
    }

    /**
     * Reports the error, then reconnects after a backoff when the failure is retryable and attempts
     * remain; otherwise ends the stream as failed.
     */
    private void failOrRetry(StreamError error, boolean retryable, double retryAfterMillis) {
        if (closed) {
            return;
        }
        if (!retryable || failures >= request.maxRetries) {
            failWith(error);
            return;
        }
        failures++;
        error.retrying = true;
        if (request.onError != null) {
            request.onError.onError(error);
        }
        if (closed) {
            return;
        }
        double delay = serverRetryMillis >= 0 ? serverRetryMillis : request.initialRetryMillis;
        for (int i = 1; i < failures && delay < request.maxRetryMillis; i++) {
            delay *= 2;
        }
        delay = Math.min(delay, request.maxRetryMillis);
        // Jitter spreads clients out without ever retrying sooner than the server asked.
        delay += Math.floor(Math.random() * delay * 0.25);
        if (retryAfterMillis > delay) {
            delay = retryAfterMillis;
        }
        retryTimer = Window.setTimeout(() -> {
            retryTimer = -1;
            if (!closed) {
                start();
            }
        }, Math.min(delay, MAX_TIMEOUT_MILLIS));
    }

    /**
     * A {@code Retry-After} value, in seconds or as an HTTP date, in milliseconds; -1 when absent or
     * unreadable. Seconds are added up digit by digit: at most nine of them, exact in a double.
     */
    static double retryAfterMillis(String value) {
        if (value == null) {
            return -1;
        }
        String text = value.trim();
        if (text.isEmpty()) {
            return -1;
        }
        double seconds = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return millisUntilDate(text);
            }
            seconds = seconds * 10 + (c - '0');
        }
        return text.length() > 9 ? -1 : seconds * 1000;
    }

    /** How long until an HTTP date, in milliseconds: 0 once it is past, -1 when the text is no date. */
    @JSBody(params = "text", script = "var at = Date.parse(text);"
            + " return isNaN(at) ? -1 : Math.max(0, Math.floor(at - Date.now()));")
    private static native double millisUntilDate(String text);

    private void failWith(StreamError error) {
        if (closed) {
            return;
        }
        if (request.onError != null) {
            request.onError.onError(error);
        }
        finish(CloseReason.FAILED);
    }

    private void finish(CloseReason reason) {
        if (closed) {
            return;
        }
        closed = true;
        if (request.onClose != null) {
            request.onClose.onClose(reason);
        }
    }

    private static StreamError networkError(JsError error) {
        return new StreamError(StreamError.Kind.NETWORK, 0, describe(error), "");
    }

    /** "Name: message", so that an {@code AbortError} stays recognisable; "Error" when it has no name. */
    @JSBody(params = "error", script = "return (error.name == null ? 'Error' : error.name) + ': ' + error.message;")
    private static native String describe(JsError error);

    private static StreamError httpError(int status, String contentType, String body) {
        String title = httpStatusTitle(status);
        String detail = excerpt(body);
        if (contentType != null && contentType.contains("json")) {
            Problem problem = Problem.parse(body);
            if (problem != null) {
                if (problem.getTitle() != null) {
                    title = problem.getTitle();
                }
                detail = problem.getDetail() != null ? problem.getDetail() : "";
            }
        }
        return new StreamError(StreamError.Kind.HTTP_STATUS, status, title, detail);
    }

    /**
     * "HTTP " and the status, joined in JavaScript: formatting an int in Java would compile TeaVM's
     * number formatting into the script.
     */
    @JSBody(params = "status", script = "return 'HTTP ' + status;")
    private static native String httpStatusTitle(int status);

    private static String excerpt(String body) {
        String trimmed = body.trim();
        return trimmed.length() <= ERROR_BODY_EXCERPT ? trimmed : trimmed.substring(0, ERROR_BODY_EXCERPT) + "\u2026";
    }

    /**
     * Whether a Content-Type names {@code text/event-stream}, in any letter case. Header names and
     * types are compared by hand: {@code toLowerCase} and {@code equalsIgnoreCase} would pull the
     * Unicode case tables into every page.
     */
    private static boolean isEventStream(String contentType) {
        return startsWithIgnoringCase(contentType, "text/event-stream");
    }

    /** Whether the text starts with the lower-case ASCII prefix, ignoring the text's ASCII case. */
    private static boolean startsWithIgnoringCase(String text, String expected) {
        if (text.length() < expected.length()) {
            return false;
        }
        for (int i = 0; i < expected.length(); i++) {
            char c = text.charAt(i);
            char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
            if (lower != expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Describes a stream before it is opened. */
    public static final class Builder {
        private final String method;
        private final String url;
        private final NamedValues<String> headers = new NamedValues<>();
        private final NamedValues<EventListener> typedListeners = new NamedValues<>();
        private String body;
        private String contentType = "application/json";
        private String credentials = "same-origin";
        private int maxLength = EventStreamParser.DEFAULT_MAX_LENGTH;
        private int maxRetries = 5;
        private double initialRetryMillis = 1000;
        private double maxRetryMillis = 30_000;
        private OpenListener onOpen;
        private EventListener onEvent;
        private ErrorListener onError;
        private CloseListener onClose;

        private Builder(String method, String url) {
            this.method = method;
            this.url = url;
        }

        /** A JSON request body, sent as is with {@code Content-Type: application/json}. */
        public Builder jsonBody(String json) {
            this.body = json;
            this.contentType = "application/json";
            return this;
        }

        /** A request header, such as {@code Authorization}. */
        public Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        /** The fetch credentials mode: {@code omit}, {@code same-origin} (the default) or {@code include}. */
        public Builder credentials(String mode) {
            this.credentials = mode;
            return this;
        }

        /** The longest line, and the most data one event may carry, in characters. */
        public Builder maxLength(int characters) {
            this.maxLength = characters;
            return this;
        }

        /**
         * How many reconnects in a row to try before failing (default 5; 0 never reconnects). The
         * count restarts when an event arrives. Only a connection lost mid-stream, a 5xx or a 429
         * is retried; a stream that ended normally never is, so a POST is never silently re-sent.
         */
        public Builder maxRetries(int attempts) {
            this.maxRetries = attempts;
            return this;
        }

        /**
         * The first backoff delay when the server sent no {@code retry:} field (default 1000 ms);
         * it doubles on each failure in a row, up to {@link #maxRetryMillis}, plus up to 25% jitter.
         */
        public Builder initialRetryMillis(long millis) {
            this.initialRetryMillis = millis;
            return this;
        }

        /** The longest backoff delay (default 30 s); a server's {@code Retry-After} may ask for more. */
        public Builder maxRetryMillis(long millis) {
            this.maxRetryMillis = millis;
            return this;
        }

        /** A request body sent as is, with its content type. */
        public Builder body(String body, String contentType) {
            this.body = body;
            this.contentType = contentType;
            return this;
        }

        /** Any object as a JSON body, written by {@link Json#write}: maps, lists, strings, numbers, booleans, null. */
        public Builder jsonBody(Object value) {
            return jsonBody(Json.write(value));
        }

        /** Told the response started: its status and headers. */
        public Builder onOpen(OpenListener listener) {
            this.onOpen = listener;
            return this;
        }

        /** Every event, whatever its type. */
        public Builder onEvent(EventListener listener) {
            this.onEvent = listener;
            return this;
        }

        /** Events of one type; called before the {@link #onEvent} listener. */
        public Builder on(String type, EventListener listener) {
            typedListeners.put(type, listener);
            return this;
        }

        /** Every error; {@link StreamError#retrying()} tells whether a reconnect follows. */
        public Builder onError(ErrorListener listener) {
            this.onError = listener;
            return this;
        }

        /** Called exactly once, last, with why the stream ended. */
        public Builder onClose(CloseListener listener) {
            this.onClose = listener;
            return this;
        }

        /** Sends the request and starts reading; events arrive on later turns of the event loop. */
        public EventStream open() {
            EventStream stream = new EventStream(this);
            stream.start();
            return stream;
        }
    }
}
