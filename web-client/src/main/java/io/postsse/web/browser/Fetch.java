package io.postsse.web.browser;

import org.teavm.jso.JSObject;
import org.teavm.jso.JSTopLevel;

/** The global {@code fetch} function. */
public abstract class Fetch implements JSObject {
    private Fetch() {
    }

    @JSTopLevel
    public static native Promise<Response> fetch(String url, RequestInit init);
}
