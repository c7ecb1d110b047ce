package io.postsse.server.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the connection under a stream costs beyond the stream's own buffer: the kernel's send
 * buffer, and over HTTP/1.1 Jetty's request buffer.
 */
final class StreamConnection {
    private static final Logger LOG = LoggerFactory.getLogger(StreamConnection.class);
    /** Jetty's {@code HttpConnection.releaseRequestBuffer()} and {@code isRequestBufferEmpty()}; null where they cannot be reached. */
    private static final Method RELEASE_REQUEST_BUFFER;
    private static final Method IS_REQUEST_BUFFER_EMPTY;

    static {
        Method release = null;
        Method isEmpty = null;
        try {
            Class<?> http1 = Class.forName("org.eclipse.jetty.server.internal.HttpConnection");
            isEmpty = http1.getMethod("isRequestBufferEmpty");
            release = http1.getDeclaredMethod("releaseRequestBuffer");
            release.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("Jetty's request buffers stay with their streams' connections", e);
            release = null;
        }
        RELEASE_REQUEST_BUFFER = release;
        IS_REQUEST_BUFFER_EMPTY = isEmpty;
    }

    private StreamConnection() {
    }

    /**
     * Caps the kernel's send buffer of the connection ({@code SO_SNDBUF}): left to itself, Linux
     * grows it for a client that reads slowly, to megabytes, which would hold that many of the
     * stream's bytes beyond {@code maxBufferedBytes}. Linux counts its bookkeeping in the buffer,
     * and doubles the value asked for to make room for it. Zero or less: the kernel's own sizing.
     */
    static void limitSendBuffer(HttpServletRequest request, int bytes) {
        if (bytes <= 0) {
            return;
        }
        EndPoint endPoint = endPoint(request);
        if (endPoint != null && endPoint.getTransport() instanceof NetworkChannel) {
            try {
                ((NetworkChannel) endPoint.getTransport()).setOption(StandardSocketOptions.SO_SNDBUF, bytes);
            } catch (IOException | RuntimeException e) { // closed already
                LOG.debug("Could not set the send buffer of {}", endPoint, e);
            }
        }
    }

    /**
     * Over HTTP/1.1, once the request's body is read: lets go of the connection's request buffer
     * (16 KiB, taken from Jetty's pool), which Jetty keeps until the response ends, in case the
     * client sends a next request on the same connection. A stream's connection serves no other
     * request (it is answered {@code Connection: close}), and reads only for its client's close,
     * into a buffer of its own (see {@link DisconnectWatcher}). Left alone when bytes wait in it, or
     * where Jetty's method cannot be reached (a Jetty that changed, or modules that keep it closed).
     * Called on the thread that read the body's end, before the stream starts.
     */
    static void releaseRequestBuffer(HttpServletRequest request) {
        if (RELEASE_REQUEST_BUFFER == null || !DisconnectWatcher.ownsConnection(request)) {
            return;
        }
        Connection connection = connection(request);
        if (connection == null || !RELEASE_REQUEST_BUFFER.getDeclaringClass().isInstance(connection)) {
            return;
        }
        try {
            if (Boolean.TRUE.equals(IS_REQUEST_BUFFER_EMPTY.invoke(connection))) {
                RELEASE_REQUEST_BUFFER.invoke(connection);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("Could not release the request buffer of {}", connection, e);
        }
    }

    private static Connection connection(HttpServletRequest request) {
        ServletContextRequest jetty = DisconnectWatcher.jettyRequest(request);
        if (jetty == null) {
            return null;
        }
        try {
            return jetty.getConnectionMetaData().getConnection();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static EndPoint endPoint(HttpServletRequest request) {
        Connection connection = connection(request);
        return connection == null ? null : connection.getEndPoint();
    }
}
