package io.postsse.web.browser;

import org.teavm.jso.JSClass;
import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;
import org.teavm.jso.core.JSString;

/** What {@code fetch} resolves to. */
@JSClass
public class Response implements JSObject {
    private Response() {
    }

    @JSProperty
    public native int getStatus();

    @JSProperty
    public native Headers getHeaders();

    /** The body as a byte stream; null for a response without one. */
    @JSProperty
    public native ReadableStream getBody();

    public native Promise<JSString> text();
}
