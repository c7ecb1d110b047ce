package io.postsse.server.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Finishes an asynchronous request once: when the route is done with it, or when Jetty reports that
 * the request failed under the route (the client reset its HTTP/2 stream, the connection was lost),
 * whichever comes first.
 *
 * <p>Jetty reports a failure to the request's async listeners; once they return, it ends the request
 * and recycles it by itself, without waiting for the application. The listener is the last moment
 * the request can be finished: it is finished then, on Jetty's thread. Finished later, the request
 * recycled, Javalin fails, and fails again at handling that failure, for ever. And a finish the route
 * began first holds Jetty's report until it is done, so that the request is never recycled under
 * it. (A finish is short: Javalin's after-handlers and request log, and a problem's few bytes at most.)
 */
final class RequestFinish implements AsyncListener {
    private final ReentrantLock lock = new ReentrantLock();
    private final Runnable onFailure;
    private boolean finished;

    private RequestFinish(Runnable onFailure) {
        this.onFailure = onFailure;
    }

    /**
     * Watches the request of the async context, before the route's handling of it starts;
     * {@code onFailure} finishes it when it fails first.
     */
    static RequestFinish watch(AsyncContext async, Runnable onFailure) {
        RequestFinish finish = new RequestFinish(onFailure);
        async.addListener(finish);
        return finish;
    }

    /** Runs {@code finish}, the route's, unless the request was finished already; returns whether it ran. */
    boolean byRoute(Runnable finish) {
        return once(finish);
    }

    private boolean once(Runnable finish) {
        lock.lock();
        try {
            if (finished) {
                return false;
            }
            finished = true;
            finish.run();
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onError(AsyncEvent event) {
        once(onFailure);
    }

    @Override
    public void onComplete(AsyncEvent event) {
        once(() -> {
            // Completed without the route: there is nothing left to finish.
        });
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // Stream requests have no async timeout: the route sets none.
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // The request is not put in async mode again.
    }
}
