package io.postsse.web.tests;

import io.postsse.web.EventStream;
import io.postsse.web.dom.TextRender;
import org.teavm.jso.JSBody;
import org.teavm.jso.JSFunctor;
import org.teavm.jso.JSObject;
import org.teavm.jso.core.JSArray;
import org.teavm.jso.core.JSString;
import org.teavm.jso.dom.html.HTMLDocument;

/**
 * Test harness only, not part of the library: drives the Java API from the browser tests, on
 * {@code client-test-page/client-test.html}. Defines {@code window.javaClient.stream(url, options)} and {@code window.javaClient.resume(key,
 * options)} (false when nothing is persisted under the key), which record every callback as a line
 * in {@code window.log}, in the same format as the page's harness for postsse.js ({@code js/script-client.js}).
 */
public final class ClientTestPage {
    private ClientTestPage() {
    }

    @JSFunctor
    interface StreamFunction extends JSObject {
        void stream(String url, JSObject options);
    }

    @JSFunctor
    interface ResumeFunction extends JSObject {
        boolean resume(String key, JSObject options);
    }

    @JSFunctor
    interface CloseFunction extends JSObject {
        void close();
    }

    public static void main(String[] args) {
        install(ClientTestPage::stream, ClientTestPage::resume);
    }

    @JSBody(params = {"stream", "resume"}, script = "window.log = []; window.javaClient = {stream: stream, resume: resume};")
    private static native void install(StreamFunction stream, ResumeFunction resume);

    @JSBody(params = "line", script = "window.log.push(line);")
    private static native void log(String line);

    @JSBody(params = "close", script = "window.currentStream = {close: close};")
    private static native void exposeClose(CloseFunction close);

    @JSBody(params = {"o", "key"}, script = "var v = o[key]; return v == null ? null : String(v);")
    private static native String string(JSObject options, String key);

    @JSBody(params = "o", script = "var h = o.headers || {}, r = [];"
            + " Object.keys(h).forEach(function (k) { r.push(k, String(h[k])); }); return r;")
    private static native JSArray<JSString> headerPairs(JSObject options);

    @JSBody(params = "o", script = "return o.types || [];")
    private static native JSArray<JSString> types(JSObject options);

    private static void stream(String url, JSObject options) {
        String method = string(options, "method");
        EventStream.Builder builder = EventStream.request(method == null ? "POST" : method, url);
        String body = string(options, "body");
        if (body != null) {
            builder.jsonBody(body);
        }
        String persist = string(options, "persist");
        if (persist != null) {
            builder.persist(persist);
        }
        open(builder, options);
    }

    private static boolean resume(String key, JSObject options) {
        EventStream.Builder builder = EventStream.resume(key);
        if (builder == null) {
            return false;
        }
        open(builder, options);
        return true;
    }

    private static void open(EventStream.Builder builder, JSObject options) {
        JSArray<JSString> headers = headerPairs(options);
        for (int i = 0; i + 1 < headers.getLength(); i += 2) {
            builder.header(headers.get(i).stringValue(), headers.get(i + 1).stringValue());
        }
        String maxRetries = string(options, "maxRetries");
        if (maxRetries != null) {
            builder.maxRetries(Integer.parseInt(maxRetries));
        }
        String initial = string(options, "initialRetryMillis");
        if (initial != null) {
            builder.initialRetryMillis(Integer.parseInt(initial));
        }
        String longest = string(options, "maxRetryMillis");
        if (longest != null) {
            builder.maxRetryMillis(Integer.parseInt(longest));
        }
        JSArray<JSString> types = types(options);
        String throwOn = string(options, "throwOn");
        for (int i = 0; i < types.getLength(); i++) {
            String type = types.get(i).stringValue();
            builder.on(type, event -> {
                log("on:" + event.type() + " " + event.data() + " #" + event.lastEventId());
                if (type.equals(throwOn)) {
                    throw new IllegalStateException("boom in " + type);
                }
            });
        }
        String renderInto = string(options, "renderInto");
        EventStream.EventListener render = renderInto == null ? null
                : TextRender.renderInto(HTMLDocument.current().getElementById(renderInto), "p");
        EventStream stream = builder
                .onOpen((status, responseHeaders) -> log("open " + status))
                .onEvent(event -> {
                    log("event " + event.type() + " " + event.data() + " #" + event.lastEventId());
                    if (render != null) {
                        render.onEvent(event);
                    }
                })
                .onError(error -> log("error " + error.kind().name().toLowerCase() + " " + error.status() + " "
                        + error.message() + " | " + error.detail() + " retrying=" + error.retrying()))
                .onClose(reason -> log("close " + reason.name().toLowerCase()))
                .open();
        exposeClose(stream::close);
    }
}
