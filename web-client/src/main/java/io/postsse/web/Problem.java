package io.postsse.web;

import org.teavm.jso.JSBody;
import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;

/**
 * An RFC 9457 problem body, as the server's 4xx and 5xx answers carry: its {@code title} and
 * {@code detail}, each only when it is a string, as the JVM client reads them.
 */
abstract class Problem implements JSObject {
    /** The title; null when the problem has none that is a string. */
    @JSProperty
    abstract String getTitle();

    /** The detail; null when the problem has none that is a string. */
    @JSProperty
    abstract String getDetail();

    /**
     * The problem in the text, or null when the text is not a JSON object or has neither a title
     * nor a detail: such an error body is shown as it is.
     */
    @JSBody(params = "text", script = "var v; try { v = JSON.parse(text); } catch (e) { return null; }"
            + " if (v === null || typeof v !== 'object') return null;"
            + " var title = typeof v.title === 'string' ? v.title : null;"
            + " var detail = typeof v.detail === 'string' ? v.detail : null;"
            + " return title === null && detail === null ? null : {title: title, detail: detail};")
    static native Problem parse(String text);
}
