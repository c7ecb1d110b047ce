package io.postsse.client.internal;

import io.postsse.client.EventStreamCall;
import io.postsse.client.EventStreamException;
import io.postsse.client.EventStreamListener;
import io.postsse.client.EventStreamRequest;
import io.postsse.protocol.AsciiCase;
import io.postsse.protocol.CharSearch;
import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.protocol.StreamError;
import io.postsse.protocol.StreamLifecycle;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One stream, run on one thread: the I/O shell around {@link StreamLifecycle}, which decides
 * everything else. Connects, reads, sleeps and stops as the lifecycle says.
 */
public final class StreamRun implements Runnable, EventStreamCall {
    private static final int EXCERPT = 200;
    /** How long a cancelled stream waits for the server to take its stop, at most. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(2);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpClient http;
    private final EventStreamRequest request;
    private final EventStreamListener listener;
    private final HttpRequest.Builder template;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Object lock = new Object();

    private boolean cancelled;
    private Thread thread;
    private CompletableFuture<HttpResponse<InputStream>> pending;
    private InputStream body;
    /** The current response: its headers for {@code onOpen}, its body to read. */
    private HttpResponse<InputStream> response;

    /** @throws IllegalArgumentException when the request cannot be sent at all, such as a forbidden header */
    public StreamRun(HttpClient http, EventStreamRequest request, EventStreamListener listener) {
        this.http = http;
        this.request = request;
        this.listener = listener;
        this.template = requestTemplate(request);
        template.copy().build(); // refuses a bad header now, not on the stream's thread
    }

    @Override
    public void cancel() {
        InputStream reading;
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
            reading = body;
        }
        closeQuietly(reading);
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
        try {
            drive(new StreamLifecycle(new Callbacks(), settings(request)));
        } finally {
            // An exception from onError or onClosed passes on from here, after the cleanup.
            if (response != null) {
                closeQuietly(response.body());
            }
            synchronized (lock) {
                thread = null;
            }
            Thread.interrupted(); // a late cancel must not leak its interrupt to a pooled thread
            closed.countDown();
        }
    }

    private void drive(StreamLifecycle lifecycle) {
        int next = lifecycle.start();
        while (next != StreamLifecycle.STOP) {
            if (next != StreamLifecycle.CANCEL && isCancelled()) {
                next = lifecycle.close();
                continue;
            }
            switch (next) {
                case StreamLifecycle.CANCEL -> {
                    stopOnServer(lifecycle.streamId());
                    next = StreamLifecycle.STOP;
                }
                case StreamLifecycle.CONNECT -> next = connect(lifecycle);
                case StreamLifecycle.READ -> next = read(lifecycle);
                case StreamLifecycle.READ_ERROR_BODY -> next = readErrorBody(lifecycle);
                case StreamLifecycle.WAIT -> next = waitThenRetry(lifecycle);
                default -> throw new IllegalStateException("unknown step " + next);
            }
        }
    }

    private int connect(StreamLifecycle lifecycle) {
        if (response != null) {
            closeQuietly(response.body());
            response = null;
        }
        try {
            response = send(lifecycle.lastEventId(), lifecycle.streamId());
        } catch (IOException e) {
            return isCancelled() ? lifecycle.close()
                    : lifecycle.onConnectFailed("could not connect to " + request.uri() + ": " + e, e);
        }
        if (response == null) {
            return lifecycle.close();
        }
        HttpHeaders headers = response.headers();
        return lifecycle.onResponse(response.statusCode(), headers.firstValue("Content-Type").orElse(null),
                headers.firstValue("Retry-After").orElse(null),
                headers.firstValue(StreamLifecycle.STREAM_HEADER).orElse(null));
    }

    /** Reads the body until the lifecycle wants something else. */
    private int read(StreamLifecycle lifecycle) {
        InputStream in = response.body();
        synchronized (lock) {
            if (cancelled) {
                return lifecycle.close();
            }
            body = in;
        }
        byte[] buffer = new byte[8192];
        try {
            int next = StreamLifecycle.READ;
            while (next == StreamLifecycle.READ) {
                int read;
                try {
                    read = in.read(buffer);
                } catch (IOException e) {
                    return isCancelled() ? lifecycle.close()
                            : lifecycle.onBroken("the connection broke before the stream ended: " + e, e);
                }
                next = read < 0 ? lifecycle.onEnd() : lifecycle.onBytes(buffer, 0, read);
            }
            return next;
        } finally {
            synchronized (lock) {
                body = null;
            }
        }
    }

    private int waitThenRetry(StreamLifecycle lifecycle) {
        try {
            Thread.sleep(lifecycle.retryDelayMillis());
        } catch (InterruptedException e) {
            return lifecycle.close();
        }
        return isCancelled() ? lifecycle.close() : lifecycle.onRetryTimer();
    }

    private HttpResponse<InputStream> send(String lastEventId, String streamId) throws IOException {
        HttpRequest.Builder builder = template.copy();
        if (!lastEventId.isEmpty()) {
            builder.header("Last-Event-ID", lastEventId);
        }
        if (streamId != null) {
            builder.header(StreamLifecycle.STREAM_HEADER, streamId);
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

    /**
     * Tells the server to stop the stream: {@code DELETE} of its URL naming it, with the request's
     * own headers (its credentials). Waits a little for the answer, so that a cancel followed by
     * {@link #awaitClosed} has reached the server; a failure changes nothing, the stream is closed.
     */
    private void stopOnServer(String streamId) {
        Thread.interrupted(); // the cancel's own interrupt, already acted on
        HttpRequest.Builder stop = HttpRequest.newBuilder(request.uri()).timeout(STOP_TIMEOUT)
                .header(StreamLifecycle.STREAM_HEADER, streamId).DELETE();
        for (String[] header : request.headers()) {
            if (!AsciiCase.equals(header[0], "content-type") && !AsciiCase.equals(header[0], StreamLifecycle.STREAM_HEADER)) {
                stop.header(header[0], header[1]);
            }
        }
        try {
            http.sendAsync(stop.build(), HttpResponse.BodyHandlers.discarding())
                    .get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // The server is unreachable: its producer stops on its own after its grace period.
        }
    }

    /** A fresh stream id: 128 random bits, base64url without padding. */
    private static String newStreamId() {
        byte[] bits = new byte[16];
        RANDOM.nextBytes(bits);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }

    private static HttpRequest.Builder requestTemplate(EventStreamRequest request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri()).header("Accept", "text/event-stream");
        if (request.body() != null) {
            boolean contentTypeGiven = false;
            for (String[] header : request.headers()) {
                contentTypeGiven |= AsciiCase.equals(header[0], "content-type");
            }
            if (!contentTypeGiven) {
                builder.header("Content-Type", "application/json");
            }
            builder.method(request.method(), HttpRequest.BodyPublishers.ofString(request.body(), StandardCharsets.UTF_8));
        } else {
            builder.method(request.method(), HttpRequest.BodyPublishers.noBody());
        }
        for (String[] header : request.headers()) {
            builder.header(header[0], header[1]);
        }
        return builder;
    }

    private static StreamLifecycle.Settings settings(EventStreamRequest request) {
        StreamLifecycle.Settings settings = new StreamLifecycle.Settings();
        settings.maxRetries = request.maxRetries();
        settings.initialRetryMillis = saturatedMillis(request.retryDelay());
        settings.maxRetryMillis = saturatedMillis(request.maxRetryDelay());
        settings.maxLength = request.maxLength();
        settings.search = CharSearch.STRING_INDEX_OF;
        settings.retryPolicy = request.retryPolicy();
        settings.httpDates = StreamRun::millisUntil;
        settings.streamId = newStreamId();
        settings.lastEventId = request.lastEventId();
        return settings;
    }

    private static int saturatedMillis(Duration duration) {
        long millis = duration.toMillis();
        return millis > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.max(0, millis);
    }

    /** Milliseconds until an RFC 1123 date, as {@code Retry-After} may give one; -1 when it is none. */
    private static int millisUntil(String httpDate) {
        try {
            Duration until = Duration.between(ZonedDateTime.now(),
                    ZonedDateTime.parse(httpDate, DateTimeFormatter.RFC_1123_DATE_TIME));
            return until.isNegative() ? 0 : saturatedMillis(until);
        } catch (RuntimeException notADate) {
            return -1;
        }
    }

    /** Reads the start of an error response, for a problem JSON's title and detail or an excerpt. */
    private int readErrorBody(StreamLifecycle lifecycle) {
        String text = readExcerpt(response.body());
        boolean json = response.headers().firstValue("Content-Type").orElse("").contains("json");
        String title = json ? JsonText.stringField(text, "title") : null;
        String detail = json ? JsonText.stringField(text, "detail") : null;
        if (title == null && detail == null) {
            detail = text.length() <= EXCERPT ? text : text.substring(0, EXCERPT) + "\u2026";
        }
        return lifecycle.onErrorBody(title != null ? title : "HTTP " + response.statusCode(),
                detail == null ? "" : detail);
    }

    /** The start of an error body: enough to explain, never the whole of a huge one. */
    private static String readExcerpt(InputStream body) {
        try (InputStream in = body) {
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

    private static void closeQuietly(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** The lifecycle's callbacks, passed to the application's listener with what the JVM adds. */
    private final class Callbacks implements StreamLifecycle.Listener {
        @Override
        public void onOpen(int status) {
            listener.onOpen(status, response.headers());
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            if (!isCancelled()) { // nothing reaches the application after it cancelled
                listener.onEvent(event);
            }
        }

        @Override
        public void onError(StreamError error) {
            listener.onError(new EventStreamException(error));
        }

        @Override
        public void onClose(CloseReason reason) {
            listener.onClosed(reason);
        }
    }
}
