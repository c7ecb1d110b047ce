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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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
    private static final int EXCERPT_BYTES = 4096;

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
    /** The idle timeout in nanoseconds; 0: none. */
    private final long idleNanos;
    /** Whether the stream's thread is blocked reading, and since when: only that is silence. */
    private volatile boolean waitingForBytes;
    private volatile long waitingSince;
    /** The next look at the silence, while a body is read. */
    private ScheduledFuture<?> idleCheck;
    /** The body being read was closed for its silence. */
    private boolean idleTimedOut;

    /** @throws IllegalArgumentException when the request cannot be sent at all, such as a forbidden header */
    public StreamRun(HttpClient http, EventStreamRequest request, EventStreamListener listener) {
        this.http = http;
        this.request = request;
        this.listener = listener;
        this.template = requestTemplate(request);
        this.idleNanos = request.idleTimeout().toNanos();
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
            if (isCancelled()) {
                return lifecycle.close();
            }
            return lifecycle.onConnectFailed(e instanceof NoResponseInTime
                    ? NetworkFailures.noResponse(request.uri(), request.connectTimeout())
                    : NetworkFailures.connectFailed(request.uri(), e), e);
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
        if (!startReading(in)) {
            return lifecycle.close();
        }
        byte[] buffer = new byte[8192];
        try {
            int next = StreamLifecycle.READ;
            while (next == StreamLifecycle.READ) {
                int read;
                try {
                    read = timedRead(in, buffer, 0, buffer.length);
                } catch (IOException e) {
                    return readFailed(lifecycle, e);
                }
                if (read < 0 && isIdleTimedOut()) {
                    return readFailed(lifecycle, null); // the body was closed for its silence: not its end
                }
                next = read < 0 ? lifecycle.onEnd() : lifecycle.onBytes(buffer, 0, read);
            }
            return next;
        } finally {
            stopReading();
        }
    }

    private int readFailed(StreamLifecycle lifecycle, IOException failure) {
        if (isCancelled()) {
            return lifecycle.close();
        }
        return lifecycle.onBroken(isIdleTimedOut() ? NetworkFailures.silent(request.uri(), request.idleTimeout())
                : NetworkFailures.broken(request.uri(), failure), failure);
    }

    /**
     * Makes the body the one {@link #cancel()} closes, and the one watched for silence; false
     * when the stream was cancelled already.
     */
    private boolean startReading(InputStream in) {
        synchronized (lock) {
            if (cancelled) {
                return false;
            }
            body = in;
            idleTimedOut = false;
            if (idleNanos > 0) {
                idleCheck = IdleTimer.EXECUTOR.schedule(() -> checkIdle(in), idleNanos, TimeUnit.NANOSECONDS);
            }
            return true;
        }
    }

    private void stopReading() {
        synchronized (lock) {
            body = null;
            if (idleCheck != null) {
                idleCheck.cancel(false);
                idleCheck = null;
            }
        }
    }

    /** One read of the body, timed for the idle timeout. */
    private int timedRead(InputStream in, byte[] buffer, int offset, int length) throws IOException {
        waitingSince = System.nanoTime();
        waitingForBytes = true;
        try {
            return in.read(buffer, offset, length);
        } finally {
            waitingForBytes = false;
        }
    }

    /**
     * On the idle timer's thread: closes the body when the stream's thread has waited for its
     * bytes for the whole idle timeout, else looks again when it would have.
     */
    private void checkIdle(InputStream in) {
        synchronized (lock) {
            if (body != in || cancelled) {
                return; // that read is over
            }
            long waited = waitingForBytes ? System.nanoTime() - waitingSince : 0;
            if (waited < idleNanos) {
                idleCheck = IdleTimer.EXECUTOR.schedule(() -> checkIdle(in), idleNanos - waited, TimeUnit.NANOSECONDS);
                return;
            }
            idleTimedOut = true; // before the close, which the stream's thread may see as an end
        }
        closeQuietly(in);
    }

    private boolean isIdleTimedOut() {
        synchronized (lock) {
            return idleTimedOut;
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
            return awaitResponse(future);
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

    /** The response, waiting at most the connect timeout for it. */
    private HttpResponse<InputStream> awaitResponse(CompletableFuture<HttpResponse<InputStream>> future)
            throws InterruptedException, ExecutionException, NoResponseInTime {
        Duration timeout = request.connectTimeout();
        if (timeout.isZero()) {
            return future.get();
        }
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (future.cancel(true)) {
                throw new NoResponseInTime(e);
            }
            return future.get(); // it came at the last moment: take it, rather than leave it open
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
        InputStream in = response.body();
        if (!startReading(in)) {
            return lifecycle.close();
        }
        String text;
        try {
            text = readExcerpt(in);
        } finally {
            stopReading();
        }
        boolean json = response.headers().firstValue("Content-Type").orElse("").contains("json");
        String title = json ? JsonText.stringField(text, "title") : null;
        String detail = json ? JsonText.stringField(text, "detail") : null;
        if (title == null && detail == null) {
            detail = text.length() <= EXCERPT ? text : text.substring(0, EXCERPT) + "\u2026";
        }
        return lifecycle.onErrorBody(title != null ? title : "HTTP " + response.statusCode(),
                detail == null ? "" : detail);
    }

    /**
     * The start of an error body: enough to explain, never the whole of a huge one. What arrived
     * before a failure or the idle timeout is kept.
     */
    private String readExcerpt(InputStream body) {
        byte[] bytes = new byte[EXCERPT_BYTES];
        int length = 0;
        try (InputStream in = body) {
            int read;
            while (length < bytes.length && (read = timedRead(in, bytes, length, bytes.length - length)) >= 0) {
                length += read;
            }
        } catch (IOException e) {
            // keep what arrived
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8).trim();
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

    /** The connect timeout passed before a response came. */
    private static final class NoResponseInTime extends IOException {
        NoResponseInTime(TimeoutException cause) {
            super("no response in time", cause);
        }
    }

    /**
     * Wakes the idle checks of all streams: one daemon thread, started by the first stream with an
     * idle timeout, gone after a minute with nothing to wake.
     */
    private static final class IdleTimer {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, task -> {
                Thread thread = new Thread(task, "postsse-idle-timer");
                thread.setDaemon(true);
                return thread;
            });
            executor.setRemoveOnCancelPolicy(true); // a stream that ends leaves nothing behind
            executor.setKeepAliveTime(1, TimeUnit.MINUTES);
            executor.allowCoreThreadTimeOut(true);
            return executor;
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
