package io.postsse.web;

import io.postsse.protocol.CharSearch;
import org.teavm.jso.JSBody;

/**
 * The JavaScript engine's own {@code String.prototype.indexOf}, for the parser's line-end search.
 * Made per parser rather than held in a static field: a static initialiser would cost more script
 * than the object.
 */
final class NativeSearch implements CharSearch {
    @Override
    public int indexOf(String text, char c, int from) {
        return nativeIndexOf(text, c, from);
    }

    @JSBody(params = {"text", "c", "from"}, script = "return text.indexOf(String.fromCharCode(c), from);")
    private static native int nativeIndexOf(String text, char c, int from);
}
