package io.postsse.web.browser;

import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;

/**
 * Any thrown JavaScript value that has a name and a message: an {@code Error}, a
 * {@code TypeError}, or a {@code DOMException} such as {@code AbortError}. An interface, so that a
 * cast to it checks nothing.
 */
public interface JsError extends JSObject {
    @JSProperty
    String getName();

    @JSProperty
    String getMessage();
}
