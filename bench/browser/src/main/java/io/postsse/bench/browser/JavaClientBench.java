package io.postsse.bench.browser;

import io.postsse.web.EventStream;
import org.teavm.jso.JSBody;
import org.teavm.jso.JSFunctor;
import org.teavm.jso.JSObject;
import org.teavm.jso.dom.html.HTMLDocument;
import org.teavm.jso.dom.html.HTMLElement;

/**
 * The benchmark page's use of postsse's Java API, compiled by TeaVM: installs
 * {@code window.postsseJavaBench} (count events) and {@code window.postsseJavaLatency} (put each
 * event's text into the page and note how long after its send time it got there).
 */
public final class JavaClientBench {
    @JSFunctor
    interface ThroughputDone extends JSObject {
        void done(double millis, int count);
    }

    @JSFunctor
    interface ThroughputRunner extends JSObject {
        void run(String url, ThroughputDone done);
    }

    @JSFunctor
    interface LatencyDone extends JSObject {
        void done(JSObject delays);
    }

    @JSFunctor
    interface LatencyRunner extends JSObject {
        void run(String url, HTMLElement out, LatencyDone done);
    }

    private JavaClientBench() {
    }

    public static void main(String[] args) {
        installThroughput((url, done) -> {
            double started = now();
            int[] count = {0};
            EventStream.post(url)
                    .jsonBody("{}")
                    .onEvent(event -> count[0]++)
                    .onClose(reason -> done.done(now() - started, count[0]))
                    .open();
        });
        HTMLDocument document = HTMLDocument.current();
        installLatency((url, out, done) -> {
            JSObject delays = newArray();
            EventStream.post(url)
                    .jsonBody("{}")
                    .onEvent(event -> {
                        out.appendChild(document.createTextNode(event.data()));
                        push(delays, epochMillis() - sentAt(event.data()));
                    })
                    .onClose(reason -> done.done(delays))
                    .open();
        });
    }

    @JSBody(script = "return performance.now();")
    private static native double now();

    @JSBody(script = "return performance.timeOrigin + performance.now();")
    private static native double epochMillis();

    @JSBody(params = "json", script = "return JSON.parse(json).t;")
    private static native double sentAt(String json);

    @JSBody(script = "return [];")
    private static native JSObject newArray();

    @JSBody(params = {"array", "value"}, script = "array.push(value);")
    private static native void push(JSObject array, double value);

    @JSBody(params = "runner", script = "window.postsseJavaBench = runner;")
    private static native void installThroughput(ThroughputRunner runner);

    @JSBody(params = "runner", script = "window.postsseJavaLatency = runner;")
    private static native void installLatency(LatencyRunner runner);
}
