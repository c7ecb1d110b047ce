package io.postsse.client.internal;

import java.io.EOFException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Says in words why a connection failed, for an error's message: what went wrong, and with which
 * server. Never a Java exception's class name; the exception itself stays the error's cause.
 */
public final class NetworkFailures {
    /** How deep a cause chain is followed: a cycle, or an absurd chain, ends the search. */
    private static final int MAX_CHAIN = 16;

    private NetworkFailures() {
    }

    /** The request could not be sent, or no response head came back. */
    public static String connectFailed(URI uri, Throwable failure) {
        String server = server(uri);
        if (causedBy(failure, UnresolvedAddressException.class) || causedBy(failure, UnknownHostException.class)) {
            return "cannot resolve host " + uri.getHost();
        }
        if (causedBy(failure, HttpConnectTimeoutException.class)) {
            return "connecting to " + server + " timed out";
        }
        if (causedBy(failure, SSLException.class)) {
            return "TLS with " + server + " failed" + suffix(deepestMessage(failure));
        }
        if (causedBy(failure, ConnectException.class)) {
            String message = deepestMessage(failure);
            // java.net.http tries a refused connection once more on the socket it has closed, and
            // reports only that: no message at all. It retries no other failure to connect but the
            // system's own connect timeout, which takes minutes.
            if (message == null || message.toLowerCase(Locale.ROOT).contains("refused")) {
                return "connection refused by " + server;
            }
            return "could not connect to " + server + ": " + message;
        }
        if (causedBy(failure, EOFException.class)) {
            return server + " closed the connection before answering";
        }
        if (isReset(failure)) {
            return server + " reset the connection before answering";
        }
        return "the request to " + server + " failed" + suffix(deepestMessage(failure));
    }

    /** No response head came back within the request's connect timeout. */
    public static String noResponse(URI uri, Duration timeout) {
        return "no response from " + server(uri) + " within " + text(timeout) + " (connect timeout)";
    }

    /** Reading the body failed before it ended. */
    public static String broken(URI uri, Throwable failure) {
        String server = server(uri);
        if (isReset(failure)) {
            return "the connection to " + server + " was reset before the stream ended";
        }
        if (causedBy(failure, EOFException.class)) {
            return server + " closed the connection before the stream ended";
        }
        return "the connection to " + server + " broke before the stream ended";
    }

    /** Nothing at all arrived for the request's idle timeout. */
    public static String silent(URI uri, Duration timeout) {
        return "nothing from " + server(uri) + " for " + text(timeout) + " (idle timeout)";
    }

    /** A duration as people write it: {@code 60 s}, {@code 1.5 s}, {@code 500 ms}. */
    public static String text(Duration duration) {
        long millis = duration.toMillis();
        if (millis > 0 && millis < 1000) {
            return millis + " ms";
        }
        return BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + " s";
    }

    /** {@code host:port}, with the scheme's port when the URI names none. */
    static String server(URI uri) {
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return uri.getHost() + ":" + port;
    }

    private static boolean isReset(Throwable failure) {
        Throwable cause = failure;
        for (int i = 0; cause != null && i < MAX_CHAIN; i++, cause = cause.getCause()) {
            String message = cause.getMessage();
            if (message != null && message.toLowerCase(Locale.ROOT).contains("connection reset")) {
                return true;
            }
        }
        return false;
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        Throwable cause = failure;
        for (int i = 0; cause != null && i < MAX_CHAIN; i++, cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The message of the innermost cause that has one: the platform's own words (a wrapper's
     * message is often the wrapped exception's class name and message).
     */
    private static String deepestMessage(Throwable failure) {
        String deepest = null;
        Throwable cause = failure;
        for (int i = 0; cause != null && i < MAX_CHAIN; i++, cause = cause.getCause()) {
            String message = cause.getMessage();
            if (message != null && !message.isBlank()) {
                deepest = message.trim();
            }
        }
        return deepest;
    }

    private static String suffix(String message) {
        return message == null ? "" : ": " + message;
    }
}
