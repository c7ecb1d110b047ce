package io.postsse.server.internal;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a request's body without a thread: bytes are taken as they arrive (a servlet
 * {@link ReadListener}), so that clients that send slowly hold no thread of the server, only the
 * bytes they sent. The body must arrive within the deadline, stay within the size limit, and the
 * bytes of all bodies being read at once stay within a budget shared by the server's routes.
 */
final class BodyReader implements ReadListener {
    private static final Logger LOG = LoggerFactory.getLogger(BodyReader.class);

    /** The bytes of the bodies being read at once, in all, and their limit. */
    static final class Budget {
        private final long max;
        private final AtomicLong used = new AtomicLong();

        Budget(long max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxBodyBytesInFlight must be positive, not " + max);
            }
            this.max = max;
        }

        boolean take(long bytes) {
            if (used.addAndGet(bytes) > max) {
                used.addAndGet(-bytes);
                return false;
            }
            return true;
        }

        void give(long bytes) {
            used.addAndGet(-bytes);
        }

        /** For the tests: the bytes taken now. */
        long used() {
            return used.get();
        }
    }

    private static final int MIN_BUFFER = 512;
    private static final int MAX_BUFFER = 8192;

    private final HttpServletRequest request;
    private final ServletInputStream in;
    private final long limit;
    private final Budget budget;
    /** The body so far and the buffer it is read through; both let go once the body is read, as the request lasts as long as its stream. */
    private ByteArrayOutputStream body;
    private byte[] buffer;
    /** Null once completed: only the caller keeps it then. */
    private CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final AtomicBoolean done = new AtomicBoolean();
    private long taken;
    private ScheduledFuture<?> deadline;

    private BodyReader(HttpServletRequest request, ServletInputStream in, long limit, Budget budget, int expected) {
        this.request = request;
        this.in = in;
        this.limit = limit;
        this.budget = budget;
        this.body = new ByteArrayOutputStream(Math.max(64, expected));
        // A declared length sizes the buffer to the body (and one more byte, to read the end at
        // once); else it starts small, as most bodies are, and grows while reads fill it.
        this.buffer = new byte[expected > 0 ? Math.min(MAX_BUFFER, expected + 1) : MIN_BUFFER];
    }

    /**
     * Reads the body of a request in asynchronous mode. The future fails with a {@link Refusal}:
     * 413 past the limit, 503 past the budget, 408 past the deadline, 400 when the body cannot be
     * read (the client left, or its chunked framing is broken).
     */
    static CompletableFuture<byte[]> read(HttpServletRequest request, long limit, Budget budget, Duration timeout,
            ScheduledExecutorService timers) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            return CompletableFuture.failedFuture(tooLarge(limit));
        }
        BodyReader reader = new BodyReader(request, request.getInputStream(), limit, budget,
                (int) Math.min(declared, 64 * 1024));
        reader.deadline = timers.schedule(() -> reader.fail(new Refusal(408, "The request body did not arrive within "
                + timeout.toMillis() + " ms.", 0, true)), timeout.toNanos(), TimeUnit.NANOSECONDS);
        CompletableFuture<byte[]> result = reader.result;
        reader.in.setReadListener(reader); // calls onDataAvailable at once when bytes are there
        return result;
    }

    private static Refusal tooLarge(long limit) {
        return new Refusal(413, "The request body is larger than the limit of " + limit + " bytes.", 0, true);
    }

    @Override
    public synchronized void onDataAvailable() throws IOException {
        while (!done.get() && in.isReady()) {
            int read = in.read(buffer);
            if (read < 0) {
                return; // onAllDataRead follows
            }
            if (taken + read > limit) {
                fail(tooLarge(limit));
                return;
            }
            if (!budget.take(read)) {
                fail(new Refusal(503, "The server is reading as many request bodies as it may; try again shortly.", 1, true));
                return;
            }
            taken += read;
            body.write(buffer, 0, read);
            if (read == buffer.length && buffer.length < MAX_BUFFER) {
                buffer = new byte[Math.min(MAX_BUFFER, buffer.length * 4)];
            }
        }
    }

    @Override
    public synchronized void onAllDataRead() {
        if (done.compareAndSet(false, true)) {
            byte[] bytes = body.toByteArray();
            finish().complete(bytes);
        }
    }

    @Override
    public void onError(Throwable failure) {
        LOG.info("{} {}: the request body could not be read ({})", request.getMethod(), request.getRequestURI(),
                failure.toString());
        fail(new Refusal(400, "The request body could not be read: the connection failed, or its framing is broken.",
                0, true));
    }

    private synchronized void fail(Refusal refusal) {
        if (done.compareAndSet(false, true)) {
            finish().completeExceptionally(refusal);
        }
    }

    /**
     * Holding this reader's lock; returns the result to complete. The servlet request keeps this
     * listener until it ends, after the stream: what the reader held goes now.
     */
    private CompletableFuture<byte[]> finish() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
        budget.give(taken);
        body = null;
        buffer = null;
        CompletableFuture<byte[]> completing = result;
        result = null;
        return completing;
    }
}
