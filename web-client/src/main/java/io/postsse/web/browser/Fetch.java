package io.postsse.web.browser;

import org.teavm.jso.JSObject;
import org.teavm.jso.JSTopLevel;
import org.teavm.jso.core.JSPromise;

/** The global {@code fetch} function. */
public abstract class Fetch implements JSObject {
    private Fetch() {
    }

    @JSTopLevel
    public static native JSPromise<Response> fetch(String url, RequestInit init);
}
