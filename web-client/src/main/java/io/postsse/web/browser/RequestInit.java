package io.postsse.web.browser;

import org.teavm.jso.JSBody;
import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;

/** The options object of {@code fetch}. */
public abstract class RequestInit implements JSObject {
    @JSBody(script = "return {};")
    public static native RequestInit create();

    @JSProperty
    public abstract void setMethod(String method);

    @JSProperty
    public abstract void setHeaders(Headers headers);

    @JSProperty
    public abstract void setBody(String body);

    @JSProperty
    public abstract void setCredentials(String credentials);

    @JSProperty
    public abstract void setSignal(AbortSignal signal);

    /** Lets the request outlive the page that sent it. */
    @JSProperty
    public abstract void setKeepalive(boolean keepalive);
}
