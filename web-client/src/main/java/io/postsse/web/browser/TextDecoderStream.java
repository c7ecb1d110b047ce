package io.postsse.web.browser;

import org.teavm.jso.JSClass;
import org.teavm.jso.JSObject;

/** Decodes a byte stream as UTF-8 text, chunk by chunk. */
@JSClass
public class TextDecoderStream implements JSObject {
    public TextDecoderStream() {
    }
}
