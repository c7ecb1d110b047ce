package io.postsse.web.browser;

import org.teavm.jso.JSClass;
import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;

/** The signal of an {@link AbortController}: the one handed to {@code fetch}, or an application's. */
@JSClass
public class AbortSignal implements JSObject {
    private AbortSignal() {
    }

    @JSProperty
    public native boolean isAborted();
}
