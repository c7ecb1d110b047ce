package io.postsse.web.js;

import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.protocol.StreamError;
import io.postsse.web.EventStream;
import io.postsse.web.browser.AbortSignal;
import io.postsse.web.browser.Headers;
import org.teavm.jso.JSBody;
import org.teavm.jso.JSExport;
import org.teavm.jso.JSFunctor;
import org.teavm.jso.JSObject;

/**
 * The main class of {@code postsse.js} and {@code postsse.mjs}: {@code stream} and {@code resume}
 * for plain JavaScript, a thin adapter over {@link EventStream}. TeaVM compiles it once, into a
 * module that only exports them; the build wraps that module twice, as a script that defines
 * {@code window.postsse} and as an ES module with no global effect. See {@code postsse.d.mts}
 * for the API.
 */
public final class PostsseScript {
    private PostsseScript() {
    }

    /** {@code handle.close()}. */
    @JSFunctor
    interface CloseFunction extends JSObject {
        void close();
    }

    /**
     * {@code stream(url, options)}. A {@code URL} object for the URL reaches {@code fetch} as it is:
     * nothing here reads the URL as a string.
     */
    @JSExport
    public static JSObject stream(String url, JSObject options) {
        String method = upperCaseString(options, "method");
        EventStream.Builder builder = EventStream.request(method == null ? "POST" : method, url);
        String body = body(options);
        if (body != null) {
            // A string is most often JSON.stringify's output: sent as is, and labelled JSON unless the
            // caller's headers say otherwise.
            builder.body(body, "application/json");
        }
        String persist = string(options, "persist");
        if (persist != null) {
            builder.persist(persist);
        }
        String lastEventId = string(options, "lastEventId");
        if (lastEventId != null) {
            builder.lastEventId(lastEventId);
        }
        return open(builder, options);
    }

    /** The stream persisted under the key, attached to again with the options' headers and callbacks; else null. */
    @JSExport
    public static JSObject resume(String key, JSObject options) {
        EventStream.Builder builder = EventStream.resume(key);
        return builder == null ? null : open(builder, options);
    }

    private static JSObject open(EventStream.Builder builder, JSObject options) {
        JSObject headers = headerPairs(options);
        for (int i = 0; i + 1 < length(headers); i += 2) {
            builder.header(stringAt(headers, i), stringAt(headers, i + 1));
        }
        String credentials = string(options, "credentials");
        if (credentials != null) {
            builder.credentials(credentials);
        }
        if (isNumber(options, "maxRetries")) {
            builder.maxRetries((int) number(options, "maxRetries"));
        }
        if (isNumber(options, "initialRetryMillis")) {
            builder.initialRetryMillis((int) number(options, "initialRetryMillis"));
        }
        if (isNumber(options, "maxRetryMillis")) {
            builder.maxRetryMillis((int) number(options, "maxRetryMillis"));
        }
        AbortSignal signal = signal(options);
        if (signal != null) {
            builder.signal(signal);
        }
        JSObject types = typedHandlerNames(options);
        for (int i = 0; i < length(types); i++) {
            String type = stringAt(types, i);
            builder.on(type, new Callbacks(options, type));
        }
        Callbacks callbacks = new Callbacks(options, null);
        builder.onOpen(callbacks).onEvent(callbacks).onError(callbacks).onClose(callbacks);
        callbacks.stream = builder.open();
        return handle(callbacks);
    }

    /**
     * The options' callbacks, as the Java API's listeners, and the handle's {@code close}: one class
     * for all of them, since each class costs the script its own code.
     */
    private static final class Callbacks implements EventStream.OpenListener, EventStream.EventListener,
            EventStream.ErrorListener, EventStream.CloseListener, CloseFunction {
        private final JSObject options;
        /** The type whose {@code options.on} handler this calls; null: the options' own callbacks. */
        private final String type;
        /** The stream the handle closes, once opened. */
        private EventStream stream;

        Callbacks(JSObject options, String type) {
            this.options = options;
            this.type = type;
        }

        @Override
        public void onOpen(int status, Headers headers) {
            call(options, "onOpen", openObject(status, headers));
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            JSObject object = eventObject(event.type(), event.data(), event.lastEventId());
            if (type != null) {
                callTyped(options, type, object);
            } else {
                call(options, "onEvent", object);
            }
        }

        @Override
        public void onError(StreamError error) {
            call(options, "onError", errorObject(lowerCase(error.kind().name()), error.status(), error.message(),
                    error.detail(), error.retrying()));
        }

        @Override
        public void onClose(CloseReason reason) {
            call(options, "onClose", closeObject(lowerCase(reason.name())));
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    /**
     * An enum constant's name as the script's API spells it: lower-cased by JavaScript, since Java's
     * case mapping would pull the Unicode tables of TeaVM's class library into the script. The
     * names are ASCII, so both agree.
     */
    @JSBody(params = "name", script = "return name.toLowerCase();")
    private static native String lowerCase(String name);

    @JSBody(params = {"o", "key"}, script = "var v = o && o[key]; return v == null ? null : String(v);")
    private static native String string(JSObject options, String key);

    /** The options' signal; null when absent; a TypeError when it is no AbortSignal. */
    @JSBody(params = "o", script = "var s = o && o.signal; if (s == null) return null;"
            + " if (typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function')"
            + " throw new TypeError('postsse: options.signal is not an AbortSignal'); return s;")
    private static native AbortSignal signal(JSObject options);

    @JSBody(params = {"o", "key"}, script = "var v = o && o[key]; return v == null ? null : String(v).toUpperCase();")
    private static native String upperCaseString(JSObject options, String key);

    @JSBody(params = {"o", "key"}, script = "return !!o && typeof o[key] === 'number' && isFinite(o[key]);")
    private static native boolean isNumber(JSObject options, String key);

    @JSBody(params = {"o", "key"}, script = "return o[key];")
    private static native double number(JSObject options, String key);

    /** The body: a string as is, anything else as JSON; null when absent. */
    @JSBody(params = "o", script = "var b = o && o.body; if (b === undefined || b === null) return null;"
            + " return typeof b === 'string' ? b : JSON.stringify(b);")
    private static native String body(JSObject options);

    /** The headers as a flat [name, value, ...] array, from a plain object, a Headers or an array of pairs. */
    @JSBody(params = "o", script = "var h = o && o.headers, r = [];"
            + " if (!h) return r;"
            + " if (typeof Headers !== 'undefined' && h instanceof Headers) { h.forEach(function (v, k) { r.push(k, v); }); }"
            + " else if (Array.isArray(h)) { h.forEach(function (p) { r.push(String(p[0]), String(p[1])); }); }"
            + " else { Object.keys(h).forEach(function (k) { r.push(k, String(h[k])); }); }"
            + " return r;")
    private static native JSObject headerPairs(JSObject options);

    @JSBody(params = "o", script = "var on = o && o.on; return on ? Object.keys(on).filter(function (k) {"
            + " return typeof on[k] === 'function'; }) : [];")
    private static native JSObject typedHandlerNames(JSObject options);

    // Arrays of strings are read through these rather than JSArray<JSString>, whose elements TeaVM
    // passes through its JSString wrapper class on the way to a Java String.
    @JSBody(params = "array", script = "return array.length;")
    private static native int length(JSObject array);

    @JSBody(params = {"array", "index"}, script = "return array[index];")
    private static native String stringAt(JSObject array, int index);

    @JSBody(params = {"o", "key", "arg"}, script = "var f = o && o[key]; if (typeof f === 'function') f.call(o, arg);")
    private static native void call(JSObject options, String key, JSObject arg);

    @JSBody(params = {"o", "type", "arg"}, script = "o.on[type].call(o, arg);")
    private static native void callTyped(JSObject options, String type, JSObject arg);

    @JSBody(params = {"type", "data", "id"}, script = "return {type: type, data: data, lastEventId: id};")
    private static native JSObject eventObject(String type, String data, String id);

    @JSBody(params = {"status", "headers"}, script = "return {status: status, headers: headers};")
    private static native JSObject openObject(int status, Headers headers);

    @JSBody(params = {"kind", "status", "message", "detail", "retrying"},
            script = "return {kind: kind, status: status, message: message, detail: detail, retrying: retrying};")
    private static native JSObject errorObject(String kind, int status, String message, String detail, boolean retrying);

    @JSBody(params = "reason", script = "return {reason: reason};")
    private static native JSObject closeObject(String reason);

    @JSBody(params = "close", script = "return Object.freeze({close: close});")
    private static native JSObject handle(CloseFunction close);
}
