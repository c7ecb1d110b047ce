package io.postsse.server.internal;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream's {@code onCancel} callbacks, for plain and resumable streams alike: kept until the
 * stream is cancelled, then taken once and run outside the stream's lock. Guarded by that lock.
 */
final class CancelCallbacks {
    private static final Logger LOG = LoggerFactory.getLogger(CancelCallbacks.class);

    /** Null once taken: the stream was cancelled. */
    private List<Runnable> callbacks = new ArrayList<>();

    /** Keeps the callback; false when the stream was cancelled already, and the caller must run it now. */
    boolean add(Runnable callback) {
        if (callbacks == null) {
            return false;
        }
        callbacks.add(callback);
        return true;
    }

    /** The callbacks to run for the cancellation, once: later calls get none. */
    List<Runnable> take() {
        List<Runnable> taken = callbacks == null ? List.of() : callbacks;
        callbacks = null;
        return taken;
    }

    /** Runs the callbacks taken, without the stream's lock; one that throws is logged, the others still run. */
    static void run(List<Runnable> taken, String streamId) {
        for (Runnable callback : taken) {
            try {
                callback.run();
            } catch (RuntimeException e) {
                LOG.warn("Stream {}: a cancel callback failed", streamId, e);
            }
        }
    }
}
