package io.postsse.web.browser;

import org.teavm.jso.JSClass;
import org.teavm.jso.JSObject;

/** A stream of chunks: the response body, and the text stream piped from it. */
@JSClass
public class ReadableStream implements JSObject {
    private ReadableStream() {
    }

    public native ReadableStream pipeThrough(TextDecoderStream transform);

    public native ReadableStreamDefaultReader getReader();
}
