package io.postsse.web.browser;

import org.teavm.jso.JSClass;
import org.teavm.jso.JSObject;

/** The signal an {@link AbortController} hands to {@code fetch}. */
@JSClass
public class AbortSignal implements JSObject {
    private AbortSignal() {
    }
}
