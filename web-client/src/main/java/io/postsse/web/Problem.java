package io.postsse.web;

import org.teavm.jso.JSBody;
import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;

/** An RFC 9457 problem body, as the server's 4xx and 5xx answers carry. */
abstract class Problem implements JSObject {
    @JSProperty
    abstract String getTitle();

    @JSProperty
    abstract String getDetail();

    /** The parsed object, or null when the text is not a JSON object. */
    @JSBody(params = "text", script = "try { var v = JSON.parse(text); return v !== null && typeof v === 'object' ? v : null; }"
            + " catch (e) { return null; }")
    static native Problem parse(String text);
}
