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
    @JSBody(params = {"status", "contentType", "text"}, script = "var title = 'HTTP ' + status,"
            + " detail = text.replace(/^[\\x00-\\x20]+|[\\x00-\\x20]+$/g, ''), problem;"
            + " if (detail.length > 200) detail = detail.slice(0, 200) + '\\u2026';"
            + " try { problem = contentType != null && contentType.indexOf('json') >= 0 && JSON.parse(text); } catch (e) {}"
            + " if (problem && typeof problem === 'object') {"
            + " var hasTitle = typeof problem.title === 'string', hasDetail = typeof problem.detail === 'string';"
            + " if (hasTitle || hasDetail) { if (hasTitle) title = problem.title; detail = hasDetail ? problem.detail : ''; } }"
            + " return {title: title, detail: detail};")
    static native Problem of(int status, String contentType, String text);
}
