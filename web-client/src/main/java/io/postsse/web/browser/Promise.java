package io.postsse.web.browser;

import org.teavm.jso.JSObject;

/**
 * A JavaScript promise, as a type only: the client waits on one through its own one-method
 * callback, with which it hands the promise's value or failure on as it is.
 */
public interface Promise<T extends JSObject> extends JSObject {
}
