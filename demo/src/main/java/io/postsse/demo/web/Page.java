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

    /**
     * True when the page is scrolled to its end, or within a few pixels of it: the reader is
     * following the conversation, not reading further up.
     */
    @JSBody(script = "var d = document.documentElement;"
            + " return window.innerHeight + window.scrollY >= d.scrollHeight - 24;")
    static native boolean scrolledToEnd();

    /** The page's vertical scroll position, in CSS pixels. */
    @JSBody(script = "return window.scrollY;")
    static native double scrollY();

    /** Scrolls to the end of the page at once (no smooth scrolling to fall behind the text). */
    @JSBody(script = "window.scrollTo(0, document.documentElement.scrollHeight);")
    static native void scrollToEnd();

    /** The origin of a URL as this page would resolve it, or null when the text is not a URL. */
    @JSBody(params = "url", script = "try { var u = new URL(url, location.href);"
            + " return /^https?:$/.test(u.protocol) ? u.origin : null; } catch (e) { return null; }")
    static native String originOf(String url);

    /** This page's own origin. */
    @JSBody(script = "return location.origin;")
    static native String origin();

    /** JSON re-indented for reading, or null when the text is not JSON. */
    @JSBody(params = "text", script = "try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return null; }")
    static native String prettyJson(String text);
}
