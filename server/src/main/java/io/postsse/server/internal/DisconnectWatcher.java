package io.postsse.server.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.QuietException;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that a client went away while the stream is silent, and breaks a stream whose client
 * stopped reading.
 *
 * <p>Over HTTP/1.1, Jetty learns of a closed connection only when it reads from it or writes to
 * it, and during a streamed response it does neither until the application writes. So this asks
 * the connection's endpoint to report when it becomes readable: after the request body has been
 * read, the next thing a client sends on a streaming connection is, in practice, its close (a read
 * of -1). Such streams are answered with {@code Connection: close}, so Jetty never wants to read a
 * next request from the same connection while this interest is pending.
 *
 * <p>Over HTTP/2 the connection carries other streams too, and its session keeps reading it: the
 * client's reset of the stream, or the loss of the connection, reaches the request by itself, as a
 * failure. Aborting then fails this one request, which resets its stream alone.
 */
final class DisconnectWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(DisconnectWatcher.class);

    private DisconnectWatcher() {
    }

    /**
     * Calls {@code onClosed} once the client goes away, for as long as {@code streaming} says true.
     * Returns false when the request cannot be watched this way (then a gone client is noticed at
     * the next write or heartbeat).
     */
    static boolean watch(HttpServletRequest request, BooleanSupplier streaming, Runnable onClosed) {
        ServletContextRequest jetty = jettyRequest(request);
        if (jetty == null) {
            LOG.debug("Cannot reach the Jetty request; disconnects are noticed on write");
            return false;
        }
        if (!ownsConnection(jetty)) {
            jetty.addFailureListener(failure -> {
                if (streaming.getAsBoolean()) {
                    onClosed.run();
                }
            });
            return true;
        }
        EndPoint endPoint = endPoint(jetty);
        if (endPoint == null) {
            LOG.debug("Cannot reach the connection's endpoint; disconnects are noticed on write");
            return false;
        }
        return arm(endPoint, streaming, onClosed);
    }

    /**
     * Breaks the stream at once, so that a write blocked on a client that never reads fails: over
     * HTTP/1.1 by closing its connection, over HTTP/2 by resetting its stream alone and failing the
     * request, which fails the pending write.
     */
    static void abort(HttpServletRequest request) {
        ServletContextRequest jetty = jettyRequest(request);
        if (jetty == null) {
            return;
        }
        if (ownsConnection(jetty)) {
            EndPoint endPoint = endPoint(jetty);
            if (endPoint != null) {
                endPoint.close();
            }
            return;
        }
        resetStream(jetty);
        try {
            Runnable failure = HttpChannel.from(jetty).onFailure(new StreamAborted());
            if (failure != null) {
                failure.run();
            }
        } catch (RuntimeException e) {
            LOG.debug("Could not fail the request", e);
        }
    }

    /**
     * Makes sure that a stream whose writer is done can no longer end normally, so that its client
     * sees a broken stream, not a complete one: over HTTP/1.1 the connection's output is shut
     * before the last chunk, over HTTP/2 the stream is reset. The request itself is left to end as
     * usual: Jetty learns of the break only when it writes the end, after the application is done
     * with the request, and fails that write. (Failing or closing the request now would let Jetty
     * recycle it under an application that still completes it.)
     */
    static void preventEnd(HttpServletRequest request) {
        ServletContextRequest jetty = jettyRequest(request);
        if (jetty == null) {
            return;
        }
        if (!ownsConnection(jetty)) {
            resetStream(jetty);
            return;
        }
        EndPoint endPoint = endPoint(jetty);
        if (endPoint == null) {
            return;
        }
        try {
            if (endPoint.getTransport() instanceof SocketChannel) {
                // Beneath Jetty, which would otherwise see a closed connection and end the request.
                ((SocketChannel) endPoint.getTransport()).shutdownOutput();
            } else {
                endPoint.shutdownOutput();
            }
        } catch (IOException | RuntimeException e) { // closed already: broken already
            LOG.debug("Could not shut the connection's output", e);
        }
    }

    /**
     * Resets the request's HTTP/2 stream (CANCEL), so that nothing, and above all no end of the
     * stream, can be sent on it after. Jetty names an HTTP/2 request by its stream's id.
     */
    private static void resetStream(ServletContextRequest request) {
        try {
            Connection connection = request.getConnectionMetaData().getConnection();
            if (!(connection instanceof HTTP2Connection)) {
                return;
            }
            Stream stream = ((HTTP2Connection) connection).getSession().getStream(Integer.parseInt(request.getId()));
            if (stream != null) {
                stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP);
            }
        } catch (RuntimeException e) { // NumberFormatException too: an id that is not the stream's
            LOG.debug("Could not reset the stream", e);
        }
    }

    /** Why a stream was broken on purpose; quiet, so that Jetty does not log it as a failure. */
    private static final class StreamAborted extends IOException implements QuietException {
        private static final long serialVersionUID = 1L;

        StreamAborted() {
            super("the stream was cancelled");
        }
    }

    /**
     * Whether the request has its connection to itself (HTTP/1.x), so that the stream answers with
     * {@code Connection: close} and is watched on the connection's endpoint.
     */
    static boolean ownsConnection(HttpServletRequest request) {
        ServletContextRequest jetty = jettyRequest(request);
        return jetty == null || ownsConnection(jetty);
    }

    private static boolean ownsConnection(ServletContextRequest request) {
        HttpVersion version = request.getConnectionMetaData().getHttpVersion();
        return version == null || version.getVersion() < 20;
    }

    /** The Jetty request under the servlet request, or null where there is none to reach. */
    static ServletContextRequest jettyRequest(HttpServletRequest request) {
        try {
            return ServletContextRequest.getServletContextRequest(request);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The Jetty endpoint under the request, or null where there is none to reach. */
    private static EndPoint endPoint(ServletContextRequest request) {
        try {
            return request.getConnectionMetaData().getConnection().getEndPoint();
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
