package io.postsse.web.dom;

import io.postsse.web.EventStream;
import org.teavm.jso.dom.html.HTMLDocument;
import org.teavm.jso.dom.html.HTMLElement;

/**
 * Puts event data into the page as text, never as markup: only text nodes and
 * {@code textContent}, never {@code innerHTML}.
 */
public final class TextRender {
    private TextRender() {
    }

    /** A listener appending each event's data to the element as a text node. */
    public static EventStream.EventListener appendTo(HTMLElement element) {
        return event -> element.appendChild(HTMLDocument.current().createTextNode(event.data()));
    }

    /**
     * A listener adding, per event, a child element to the container: {@code tag} with a
     * {@code data-type} attribute naming the event's type and the data as its text.
     */
    public static EventStream.EventListener renderInto(HTMLElement container, String tag) {
        return event -> {
            HTMLElement child = HTMLDocument.current().createElement(tag);
            child.setAttribute("data-type", event.type());
            child.setTextContent(event.data());
            container.appendChild(child);
        };
    }
}
