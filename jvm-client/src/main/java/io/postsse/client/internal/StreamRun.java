package io.postsse.client.internal;

import io.postsse.client.CloseReason;
import io.postsse.client.EventStreamCall;
import io.postsse.client.EventStreamException;
import io.postsse.client.EventStreamListener;
import io.postsse.client.EventStreamRequest;
import io.postsse.protocol.EventHandler;
import io.postsse.protocol.EventStreamDecoder;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.protocol.StreamLimitException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One stream, run on one thread: connect, read, parse, call back; reconnect when the rules allow;
 * end with exactly one {@code onClosed}.
 */
public final class StreamRun implements Runnable, EventStreamCall {
    private static final int EXCERPT = 200;

    private final HttpClient http;
    private final EventStreamRequest request;
    private final EventStreamListener listener;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Object lock = new Object();

    private boolean cancelled;
    /** Events dispatched so far, over all connections; only the stream's thread touches it. */
    private int eventCount;
    private Thread thread;
    private CompletableFuture<HttpResponse<InputStream>> pending;
    private InputStream body;

    public StreamRun(HttpClient http, EventStreamRequest request, EventStreamListener listener) {
        this.http = http;
        this.request = request;
        this.listener = listener;
    }

    @Override
    public void cancel() {
        synchronized (lock) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            if (pending != null) {
                pending.cancel(true);
            }
            if (thread != null) {
                thread.interrupt(); // wakes a backoff sleep, or a full hand-off queue
            }
        }
        closeQuietly(currentBody());
    }

    @Override
    public boolean awaitClosed(Duration timeout) throws InterruptedException {
        return closed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void run() {
        synchronized (lock) {
            thread = Thread.currentThread();
        }
        CloseReason reason;
        try {
            reason = stream();
        } catch (EventStreamException e) {
            reason = isCancelled() ? CloseReason.CANCELLED : fail(e);
        } catch (RuntimeException | Error e) {
            reason = isCancelled() ? CloseReason.CANCELLED
                    : fail(new EventStreamException(EventStreamException.Kind.NETWORK, 0,
                            "the stream's listener failed: " + e, "", e));
        }
        try {
            listener.onClosed(reason);
        } finally {
            synchronized (lock) {
                thread = null;
            }
            Thread.interrupted(); // a late cancel must not leak its interrupt to a pooled thread
            closed.countDown();
        }
    }

    private CloseReason fail(EventStreamException error) {
        listener.onError(error);
        return CloseReason.FAILED;
    }

    /** Connects and reads until the stream ends; returns how, or throws how it failed. */
    private CloseReason stream() {
        EventStreamDecoder parser = new EventStreamDecoder(new EventHandler() {
            @Override
            public void onEvent(ServerSentEvent event) {
                eventCount++;
                if (!isCancelled()) {
                    listener.onEvent(event);
                }
            }
        }, request.maxLength(), request.maxLength());
        int failuresInARow = 0;
        boolean everOpened = false;
        while (true) {
            if (isCancelled()) {
                return CloseReason.CANCELLED;
            }
            HttpResponse<InputStream> response;
            try {
                response = send(parser.lastEventId());
            } catch (IOException e) {
                EventStreamException failure = new EventStreamException(EventStreamException.Kind.NETWORK, 0,
                        "could not connect to " + request.uri() + ": " + e, "", e);
                if (isCancelled()) {
                    return CloseReason.CANCELLED;
                }
                failuresInARow++;
                // Only a stream that was once open is reconnected; a first request that cannot
                // connect fails at once.
                if (!everOpened || failuresInARow > request.maxRetries()) {
                    throw failure;
                }
                if (!waitBeforeRetry(failuresInARow, parser.retryMillis(), null)) {
                    return CloseReason.CANCELLED;
                }
                continue;
            }
            if (response == null) {
                return CloseReason.CANCELLED;
            }
            int status = response.statusCode();
            if (status == 204) {
                closeQuietly(response.body());
                return CloseReason.COMPLETED;
            }
            if (status < 200 || status > 299) {
                EventStreamException failure = httpError(status, response.headers(), readExcerpt(response.body()));
                boolean retryable = status == 429 || status >= 500;
                failuresInARow++;
                if (!retryable || failuresInARow > request.maxRetries()) {
                    throw failure;
                }
                if (!waitBeforeRetry(failuresInARow, parser.retryMillis(), retryAfter(response.headers()))) {
                    return CloseReason.CANCELLED;
                }
                continue;
            }
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            if (!contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
                closeQuietly(response.body());
                throw new EventStreamException(EventStreamException.Kind.CONTENT_TYPE, status,
                        "expected text/event-stream but got " + (contentType.isEmpty() ? "no content type" : contentType),
                        "", null);
            }
            everOpened = true;
            listener.onOpen(status, response.headers());
            int eventsBefore = eventCount;
            boolean ended;
            try {
                ended = read(response.body(), parser);
            } catch (StreamLimitException e) {
                closeQuietly(response.body());
                throw new EventStreamException(EventStreamException.Kind.PARSER_LIMIT, status, e.getMessage(), "", e);
            }
            if (ended) {
                return CloseReason.COMPLETED;
            }
            if (isCancelled()) {
                return CloseReason.CANCELLED;
            }
            // The connection broke mid-stream: a reconnection, if any are left.
            failuresInARow = eventCount > eventsBefore ? 1 : failuresInARow + 1;
            if (failuresInARow > request.maxRetries()) {
                throw new EventStreamException(EventStreamException.Kind.NETWORK, status,
                        "the connection broke and no retry is left", "", null);
            }
            if (!waitBeforeRetry(failuresInARow, parser.retryMillis(), null)) {
                return CloseReason.CANCELLED;
            }
        }
    }

    /** Reads the body to its end (true) or to a broken connection (false). */
    private boolean read(InputStream in, EventStreamDecoder parser) {
        synchronized (lock) {
            body = in;
        }
        byte[] buffer = new byte[8192];
        try (in) {
            while (true) {
                int read;
                try {
                    read = in.read(buffer);
                } catch (IOException e) {
                    return false;
                }
                if (read < 0) {
                    parser.end();
                    return true;
                }
                parser.feed(buffer, 0, read);
            }
        } catch (IOException e) {
            return false;
        } finally {
            synchronized (lock) {
                body = null;
            }
        }
    }

    private HttpResponse<InputStream> send(String lastEventId) throws IOException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri()).header("Accept", "text/event-stream");
        if (request.body() != null) {
            builder.header("Content-Type", "application/json");
            builder.method(request.method(), HttpRequest.BodyPublishers.ofString(request.body(), StandardCharsets.UTF_8));
        } else {
            builder.method(request.method(), HttpRequest.BodyPublishers.noBody());
        }
        for (String[] header : request.headers()) {
            builder.header(header[0], header[1]);
        }
        if (!lastEventId.isEmpty()) {
            builder.header("Last-Event-ID", lastEventId);
        }
        CompletableFuture<HttpResponse<InputStream>> future;
        synchronized (lock) {
            if (cancelled) {
                return null;
            }
            future = http.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
            pending = future;
        }
        try {
            return future.get();
        } catch (CancellationException | InterruptedException e) {
            return null;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException ? (IOException) cause : new IOException(cause);
        } finally {
            synchronized (lock) {
                pending = null;
            }
        }
    }

    /** Sleeps before a reconnection; false when cancelled meanwhile. */
    private boolean waitBeforeRetry(int failuresInARow, long serverRetryMillis, Duration retryAfter) {
        long millis;
        if (retryAfter != null) {
            millis = retryAfter.toMillis();
        } else {
            long base = serverRetryMillis >= 0 ? serverRetryMillis : request.retryDelay().toMillis();
            long backoff = base << Math.min(failuresInARow - 1, 20);
            long capped = Math.min(backoff, request.maxRetryDelay().toMillis());
            // Jitter between half and all of it, so that many clients do not come back at once.
            millis = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            return false;
        }
        return !isCancelled();
    }

    private static Duration retryAfter(HttpHeaders headers) {
        String value = headers.firstValue("Retry-After").orElse(null);
        if (value == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
                return until.isNegative() ? Duration.ZERO : until;
            } catch (RuntimeException notDate) {
                return null;
            }
        }
    }

    private static EventStreamException httpError(int status, HttpHeaders headers, String body) {
        String contentType = headers.firstValue("Content-Type").orElse("");
        String title = "HTTP " + status;
        String detail = body.length() <= EXCERPT ? body : body.substring(0, EXCERPT) + "\u2026";
        if (contentType.contains("json")) {
            String problemTitle = JsonText.stringField(body, "title");
            String problemDetail = JsonText.stringField(body, "detail");
            if (problemTitle != null) {
                title = "HTTP " + status + ": " + problemTitle;
            }
            if (problemDetail != null) {
                detail = problemDetail;
            }
        }
        return new EventStreamException(EventStreamException.Kind.HTTP_STATUS, status, title, detail, null);
    }

    /** The start of an error body: enough to explain, never the whole of a huge one. */
    private static String readExcerpt(InputStream in) {
        try (in) {
            byte[] bytes = in.readNBytes(4096);
            return new String(bytes, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "";
        }
    }

    private boolean isCancelled() {
        synchronized (lock) {
            return cancelled;
        }
    }

    private InputStream currentBody() {
        synchronized (lock) {
            return body;
        }
    }

    private static void closeQuietly(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
