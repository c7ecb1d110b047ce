package io.postsse.web;

import org.teavm.jso.JSBody;
import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;

/**
 * Where a persisted stream can be resumed from, kept in {@code sessionStorage} under
 * {@code "postsse:" + key} as {@code {url, streamId, lastEventId}}: it survives a reload of the
 * page, and no other tab sees it. Storage that is unavailable or full is treated as empty: the
 * stream goes on, it just cannot be resumed after a reload.
 */
abstract class SavedStream implements JSObject {
    @JSProperty
    abstract String getUrl();

    @JSProperty
    abstract String getStreamId();

    @JSProperty
    abstract String getLastEventId();

    /** What is kept under the key (only ever written by {@link #save}), or null when nothing is. */
    @JSBody(params = "key", script = "try { return JSON.parse(sessionStorage.getItem('postsse:' + key)); } catch (e) { return null; }")
    static native SavedStream load(String key);

    @JSBody(params = {"key", "url", "streamId", "lastEventId"}, script = "try { sessionStorage.setItem('postsse:' + key,"
            + " JSON.stringify({url: url, streamId: streamId, lastEventId: lastEventId})); } catch (e) {}")
    static native void save(String key, String url, String streamId, String lastEventId);

    /** Removes what is kept under the key, if it is this stream's: another stream may have taken the key since. */
    @JSBody(params = {"key", "streamId"}, script = "try { var v = JSON.parse(sessionStorage.getItem('postsse:' + key));"
            + " if (!v || v.streamId === streamId) sessionStorage.removeItem('postsse:' + key); } catch (e) {}")
    static native void forget(String key, String streamId);
}
