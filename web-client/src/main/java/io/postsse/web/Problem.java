package io.postsse.web;

import org.teavm.jso.JSBody;
import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;

/**
 * What an error response says: a problem JSON's (RFC 9457) {@code title} and {@code detail}, each
 * only when it is a string, as the JVM client reads them; else {@code HTTP <status>} and an excerpt
 * of the body.
 */
abstract class Problem implements JSObject {
    /** A problem JSON's title, else {@code HTTP <status>}. */
    @JSProperty
    abstract String getTitle();

    /** A problem JSON's detail (empty when it has none), else the body's first 200 characters, trimmed. */
    @JSProperty
    abstract String getDetail();

    /**
     * The error response's title and detail. The body is read as a problem only when the content
     * type names JSON, and only a JSON object with a title or a detail is one; any other body is
     * shown as it is. Trimmed as Java's {@code String.trim} does (characters up to U+0020), and
     * done in JavaScript, so that none of this compiles Java's string search into the script.
     */
    // Short names: TeaVM keeps a script's own names as they are. t: the title, d: the detail.
    @JSBody(params = {"status", "contentType", "text"}, script = "var t = 'HTTP ' + status,"
            + " d = text.replace(/^[\\x00-\\x20]+|[\\x00-\\x20]+$/g, ''), v;"
            + " if (d.length > 200) d = d.slice(0, 200) + '\\u2026';"
            + " try { v = contentType != null && contentType.indexOf('json') >= 0 && JSON.parse(text); } catch (e) {}"
            + " if (v && typeof v === 'object') { var a = typeof v.title === 'string', b = typeof v.detail === 'string';"
            + " if (a || b) { if (a) t = v.title; d = b ? v.detail : ''; } }"
            + " return {title: t, detail: d};")
    static native Problem of(int status, String contentType, String text);
}
