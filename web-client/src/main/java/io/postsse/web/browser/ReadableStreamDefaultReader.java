package io.postsse.web.browser;

import org.teavm.jso.JSClass;
import org.teavm.jso.JSObject;

/** Reads a text stream chunk by chunk. */
@JSClass
public class ReadableStreamDefaultReader implements JSObject {
    private ReadableStreamDefaultReader() {
    }

    public native Promise<TextReadResult> read();
}
