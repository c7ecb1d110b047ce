package io.postsse.web.browser;

import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;

/** One result of reading a text stream: a chunk, or the end. */
public interface TextReadResult extends JSObject {
    @JSProperty
    boolean isDone();

    @JSProperty
    String getValue();
}
