package io.postsse.web.tests;

import io.postsse.web.EventStream;
import io.postsse.web.Json;
import io.postsse.web.browser.Headers;
import io.postsse.web.dom.TextRender;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.teavm.jso.JSBody;
import org.teavm.jso.JSFunctor;
import org.teavm.jso.JSObject;
import org.teavm.jso.core.JSArray;
import org.teavm.jso.core.JSString;
import org.teavm.jso.dom.html.HTMLDocument;

/**
 * Test harness only, not part of the library: drives the Java API from the browser tests, on
 * {@code client-test-page/client-test.html}. Defines {@code window.javaClient.stream(url, options)}
 * and {@code window.javaClient.resume(key, options)} (false when nothing is persisted under the
 * key), which record every callback as a line in {@code window.log}, in the same format as the
 * page's harness for postsse.js ({@code js/script-client.js}), and keep the stream in
 * {@code window.currentStream}. A call to the API that throws is logged as {@code threw <message>}.
 *
 * <p>The options both harnesses take: {@code method} (else {@link EventStream#post}),
 * {@code body} (a JSON text), {@code headers} (an object), {@code credentials},
 * {@code maxRetries}, {@code initialRetryMillis}, {@code maxRetryMillis}, {@code persist},
 * {@code types} (a listener per type, logging {@code on:<type> ...}), {@code throwOn} (the type
 * whose listener throws), {@code throwIn} ({@code onOpen}, {@code onEvent}, {@code onError} or
 * {@code onClose}: that callback throws, after logging), {@code openHeader} (a response header
 * whose value the open line adds), {@code renderInto} (an element's id: each event's data as a
 * paragraph in it). And the Java API's own: {@code jsonSample} (the body: one of each kind of
 * value, through {@link EventStream.Builder#jsonBody(Object)}), {@code jsonNumber} (the body:
 * {@code {"value": <that number>}}, the same way), {@code rawBody} and
 * {@code contentType} ({@link EventStream.Builder#body}), {@code maxLength},
 * {@code recordRetryPolicy} (a policy that logs {@code policy <failures> <base> <max>} and waits
 * that many milliseconds), {@code typedTwice} (a type given two listeners, the first logging
 * {@code replaced listener}), {@code appendTo} (an element's id, for {@link TextRender#appendTo}),
 * {@code renderTag} (with {@code renderInto}: {@link TextRender#renderInto} with that tag),
 * {@code listHeaders} (a prefix: the open line is followed by {@code header <name>=<value>} for
 * each response header whose name starts with it) and {@code logReturn} (log {@code returned}
 * when {@link EventStream.Builder#open} returns).
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
    interface QuoteFunction extends JSObject {
        String quote(String text);
    }

    @JSFunctor
    interface VoidFunction extends JSObject {
        void call();
    }

    @JSFunctor
    interface StringFunction extends JSObject {
        String call();
    }

    @JSFunctor
    interface BooleanFunction extends JSObject {
        boolean call();
    }

    public static void main(String[] args) {
        install(ClientTestPage::stream, ClientTestPage::resume, Json::quote);
    }

    @JSBody(params = {"stream", "resume", "quote"}, script = "window.log = [];"
            + " window.javaClient = {stream: stream, resume: resume, jsonQuote: quote};")
    private static native void install(StreamFunction stream, ResumeFunction resume, QuoteFunction quote);

    @JSBody(params = "line", script = "window.log.push(line);")
    private static native void log(String line);

    @JSBody(params = {"close", "lastEventId", "streamId", "isClosed"}, script = "window.currentStream ="
            + " {close: close, lastEventId: lastEventId, streamId: streamId, isClosed: isClosed};")
    private static native void expose(VoidFunction close, StringFunction lastEventId, StringFunction streamId,
            BooleanFunction isClosed);

    @JSBody(params = {"o", "key"}, script = "var v = o[key]; return v == null ? null : String(v);")
    private static native String string(JSObject options, String key);

    @JSBody(params = {"o", "key"}, script = "return Number(o[key]);")
    private static native double number(JSObject options, String key);

    @JSBody(params = "o", script = "var h = o.headers || {}, r = [];"
            + " Object.keys(h).forEach(function (k) { r.push(k, String(h[k])); }); return r;")
    private static native JSArray<JSString> headerPairs(JSObject options);

    @JSBody(params = "o", script = "return o.types || [];")
    private static native JSArray<JSString> types(JSObject options);

    private static void stream(String url, JSObject options) {
        try {
            String method = string(options, "method");
            EventStream.Builder builder = method == null ? EventStream.post(url) : EventStream.request(method, url);
            String body = string(options, "body");
            if (body != null) {
                builder.jsonBody(body);
            }
            if (string(options, "jsonSample") != null) {
                builder.jsonBody(jsonSample());
            }
            if (string(options, "jsonNumber") != null) {
                builder.jsonBody(Map.of("value", number(options, "jsonNumber")));
            }
            String rawBody = string(options, "rawBody");
            if (rawBody != null) {
                builder.body(rawBody, string(options, "contentType"));
            }
            String persist = string(options, "persist");
            if (persist != null) {
                builder.persist(persist);
            }
            open(builder, options);
        } catch (RuntimeException e) {
            log("threw " + e.getMessage());
        }
    }

    private static boolean resume(String key, JSObject options) {
        EventStream.Builder builder = EventStream.resume(key);
        if (builder == null) {
            return false;
        }
        open(builder, options);
        return true;
    }

    /** One of each kind of value {@link Json#write} takes, nested. */
    private static Map<String, Object> jsonSample() {
        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("text", "quote \" backslash \\ newline \n return \r tab \t bell \u0007 separators \u2028\u2029"
                + " caf\u00e9 \ud83d\ude00 </script>");
        sample.put("int", 42);
        sample.put("long", 9007199254740993L);
        sample.put("double", 2.5);
        sample.put("yes", true);
        sample.put("nothing", null);
        List<Object> list = new ArrayList<>(Arrays.asList(1, "two", null, false));
        sample.put("list", list);
        sample.put("array", new Object[] {"a", new String[] {"nested"}});
        Map<Object, Object> keys = new LinkedHashMap<>();
        keys.put(7, "a number as a key");
        sample.put("keys", keys);
        sample.put("other", 'c');
        return sample;
    }

    private static void open(EventStream.Builder builder, JSObject options) {
        JSArray<JSString> headers = headerPairs(options);
        for (int i = 0; i + 1 < headers.getLength(); i += 2) {
            builder.header(headers.get(i).stringValue(), headers.get(i + 1).stringValue());
        }
        String credentials = string(options, "credentials");
        if (credentials != null) {
            builder.credentials(credentials);
        }
        String maxLength = string(options, "maxLength");
        if (maxLength != null) {
            builder.maxLength(Integer.parseInt(maxLength));
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
        String policyDelay = string(options, "recordRetryPolicy");
        if (policyDelay != null) {
            int delay = Integer.parseInt(policyDelay);
            builder.retryPolicy((failures, base, max) -> {
                log("policy " + failures + " " + base + " " + max);
                return delay;
            });
        }
        String typedTwice = string(options, "typedTwice");
        if (typedTwice != null) {
            builder.on(typedTwice, event -> log("replaced listener"));
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
        String throwIn = string(options, "throwIn");
        String openHeader = string(options, "openHeader");
        String listHeaders = string(options, "listHeaders");
        String renderInto = string(options, "renderInto");
        String renderTag = string(options, "renderTag");
        EventStream.EventListener render = renderInto == null ? null
                : TextRender.renderInto(HTMLDocument.current().getElementById(renderInto),
                        renderTag == null ? "p" : renderTag);
        String appendTo = string(options, "appendTo");
        EventStream.EventListener append = appendTo == null ? null
                : TextRender.appendTo(HTMLDocument.current().getElementById(appendTo));
        builder.onOpen((status, responseHeaders) -> {
                    log("open " + status + (openHeader == null ? "" : " " + openHeader + "="
                            + responseHeaders.get(openHeader)));
                    if (listHeaders != null) {
                        logHeaders(responseHeaders, listHeaders);
                    }
                    throwIf("onOpen", throwIn);
                })
                .onEvent(event -> {
                    log("event " + event.type() + " " + event.data() + " #" + event.lastEventId());
                    if (render != null) {
                        render.onEvent(event);
                    }
                    if (append != null) {
                        append.onEvent(event);
                    }
                    throwIf("onEvent", throwIn);
                })
                .onError(error -> {
                    log("error " + error.kind().name().toLowerCase() + " " + error.status() + " "
                            + error.message() + " | " + error.detail() + " retrying=" + error.retrying());
                    throwIf("onError", throwIn);
                })
                .onClose(reason -> {
                    log("close " + reason.name().toLowerCase());
                    throwIf("onClose", throwIn);
                });
        EventStream stream = builder.open();
        if (string(options, "logReturn") != null) {
            log("returned");
        }
        expose(stream::close, stream::lastEventId, stream::streamId, stream::isClosed);
    }

    private static void logHeaders(Headers headers, String prefix) {
        headers.forEach((value, name) -> {
            if (name.startsWith(prefix)) {
                log("header " + name + "=" + value);
            }
        });
    }

    private static void throwIf(String callback, String throwIn) {
        if (callback.equals(throwIn)) {
            throw new IllegalStateException("boom in " + callback);
        }
    }
}
