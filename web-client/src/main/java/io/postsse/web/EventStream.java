package io.postsse.web;

import io.postsse.protocol.AsciiCase;
import io.postsse.protocol.CharSearch;
import io.postsse.protocol.CloseReason;
import io.postsse.protocol.RetryPolicy;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.protocol.StreamError;
import io.postsse.protocol.StreamLifecycle;
import io.postsse.web.browser.AbortController;
import io.postsse.web.browser.AbortSignal;
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
import org.teavm.jso.JSFunctor;
import org.teavm.jso.JSObject;
import org.teavm.jso.core.JSString;

/**
 * A Server-Sent Events stream read with {@code fetch}, so that the request may be a POST with a
 * body and headers. The layers, in order: {@code fetch} → {@code response.body} piped through
 * {@code TextDecoderStream} → a reader loop → {@link StreamLifecycle} (the parser, and every rule
 * of when to reconnect, shared with the JVM client) → the callbacks.
 *
 * <pre>{@code
 * EventStream stream = EventStream.post("/api/chat")
 *         .jsonBody("{\"prompt\":\"hi\"}")
 *         .on("token", event -> output.appendData(event.data()))
 *         .onClose(reason -> status.setTextContent(reason.name()))
 *         .open();
 * }</pre>
 *
 * <p>{@code onClose} is called exactly once, last; nothing is called after it. A callback that
 * throws ends the stream: {@code onError} with {@link StreamError.Kind#HANDLER_FAILED}, then
 * {@code onClose(FAILED)}.
 *
 * <p>Reconnection follows {@link StreamLifecycle}'s rules: a network failure (refused, reset, or a
 * body cut short), a 5xx or a 429 is retried, after the server's {@code Retry-After}, else after an
 * exponential backoff with jitter from the server's {@code retry:} or
 * {@link Builder#initialRetryMillis}, sending {@code Last-Event-ID} when an id was seen, at most
 * {@link Builder#maxRetries} failures in a row, then {@link CloseReason#FAILED}. A stream that ends
 * normally is {@link CloseReason#COMPLETED} and never re-sent; a 4xx or a wrong content type fails
 * at once; a 204 completes with no events. Nothing watches the page's visibility, so a hidden tab
 * keeps its stream.
 *
 * <p>Every request names its stream in a {@code Postsse-Stream} header, a random id for a new
 * stream. When the response names it too (a resumable route), a cut is attached to again from
 * {@code <id>:<seq>} rather than run again, the stream ends only with its end marker, and
 * {@link #close} also stops it on the server. {@link Builder#persist} and {@link #resume} carry such
 * a stream across a reload of the page.
 *
 * <p>This class is most of {@code postsse.js}, and TeaVM compiles whatever it touches of the Java
 * class library into the script: hence no {@code HashMap}, no {@code long} arithmetic (emulated
 * with {@code BigInt}), no number parsing or formatting from {@code java.lang}, no static state
 * (each class with a static initialiser costs its own guard code), and every browser callback
 * through one interface that takes a JavaScript object (see {@link Callback}): TeaVM hands such an
 * argument over as it is, where TeaVM's own {@code JSPromise} callbacks would pull in its machinery
 * for wrapping any value as a Java object.
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

    private final Builder request;
    private final StreamLifecycle lifecycle;
    private AbortController abortController;
    private Response response;
    private ReadableStreamDefaultReader reader;
    /**
     * The reader loop's callbacks, made once rather than per chunk. Nothing of an earlier
     * connection can reach them late: a connection is let go (aborted) only once the lifecycle has
     * ended, or after its read, fetch or error body had already finished.
     */
    private final Reaction onRead = new Reaction(StreamLifecycle.READ, false);
    private final Reaction onReadFailed = new Reaction(StreamLifecycle.READ, true);
    private int retryTimer = -1;
    /** The listener on the application's {@link Builder#signal}, removed when the stream closes; null when none. */
    private JSObject abortListener;
    /**
     * What the application's {@code onClose} threw, passed on by {@link #act} once the stream has
     * done what the lifecycle said: the stop on the server, above all.
     */
    private RuntimeException thrownByOnClose;

    private EventStream(Builder request) {
        this.request = request;
        StreamLifecycle.Settings settings = request.settings;
        Callbacks callbacks = new Callbacks();
        settings.search = callbacks;
        settings.httpDates = callbacks;
        settings.streamId = request.streamId != null ? request.streamId : newStreamId();
        StreamLifecycle lifecycle = new StreamLifecycle(callbacks, settings);
        this.lifecycle = lifecycle;
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
     * Resumes the stream that a {@link Builder#persist persisted} stream under this key left
     * unfinished, when the page was reloaded or left: a {@code GET} of its URL that attaches to
     * the same stream on the server, from the last event whose callbacks ran, so that each event
     * reaches the page once. Returns a builder to add the headers and listeners to, then
     * {@link Builder#open}; it keeps the stream persisted under the key. Null when nothing is kept
     * under the key: no such stream was running, or it ended.
     */
    public static Builder resume(String key) {
        SavedStream saved = SavedStream.load(key);
        if (saved == null) {
            return null;
        }
        Builder builder = new Builder("GET", saved.getUrl()).persist(key);
        builder.streamId = saved.getStreamId();
        builder.settings.lastEventId = saved.getLastEventId();
        return builder;
    }

    /**
     * Aborts the request through its {@code AbortController}. Calls {@code onClose(CANCELLED)} unless
     * the stream had already ended; a second call does nothing. A stream the server may still be
     * running for it (a resumable one, or one no response has come for yet) is also stopped on the
     * server: a {@code DELETE} of its URL names it, sent without waiting for the answer. What the
     * {@code onClose} listener throws, this throws, once the stop is sent.
     */
    public void close() {
        act(lifecycle.close());
    }

    /** The last event ID seen, sent as {@code Last-Event-ID} when reconnecting; empty when none. */
    public String lastEventId() {
        return lifecycle.lastEventId();
    }

    /**
     * The stream's id, sent as {@code Postsse-Stream}: the one the response named, else the random
     * one proposed for a new stream.
     */
    public String streamId() {
        return lifecycle.streamId();
    }

    /** True once the stream ended, whatever the reason. */
    public boolean isClosed() {
        return lifecycle.isClosed();
    }

    /** Does what the lifecycle said. */
    private void act(int next) {
        if (next == StreamLifecycle.CONNECT) {
            connect();
        } else if (next == StreamLifecycle.READ) {
            then(reader.read(), onRead, onReadFailed);
        } else if (next == StreamLifecycle.READ_ERROR_BODY) {
            readErrorBody(response);
        } else if (next == StreamLifecycle.WAIT) {
            dropConnection();
            retryTimer = setTimeout(new Reaction(StreamLifecycle.WAIT, false), lifecycle.retryDelayMillis());
        } else {
            dropConnection();
            if (next == StreamLifecycle.CANCEL) {
                stopOnServer();
            }
        }
        RuntimeException thrown = thrownByOnClose;
        if (thrown != null) {
            thrownByOnClose = null;
            throw thrown;
        }
    }

    private void connect() {
        abortController = new AbortController();
        RequestInit init = requestInit();
        init.setSignal(abortController.getSignal());
        then(Fetch.fetch(request.url, init), new Reaction(StreamLifecycle.CONNECT, false),
                new Reaction(StreamLifecycle.CONNECT, true));
    }

    /** The request as the next connection sends it, but for its abort signal. */
    private RequestInit requestInit() {
        RequestInit init = RequestInit.create();
        init.setMethod(request.method);
        Headers headers = requestHeaders(false);
        headers.append("Accept", "text/event-stream");
        if (request.body != null) {
            init.setBody(request.body);
        }
        String lastEventId = lifecycle.lastEventId();
        if (!lastEventId.isEmpty()) {
            headers.append("Last-Event-ID", lastEventId);
        }
        init.setHeaders(headers);
        init.setCredentials(request.credentials);
        return init;
    }

    /**
     * Builds the request as {@code fetch} would, and throws the browser's {@code TypeError} when it
     * refuses it (a malformed URL, method or header, an unknown credentials mode, a GET with a
     * body): {@code fetch} would only reject, which looks like a network failure, retried to no end.
     */
    @JSBody(params = {"url", "init"}, script = "new Request(url, init);")
    private static native void checkRequest(String url, RequestInit init);

    /**
     * The application's headers and the stream's id; with the body's {@code Content-Type} unless
     * the application set one, or this is the stop, which has no body.
     */
    private Headers requestHeaders(boolean stop) {
        Headers headers = new Headers();
        boolean contentTypeGiven = stop || request.body == null;
        for (NamedValues.Entry<String> header = request.headers.first(); header != null; header = header.next) {
            boolean contentType = AsciiCase.equals(header.name, "content-type");
            contentTypeGiven |= contentType;
            if (!stop || !contentType) {
                headers.append(header.name, header.value);
            }
        }
        if (!contentTypeGiven) {
            headers.append("Content-Type", request.contentType);
        }
        String streamId = lifecycle.streamId();
        if (streamId != null) {
            headers.append(StreamLifecycle.STREAM_HEADER, streamId);
        }
        return headers;
    }

    /**
     * Tells the server to stop the stream, whose connection alone would leave it running for a
     * while: {@code keepalive}, so that it is sent even when the page is being left; its answer, or
     * failure, changes nothing.
     */
    private void stopOnServer() {
        RequestInit init = RequestInit.create();
        init.setMethod("DELETE");
        init.setHeaders(requestHeaders(true));
        init.setCredentials(request.credentials);
        init.setKeepalive(true);
        ignoreOutcome(Fetch.fetch(request.url, init));
    }

    /**
     * Keeps a new persisted stream from the moment its request is sent, at its start ({@code <id>:0}):
     * a page reloaded before the response came can still attach to the stream the request started,
     * or learn that it never started (a 410, {@code GONE}), instead of losing it.
     */
    private void rememberStart() {
        String streamId = lifecycle.streamId();
        if (request.persistKey != null && lifecycle.lastEventId().isEmpty() && streamId != null) {
            SavedStream.save(request.persistKey, request.url, streamId, StreamLifecycle.startOf(streamId));
        }
    }

    /** Keeps where a persisted stream resumes from, once a response named the stream. */
    private void remember() {
        if (request.persistKey != null && lifecycle.resumable() && !lifecycle.isClosed()) {
            SavedStream.save(request.persistKey, request.url, lifecycle.streamId(), lifecycle.lastEventId());
        }
    }

    private void onResponse(Response received) {
        response = received;
        Headers headers = received.getHeaders();
        int next = lifecycle.onResponse(received.getStatus(), headers.get("Content-Type"), headers.get("Retry-After"),
                headers.get(StreamLifecycle.STREAM_HEADER));
        if (next == StreamLifecycle.READ) {
            reader = received.getBody().pipeThrough(new TextDecoderStream()).getReader();
        }
        act(next);
    }

    /** Reads an error response for a problem JSON's title and detail, or an excerpt. */
    private void readErrorBody(Response errorResponse) {
        Reaction read = new Reaction(StreamLifecycle.READ_ERROR_BODY, false);
        read.status = errorResponse.getStatus();
        read.contentType = errorResponse.getHeaders().get("Content-Type");
        Reaction failed = new Reaction(StreamLifecycle.READ_ERROR_BODY, true);
        failed.status = read.status;
        then(errorResponse.text(), read, failed);
    }

    /**
     * A callback for the step, made from inside the stream: {@code stream.new Reaction(...)} would
     * check {@code stream} for null, which compiles {@code Objects.requireNonNull} into the script.
     */
    private Reaction reaction(int step) {
        return new Reaction(step, false);
    }

    /** Lets go of the current connection and any pending retry. */
    private void dropConnection() {
        if (retryTimer >= 0) {
            clearTimeout(retryTimer);
            retryTimer = -1;
        }
        if (abortController != null) {
            abortController.abort();
            abortController = null;
        }
        reader = null;
        response = null;
    }

    /**
     * What the browser calls back: a promise's outcome (its value, or the reason it was rejected),
     * the retry timer, the application's abort signal; one interface for all, since each costs the
     * script its own code.
     */
    @JSFunctor
    interface Callback extends JSObject {
        void call(JSObject value);
    }

    @JSBody(params = {"promise", "fulfilled", "rejected"}, script = "promise.then(fulfilled, rejected);")
    private static native void then(Promise<?> promise, Callback fulfilled, Callback rejected);

    @JSBody(params = {"callback", "millis"}, script = "return setTimeout(callback, millis);")
    private static native int setTimeout(Callback callback, int millis);

    @JSBody(params = "timer", script = "clearTimeout(timer);")
    private static native void clearTimeout(int timer);

    @JSBody(params = {"signal", "handler"}, script = "signal.addEventListener('abort', handler); return handler;")
    private static native JSObject addAbortListener(AbortSignal signal, Callback handler);

    @JSBody(params = {"signal", "listener"}, script = "signal.removeEventListener('abort', listener);")
    private static native void removeAbortListener(AbortSignal signal, JSObject listener);

    @JSBody(params = "handler", script = "queueMicrotask(handler);")
    private static native void queueMicrotask(Callback handler);

    /** Lets the promise settle unheard, so that its failure is not reported as unhandled either. */
    @JSBody(params = "promise", script = "promise.catch(function () {});")
    private static native void ignoreOutcome(Promise<?> promise);

    /** A new stream's id: 128 random bits, as 32 hex digits. */
    @JSBody(script = "var b = crypto.getRandomValues(new Uint8Array(16)), s = '';"
            + " for (var i = 0; i < 16; i++) s += (b[i] + 256).toString(16).slice(1); return s;")
    private static native String newStreamId();

    @JSBody(params = {"text", "c", "from"}, script = "return text.indexOf(String.fromCharCode(c), from);")
    private static native int nativeIndexOf(String text, char c, int from);

    /** How long until an HTTP date, in milliseconds: 0 once it is past, -1 when the text is no date. */
    @JSBody(params = "text", script = "var at = Date.parse(text);"
            + " return isNaN(at) ? -1 : Math.min(2147483647, Math.max(0, Math.floor(at - Date.now())));")
    private static native int millisUntilDate(String text);

    /** "Name: message", so that an {@code AbortError} stays recognisable; "Error" when it has no name. */
    @JSBody(params = "error", script = "return (error.name == null ? 'Error' : error.name) + ': ' + error.message;")
    private static native String describe(JsError error);

    /**
     * "HTTP " and the status, joined in JavaScript: formatting an int in Java would compile TeaVM's
     * number formatting into the script.
     */
    @JSBody(params = "status", script = "return 'HTTP ' + status;")
    private static native String httpStatusTitle(int status);

    /**
     * What the browser calls back, for the step the lifecycle asked for: a fetch's response or
     * failure, a read's chunk or failure, an error body's text or failure, the retry timer, the
     * application's abort signal. One class told apart by its step (and, for a promise, by whether
     * it is told the failure), rather than a lambda each: every class costs {@code postsse.js} its
     * own code.
     */
    private final class Reaction implements Callback {
        /** {@link StreamLifecycle#CONNECT}, {@code READ}, {@code READ_ERROR_BODY}, {@code WAIT} or {@code CANCEL}. */
        private final int step;
        /** For a promise: whether this is told its failure rather than its value. */
        private final boolean failed;
        /** The error response's status and content type, for {@code READ_ERROR_BODY}. */
        private int status;
        private String contentType;

        Reaction(int step, boolean failed) {
            this.step = step;
            this.failed = failed;
        }

        @Override
        public void call(JSObject value) {
            if (step == StreamLifecycle.WAIT) {
                retryTimer = -1;
                act(lifecycle.onRetryTimer());
            } else if (step == StreamLifecycle.CANCEL) {
                close();
            } else if (failed) {
                JsError reason = value.cast();
                if (step == StreamLifecycle.CONNECT) {
                    act(lifecycle.onConnectFailed(describe(reason), null));
                } else if (step == StreamLifecycle.READ) {
                    act(lifecycle.onBroken(describe(reason), null));
                } else {
                    act(lifecycle.onErrorBody(httpStatusTitle(status), ""));
                }
            } else if (step == StreamLifecycle.CONNECT) {
                onResponse(value.cast());
            } else if (step == StreamLifecycle.READ) {
                TextReadResult result = value.cast();
                act(result.isDone() ? lifecycle.onEnd() : lifecycle.onText(result.getValue()));
            } else {
                Problem problem = Problem.of(status, contentType, ((JSString) value.cast()).stringValue());
                act(lifecycle.onErrorBody(problem.getTitle(), problem.getDetail()));
            }
        }
    }

    /**
     * The lifecycle's callbacks, passed to the builder's listeners with what the browser adds; and
     * what the lifecycle asks of the platform: the engine's own line-end search for the parser, and
     * the reading of HTTP dates. One class for all, since each class costs the script its own code.
     */
    private final class Callbacks implements StreamLifecycle.Listener, CharSearch, StreamLifecycle.HttpDates {
        /** The JavaScript engine's own {@code String.prototype.indexOf}. */
        @Override
        public int indexOf(String text, char c, int from) {
            return nativeIndexOf(text, c, from);
        }

        @Override
        public int millisUntil(String httpDate) {
            return millisUntilDate(httpDate);
        }

        @Override
        public void onOpen(int status) {
            if (request.onOpen != null) {
                request.onOpen.onOpen(status, response.getHeaders());
            }
            remember();
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            EventListener typed = request.typedListeners.get(event.type());
            if (typed != null) {
                typed.onEvent(event);
            }
            if (request.onEvent != null && !lifecycle.isClosed()) {
                request.onEvent.onEvent(event);
            }
            remember(); // after the callbacks: a reload resumes after the last event the page has taken in
        }

        @Override
        public void onError(StreamError error) {
            if (request.onError != null) {
                request.onError.onError(error);
            }
        }

        @Override
        public void onClose(CloseReason reason) {
            dropConnection(); // first: if the application's onClose throws, nothing stays open
            if (abortListener != null) {
                // A signal may outlive many streams (one per page, say): it keeps none of them.
                removeAbortListener(request.signal, abortListener);
                abortListener = null;
            }
            if (request.persistKey != null) {
                SavedStream.forget(request.persistKey, lifecycle.streamId());
            }
            if (request.onClose != null) {
                try {
                    request.onClose.onClose(reason);
                } catch (RuntimeException e) {
                    thrownByOnClose = e;
                }
            }
        }
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
        /** The reconnection settings and their defaults, the JVM client's too. */
        private final StreamLifecycle.Settings settings = new StreamLifecycle.Settings();
        private OpenListener onOpen;
        private EventListener onEvent;
        private ErrorListener onError;
        private CloseListener onClose;
        private String persistKey;
        /** The stream to attach to, when resuming; null: a new stream, with a new id. */
        private String streamId;
        private AbortSignal signal;

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

        /**
         * The longest line, and the most data one event may carry, in characters (default 1 Mi).
         *
         * @throws IllegalArgumentException when it is less than 1
         */
        public Builder maxLength(int characters) {
            if (characters < 1) {
                throw new IllegalArgumentException("maxLength must be positive");
            }
            settings.maxLength = characters;
            return this;
        }

        /**
         * How many failures in a row to retry before failing (default 5; 0 never reconnects). The
         * count restarts when an event arrives. Only a network failure, a 5xx or a 429 is retried;
         * a stream that ended normally never is, so a POST is never silently re-sent.
         */
        public Builder maxRetries(int attempts) {
            settings.maxRetries = attempts;
            return this;
        }

        /**
         * The first backoff delay when the server sent no {@code retry:} field (default 1000 ms);
         * it doubles on each failure in a row, up to {@link #maxRetryMillis}, plus up to 25% jitter.
         */
        public Builder initialRetryMillis(int millis) {
            settings.initialRetryMillis = millis;
            return this;
        }

        /** The longest backoff delay (default 30 s); a server's {@code Retry-After} may ask for more. */
        public Builder maxRetryMillis(int millis) {
            settings.maxRetryMillis = millis;
            return this;
        }

        /** The backoff when the server gave no {@code Retry-After}; default {@link RetryPolicy#exponentialWithJitter()}. */
        public Builder retryPolicy(RetryPolicy policy) {
            settings.retryPolicy = policy;
            return this;
        }

        /** A request body sent as is, with its content type. */
        public Builder body(String body, String contentType) {
            this.body = body;
            this.contentType = contentType;
            return this;
        }

        /**
         * Any object as a JSON body, written by {@link Json#write}: maps, lists, strings, numbers,
         * booleans, null.
         *
         * @throws IllegalArgumentException for NaN or an infinity, which JSON has no number for
         */
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

        /**
         * Keeps where the stream can be resumed from in {@code sessionStorage}, under this key,
         * while it runs, so that after a reload {@link EventStream#resume} can take it up where the
         * page left off; forgotten when the stream closes, whatever the reason. It is kept from the
         * moment the request is sent (a reload before the response still finds the stream, or learns
         * it never started), and moved on as events arrive on a resumable route. Its URL, id and
         * last event ID are kept; its headers and body are not, so no credential reaches storage.
         * One stream per key at a time.
         */
        public Builder persist(String key) {
            this.persistKey = key;
            return this;
        }

        /**
         * The {@code Last-Event-ID} of the first request, so that the stream resumes after that
         * event: a resumable route attaches to the stream it names, a plain route's producer is
         * handed it. By default none; reconnections send the last ID seen, as always.
         */
        public Builder lastEventId(String id) {
            settings.lastEventId = id;
            return this;
        }

        /**
         * Ends the stream as {@link EventStream#close} does when the signal aborts: {@code onClose(CANCELLED)}.
         * A signal already aborted sends nothing; the stream closes as soon as {@link #open} has
         * returned, without a callback inside it.
         */
        public Builder signal(AbortSignal signal) {
            this.signal = signal;
            return this;
        }

        /**
         * Sends the request and starts reading; events arrive on later turns of the event loop.
         *
         * @throws RuntimeException the browser's {@code TypeError}, when it refuses the request: a
         *     malformed URL, method or header, an unknown credentials mode, a GET with a body.
         *     Nothing is sent or persisted then.
         */
        public EventStream open() {
            EventStream stream = new EventStream(this);
            checkRequest(url, stream.requestInit());
            if (signal != null) {
                Callback close = stream.reaction(StreamLifecycle.CANCEL);
                if (signal.isAborted()) {
                    // Closed at once, but after open() returned: no callback runs inside it.
                    queueMicrotask(close);
                    return stream;
                }
                stream.abortListener = addAbortListener(signal, close);
            }
            stream.rememberStart();
            stream.act(stream.lifecycle.start());
            return stream;
        }
    }
}
