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
 * event's text into the page as a line, or nowhere when the target is null, then pass on its send
 * time).
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

    /** Told each event's server send time, in epoch ms, once its text is in the page. */
    @JSFunctor
    interface LatencyNote extends JSObject {
        void sentAt(double epochMillis);
    }

    @JSFunctor
    interface LatencyDone extends JSObject {
        void done();
    }

    @JSFunctor
    interface LatencyRunner extends JSObject {
        void run(String url, HTMLElement out, LatencyNote note, LatencyDone done);
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
        installLatency((url, out, note, done) -> EventStream.post(url)
                .jsonBody("{}")
                .onEvent(event -> {
                    if (out != null) {
                        out.appendChild(document.createTextNode(event.data() + "\n"));
                    }
                    note.sentAt(sentAt(event.data()));
                })
                .onClose(reason -> done.done())
                .open());
    }

    @JSBody(script = "return performance.now();")
    private static native double now();

    @JSBody(params = "json", script = "return JSON.parse(json).t;")
    private static native double sentAt(String json);

    @JSBody(params = "runner", script = "window.postsseJavaBench = runner;")
    private static native void installThroughput(ThroughputRunner runner);

    @JSBody(params = "runner", script = "window.postsseJavaLatency = runner;")
    private static native void installLatency(LatencyRunner runner);
}
