package io.postsse.web.browser;

import org.teavm.jso.JSClass;
import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;

/** Aborts a fetch, its body stream included. */
@JSClass
public class AbortController implements JSObject {
    public AbortController() {
    }

    @JSProperty
    public native AbortSignal getSignal();

    public native void abort();
}
