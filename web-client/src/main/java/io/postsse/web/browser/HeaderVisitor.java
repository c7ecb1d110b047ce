package io.postsse.web.browser;

import org.teavm.jso.JSFunctor;
import org.teavm.jso.JSObject;

/** The callback of {@link Headers#forEach}: value first, as the browser passes them. */
@JSFunctor
public interface HeaderVisitor extends JSObject {
    void visit(String value, String name);
}
