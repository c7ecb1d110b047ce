package io.postsse.web.browser;

import org.teavm.jso.JSClass;
import org.teavm.jso.JSObject;
import org.teavm.jso.core.JSPromise;
import org.teavm.jso.core.JSUndefined;

/** Reads a text stream chunk by chunk. */
@JSClass
public class ReadableStreamDefaultReader implements JSObject {
    private ReadableStreamDefaultReader() {
    }

    public native JSPromise<TextReadResult> read();

    public native JSPromise<JSUndefined> cancel();
}
