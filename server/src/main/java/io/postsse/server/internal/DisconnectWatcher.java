package io.postsse.server.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that a client closed its connection while the stream is silent.
 *
 * <p>Jetty learns of a closed connection only when it reads from it or writes to it, and during a
 * streamed response over HTTP/1.1 it does neither until the application writes. So this asks the
 * connection's endpoint to report when it becomes readable: after the request body has been read,
 * the next thing a client sends on a streaming connection is, in practice, its close (a read of -1).
 * Streams are answered with {@code Connection: close}, so Jetty never wants to read a next request
 * from the same connection while this interest is pending.
 */
final class DisconnectWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(DisconnectWatcher.class);

    private DisconnectWatcher() {
    }

    /**
     * Calls {@code onClosed} once the client closes the connection, for as long as {@code streaming}
     * says true. Returns false when the connection cannot be watched this way (then a gone client
     * is noticed at the next write or heartbeat).
     */
    static boolean watch(HttpServletRequest request, BooleanSupplier streaming, Runnable onClosed) {
        EndPoint endPoint = endPoint(request);
        if (endPoint == null) {
            LOG.debug("Cannot reach the connection's endpoint; disconnects are noticed on write");
            return false;
        }
        return arm(endPoint, streaming, onClosed);
    }

    /** Breaks the request's connection, so that a write blocked on a client that never reads fails. */
    static void abort(HttpServletRequest request) {
        EndPoint endPoint = endPoint(request);
        if (endPoint != null) {
            endPoint.close();
        }
    }

    /** The Jetty endpoint under the servlet request, or null where there is none to reach. */
    private static EndPoint endPoint(HttpServletRequest request) {
        try {
            return ServletContextRequest.getServletContextRequest(request)
                    .getConnectionMetaData().getConnection().getEndPoint();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean arm(EndPoint endPoint, BooleanSupplier streaming, Runnable onClosed) {
        return endPoint.tryFillInterested(new Callback() {
            @Override
            public void succeeded() {
                if (!streaming.getAsBoolean()) {
                    return;
                }
                int read;
                try {
                    read = endPoint.fill(BufferUtil.allocate(512));
                } catch (IOException e) {
                    read = -1;
                }
                if (read < 0) {
                    onClosed.run();
                } else if (!arm(endPoint, streaming, onClosed)) {
                    LOG.debug("Stopped watching {} for a close", endPoint);
                }
            }

            @Override
            public void failed(Throwable cause) {
                if (streaming.getAsBoolean()) {
                    onClosed.run();
                }
            }

            @Override
            public InvocationType getInvocationType() {
                // onClosed runs the application's cancel callbacks, which may block.
                return InvocationType.BLOCKING;
            }
        });
    }
}
