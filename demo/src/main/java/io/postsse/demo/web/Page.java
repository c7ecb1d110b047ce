package io.postsse.demo.web;

import org.teavm.jso.JSBody;
import org.teavm.jso.dom.html.HTMLDocument;
import org.teavm.jso.dom.html.HTMLElement;

/** The little DOM building the demo pages do: elements, and text only ever as text nodes. */
final class Page {
    static final HTMLDocument DOCUMENT = HTMLDocument.current();

    private Page() {
    }

    static HTMLElement byId(String id) {
        return DOCUMENT.getElementById(id);
    }

    /** A new element with a class, not yet in the page. */
    static HTMLElement element(String tag, String className) {
        HTMLElement element = DOCUMENT.createElement(tag);
        if (className != null) {
            element.setClassName(className);
        }
        return element;
    }

    /** Appends text to the element as a text node: server text never becomes markup. */
    static void appendText(HTMLElement element, String text) {
        element.appendChild(DOCUMENT.createTextNode(text));
    }

    /** Milliseconds since the page started, with sub-millisecond precision. */
    @JSBody(script = "return performance.now();")
    static native double now();

    /** JSON re-indented for reading, or null when the text is not JSON. */
    @JSBody(params = "text", script = "try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return null; }")
    static native String prettyJson(String text);
}
