package io.postsse.web.browser;

import org.teavm.jso.JSClass;
import org.teavm.jso.JSObject;

/** A request's or response's headers. */
@JSClass
public class Headers implements JSObject {
    public Headers() {
    }

    public native void append(String name, String value);

    /** The header's value, or null when absent. */
    public native String get(String name);

    /** Visits every header, in the browser's order (names lower-cased). */
    public native void forEach(HeaderVisitor visitor);
}
