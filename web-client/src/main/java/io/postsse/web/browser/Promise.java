package io.postsse.web.browser;

import org.teavm.jso.JSFunctor;
import org.teavm.jso.JSObject;

/**
 * A JavaScript promise, with the one method postsse uses. Its callbacks take JavaScript objects,
 * not {@code Object}: TeaVM hands such arguments over as they are, where TeaVM's own
 * {@code JSPromise} callbacks would pull in its machinery for wrapping any value as a Java object.
 */
public interface Promise<T extends JSObject> extends JSObject {
    void then(Fulfilled<? super T> onFulfilled, Rejected onRejected);

    /** Called with the promise's value. */
    @JSFunctor
    interface Fulfilled<T extends JSObject> extends JSObject {
        void fulfilled(T value);
    }

    /** Called with the reason the promise was rejected, most often an {@code Error}. */
    @JSFunctor
    interface Rejected extends JSObject {
        void rejected(JsError reason);
    }
}
