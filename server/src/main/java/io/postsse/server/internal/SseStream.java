package io.postsse.server.internal;

import io.javalin.json.JsonMapper;
import io.postsse.protocol.EventEncoder;
import io.postsse.server.EventEmitter;
import io.postsse.server.EventProducer;
import io.postsse.server.OutboundEvent;
import io.postsse.server.RequestHead;
import io.postsse.server.StreamClosedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream: the emitter that producers send through, a bounded buffer of encoded frames, and
 * the writer that drains it to the response.
 *
 * <p>The writer holds no thread: it writes without blocking, each batch as the one before it is
 * done, started by the thread that gave it work (a send, a heartbeat's timer, a cancellation) or
 * by the completion of its last write. An idle stream is then its objects alone, with no stack.
 *
 * <p>A {@link ReentrantLock} guards the buffer, never held during network I/O, so a virtual
 * thread waiting on it does not pin its carrier. Frames are encoded whole before they are queued,
 * so the client never sees half an event.
 */
final class SseStream implements EventEmitter {
    private static final Logger LOG = LoggerFactory.getLogger(SseStream.class);
    private static final byte[] HEARTBEAT = EventEncoder.comment("").getBytes(StandardCharsets.UTF_8);

    private final String streamId;
    private final String lastEventId;
    private final JsonMapper jsonMapper;
    private final int maxBufferedBytes;
    private final long sendTimeoutNanos;
    private final long heartbeatNanos;
    private final Runnable abortConnection;
    private final Runnable preventEnd;
    private final StreamRecord record;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the writer took frames out of the buffer. */
    private final Condition bufferRoom = lock.newCondition();
    /** Signalled when the writer is done, and has broken the stream if it was cancelled. */
    private final Condition writerDone = lock.newCondition();
    private final ArrayList<byte[]> buffer = new ArrayList<>();
    private final CancelCallbacks cancelCallbacks = new CancelCallbacks();
    private int bufferedBytes;
    private int eventCount;
    private boolean closing;
    private final RequestHead request;
    /** Set when the stream reached its time limit: the producer's failures after it are not its own. */
    private boolean timeLimitReached;
    private boolean keepOpen;
    /** How the stream ends when it is not cancelled: the writer sends what is buffered first. */
    private StreamEnd ending = StreamEnd.COMPLETED;
    /** Null unless the stream was cancelled; then how it ended. */
    private StreamEnd cancelled;
    private Thread producerThread;
    /** Set when the writer is done: a cancellation after that changes nothing. */
    private boolean finished;
    /** Set when the writer has returned, after breaking a cancelled stream. */
    private boolean writerReturned;

    /** The writer, once started; null before. */
    private Writer writer;
    /**
     * Set while the writer has work under way — a write not yet done, or a call to it about to
     * be made — so that only whoever sets it calls the writer, and the writer unsets it when idle.
     */
    private boolean writerBusy;
    /**
     * When the last write started ({@link System#nanoTime()}): the heartbeat counts from it.
     * Written under the lock; volatile so that the heartbeat's timer, which looks at every stream
     * every second, passes over the streams written to lately without taking their locks.
     */
    private volatile long lastWrite;

    SseStream(String streamId, String lastEventId, RequestHead request, JsonMapper jsonMapper, int maxBufferedBytes,
            Duration sendTimeout, Duration heartbeat, Runnable abortConnection, Runnable preventEnd, StreamRecord record) {
        this.streamId = streamId;
        this.request = request;
        this.lastEventId = lastEventId;
        this.jsonMapper = jsonMapper;
        this.maxBufferedBytes = maxBufferedBytes;
        this.sendTimeoutNanos = sendTimeout.toNanos();
        this.heartbeatNanos = heartbeatNanos(heartbeat);
        this.abortConnection = abortConnection;
        this.preventEnd = preventEnd;
        this.record = record;
    }

    // ---- the emitter ----

    @Override
    public RequestHead request() {
        return request;
    }

    @Override
    public void send(OutboundEvent event) {
        Object data = event.data();
        String text = dataText(jsonMapper, data);
        enqueue(EventEncoder.event(event.type(), event.id(), text), true);
    }

    @Override
    public void retry(Duration delay) {
        enqueue(EventEncoder.retry(delay.toMillis()), false);
    }

    @Override
    public void comment(String text) {
        enqueue(EventEncoder.comment(text), false);
    }

    @Override
    public EventEmitter keepOpen() {
        lock.lock();
        try {
            keepOpen = true;
        } finally {
            lock.unlock();
        }
        return this;
    }

    @Override
    public void close() {
        boolean wake;
        lock.lock();
        try {
            closing = true;
            bufferRoom.signalAll();
            wake = wakeWriter();
        } finally {
            lock.unlock();
        }
        if (wake) {
            runWriter();
        }
    }

    @Override
    public boolean isOpen() {
        lock.lock();
        try {
            return cancelled == null && !closing;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onCancel(Runnable callback) {
        boolean kept;
        lock.lock();
        try {
            kept = cancelCallbacks.add(callback);
        } finally {
            lock.unlock();
        }
        if (!kept) {
            callback.run();
        }
    }

    @Override
    public String streamId() {
        return streamId;
    }

    @Override
    public String lastEventId() {
        return lastEventId;
    }

    /** The heartbeat's period in nanoseconds; 0, never, for a heartbeat null, zero or negative. */
    static long heartbeatNanos(Duration heartbeat) {
        return heartbeat == null || heartbeat.isZero() || heartbeat.isNegative() ? 0 : heartbeat.toNanos();
    }

    /** An event's data as sent: a {@code String} as it is, anything else as JSON by the app's mapper. */
    static String dataText(JsonMapper jsonMapper, Object data) {
        return data instanceof String ? (String) data : jsonMapper.toJsonString(data, data.getClass());
    }

    private void enqueue(String frame, boolean isEvent) {
        byte[] bytes = frame.getBytes(StandardCharsets.UTF_8);
        boolean timedOut = false;
        boolean wake = false;
        lock.lock();
        try {
            requireOpen();
            long deadline = System.nanoTime() + sendTimeoutNanos;
            // A frame larger than the whole buffer still goes out, alone, once the buffer is empty.
            while (bufferedBytes > 0 && bufferedBytes + bytes.length > maxBufferedBytes) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    timedOut = true;
                    break;
                }
                try {
                    bufferRoom.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StreamClosedException("interrupted while waiting to send");
                }
                requireOpen();
            }
            if (!timedOut) {
                buffer.add(bytes);
                bufferedBytes += bytes.length;
                if (isEvent) {
                    eventCount++;
                    record.eventSent(eventCount);
                }
                wake = wakeWriter();
            }
        } finally {
            lock.unlock();
        }
        if (wake) {
            runWriter();
        }
        if (timedOut) {
            String sendTimeout = StreamEnd.text(Duration.ofNanos(sendTimeoutNanos));
            cancel(StreamEnd.timedOut("the client did not read for " + sendTimeout + " (sendTimeout)"));
            throw new StreamClosedException("the client did not read the stream for " + sendTimeout);
        }
    }

    private void requireOpen() {
        if (cancelled != null) {
            throw new StreamClosedException("the stream was " + cancelled.outcome().label);
        }
        if (closing) {
            throw new StreamClosedException("the stream was closed");
        }
    }

    // ---- the producer ----

    /** Runs the producer on the calling thread, and ends the stream when it returns, unless kept open. */
    <T> void runProducer(EventProducer<T> producer, T request) {
        lock.lock();
        try {
            if (cancelled != null) {
                return;
            }
            producerThread = Thread.currentThread();
        } finally {
            lock.unlock();
        }
        try {
            producer.produce(request, this);
            boolean end;
            lock.lock();
            try {
                end = !keepOpen;
            } finally {
                lock.unlock();
            }
            if (end) {
                close();
            }
        } catch (StreamClosedException e) {
            // The stream ended under the producer: the client left, or it sent after close().
        } catch (Throwable failure) {
            fail(failure);
        } finally {
            lock.lock();
            try {
                producerThread = null;
                // A cancellation's interrupt must not leak to the next task on a pooled thread.
                Thread.interrupted();
            } finally {
                lock.unlock();
            }
        }
    }

    private void fail(Throwable failure) {
        boolean wake;
        lock.lock();
        try {
            if (cancelled != null || timeLimitReached) {
                return; // an interrupt or a failed send caused by the cancellation: not the producer's fault
            }
            if (closing) {
                LOG.warn("Stream {}: the producer failed after closing the stream", streamId, failure);
                return;
            }
            String problem = Problems.json(jsonMapper, Problems.problem(500, "The stream failed on the server."));
            buffer.add(EventEncoder.event("error", null, problem).getBytes(StandardCharsets.UTF_8));
            ending = StreamEnd.producerThrew(failure); // its stack trace goes with the end line
            closing = true;
            wake = wakeWriter();
        } finally {
            lock.unlock();
        }
        if (wake) {
            runWriter();
        }
    }

    @Override
    public void fail(int status, String detail) {
        boolean wake;
        lock.lock();
        try {
            requireOpen();
            String problem = Problems.json(jsonMapper, Problems.problem(status, detail));
            buffer.add(EventEncoder.event("error", null, problem).getBytes(StandardCharsets.UTF_8));
            ending = StreamEnd.producerFailed(status, detail);
            closing = true;
            wake = wakeWriter();
        } finally {
            lock.unlock();
        }
        if (wake) {
            runWriter();
        }
    }

    // ---- cancellation ----

    /**
     * The stream reached its time limit: it ends {@code end}, after what is buffered, with an
     * {@code error} event of the {@code detail}; the producer is interrupted, its sends fail, the
     * cancel callbacks run.
     */
    void stopAtTimeLimit(String detail, StreamEnd end) {
        List<Runnable> callbacks;
        boolean wake;
        lock.lock();
        try {
            if (cancelled != null || closing || finished) {
                return;
            }
            timeLimitReached = true;
            String problem = Problems.json(jsonMapper, Problems.problem(503, detail));
            buffer.add(EventEncoder.event("error", null, problem).getBytes(StandardCharsets.UTF_8));
            ending = end;
            closing = true;
            callbacks = stopProducer();
            wake = wakeWriter();
        } finally {
            lock.unlock();
        }
        if (wake) {
            runWriter();
        }
        CancelCallbacks.run(callbacks, streamId);
    }

    /**
     * Holding the lock: interrupts the producer (unless it is the caller), wakes a blocked send,
     * and takes the cancel callbacks, for the caller to run once the lock is let go. The caller
     * wakes the writer.
     */
    private List<Runnable> stopProducer() {
        if (producerThread != null && producerThread != Thread.currentThread()) {
            producerThread.interrupt();
        }
        bufferRoom.signalAll();
        return cancelCallbacks.take();
    }

    /** The client closed the connection. */
    void clientGone() {
        cancel(StreamEnd.cancelled(StreamEnd.CLIENT_GONE));
    }

    /**
     * Stops the stream at once: what is buffered is dropped, the producer is interrupted and its
     * sends fail, the cancel callbacks run. The first cancellation says how the stream ended.
     */
    void cancel(StreamEnd end) {
        List<Runnable> callbacks;
        boolean wake;
        lock.lock();
        try {
            if (cancelled != null || finished) {
                return;
            }
            cancelled = end;
            buffer.clear();
            bufferedBytes = 0;
            callbacks = stopProducer();
            wake = wakeWriter();
        } finally {
            lock.unlock();
        }
        if (wake) {
            runWriter();
        }
        if (end.outcome() == StreamEnd.Outcome.TIMED_OUT) {
            // The writer may be blocked in a write the client will never read: break the connection.
            abortConnection.run();
        }
        CancelCallbacks.run(callbacks, streamId);
    }

    /** Cancels the stream, unless it was already; returns how it ended, the first cancellation's way. */
    StreamEnd cancelledBy(StreamEnd end) {
        cancel(end);
        lock.lock();
        try {
            return cancelled != null ? cancelled : end;
        } finally {
            lock.unlock();
        }
    }

    boolean isStreaming() {
        lock.lock();
        try {
            return cancelled == null && !finished;
        } finally {
            lock.unlock();
        }
    }

    int eventCount() {
        lock.lock();
        try {
            return eventCount;
        } finally {
            lock.unlock();
        }
    }

    // ---- the writer ----

    /** Where the writer of a resumable stream's attachment sends frames: each call writes the bytes and flushes them. */
    @FunctionalInterface
    interface FrameWriter {
        void write(byte[] frames) throws IOException;
    }

    /**
     * Where this writer sends frames, without blocking: each call writes the bytes and flushes
     * them, then calls {@code done} once, maybe before it returns.
     */
    @FunctionalInterface
    interface FrameSink {
        void write(byte[] frames, Callback done);
    }

    /**
     * Starts the writer: it writes frames as they come, and heartbeats while none do, until the
     * stream ends; the future completes with how it ended. It writes on {@code flushers}, whose
     * tasks never block; its failures and its end are handled on {@code executor}, which may.
     * Heartbeats are the caller's to ask for, with {@link #heartbeatIfDue}.
     *
     * <p>A stream that was cancelled, by its client, the server or its send timeout, is broken
     * before the future completes, so that the response never ends normally after it: no last
     * chunk over HTTP/1.1, a reset over HTTP/2. The client then sees a failure, never a complete
     * stream.
     */
    CompletableFuture<StreamEnd> startWriter(FrameSink sink, Executor flushers, Executor executor) {
        Writer started = new Writer(sink, flushers, executor);
        lock.lock();
        try {
            writer = started;
            writerBusy = true; // anything queued already is written now
            lastWrite = System.nanoTime();
        } finally {
            lock.unlock();
        }
        runWriter();
        return started.done;
    }

    /**
     * Holding the lock: whether the caller is to run the writer once it lets the lock go, as it
     * has something to do and nothing else will run it.
     */
    private boolean wakeWriter() {
        if (writer == null || writerBusy) {
            return false;
        }
        writerBusy = true;
        return true;
    }

    /**
     * Runs the writer, after {@link #wakeWriter} said so, on a thread of the flushers: never on the
     * producer's, which goes on queueing events meanwhile (they go out together in the next write),
     * and whose interrupt, in the middle of a channel's I/O, would close the channel, which over
     * HTTP/2 carries other streams too.
     */
    private void runWriter() {
        writer.flush();
    }

    /**
     * Wakes the writer for a heartbeat when the stream has been silent for the period at
     * {@code now} ({@link System#nanoTime()}): called every so often for every stream, by one timer
     * for them all, rather than a timer each.
     */
    void heartbeatIfDue(long now) {
        if (heartbeatNanos == 0 || now - lastWrite < heartbeatNanos) {
            return;
        }
        boolean wake = false;
        lock.lock();
        try {
            if (heartbeatNanos != 0 && !finished && cancelled == null && now - lastWrite >= heartbeatNanos) {
                wake = wakeWriter(); // when busy, the write under way resets the count
            }
        } finally {
            lock.unlock();
        }
        if (wake) {
            runWriter();
        }
    }

    /**
     * The writer: one write at a time, of everything buffered since the last one; a heartbeat when
     * the stream has been silent for the period; done at the end or at a cancellation.
     */
    private final class Writer extends IteratingCallback {
        private final FrameSink sink;
        private final Executor flushers;
        private final Executor executor;
        private final CompletableFuture<StreamEnd> done = new CompletableFuture<>();
        private StreamEnd end;
        /** The size of the write under way, counted once it is done; only {@link #process} touches it. */
        private int writing;

        Writer(FrameSink sink, Executor flushers, Executor executor) {
            this.sink = sink;
            this.flushers = flushers;
            this.executor = executor;
        }

        /** Runs on a flusher; here when they refuse it (the server is stopping). */
        void flush() {
            try {
                flushers.execute(this::iterate);
            } catch (RejectedExecutionException e) {
                iterate();
            }
        }

        @Override
        protected Action process() {
            if (writing != 0) { // the last write is done
                record.bytesWritten(writing);
                writing = 0;
            }
            byte[] bytes;
            lock.lock();
            try {
                if (cancelled != null) {
                    end = cancelled;
                    return Action.SUCCEEDED;
                }
                if (!buffer.isEmpty()) {
                    bytes = join(buffer, null);
                    buffer.clear();
                    bufferedBytes = 0;
                    bufferRoom.signalAll();
                } else if (closing) {
                    finished = true; // a cancellation from now on is too late to break the end
                    end = ending;
                    return Action.SUCCEEDED;
                } else if (heartbeatNanos != 0 && System.nanoTime() - lastWrite >= heartbeatNanos) {
                    bytes = HEARTBEAT;
                } else {
                    writerBusy = false;
                    return Action.IDLE;
                }
                lastWrite = System.nanoTime();
            } finally {
                lock.unlock();
            }
            writing = bytes.length;
            try {
                sink.write(bytes, this);
            } catch (RuntimeException e) {
                failed(e);
            }
            return Action.SCHEDULED;
        }

        @Override
        protected void onCompleteSuccess() {
            StreamEnd how = end;
            dispatch(() -> finish(how));
        }

        @Override
        protected void onCompleteFailure(Throwable cause) {
            // The write failed: the client left, or the stream was broken on purpose.
            StreamEnd failure = cause instanceof IOException ? StreamEnd.cancelled(StreamEnd.CLIENT_GONE)
                    : new StreamEnd(StreamEnd.Outcome.FAILED, "writing to the client failed: " + cause, cause);
            dispatch(() -> finish(cancelledBy(failure)));
        }

        /** Breaks a cancelled stream, then lets waiters and the future know the writer is done. */
        private void finish(StreamEnd how) {
            boolean broken;
            lock.lock();
            try {
                finished = true;
                broken = cancelled != null;
            } finally {
                lock.unlock();
            }
            if (broken) {
                preventEnd.run();
            }
            lock.lock();
            try {
                writerReturned = true;
                writerDone.signalAll();
            } finally {
                lock.unlock();
            }
            done.complete(how);
        }

        /** Runs on the executor what may block (the cancel callbacks, the request's end); here if it refuses. */
        void dispatch(Runnable task) {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) { // the server is stopping
                task.run();
            }
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING; // it never blocks: what may, it dispatches
        }
    }

    /** Waits, at most until the deadline ({@link System#nanoTime()}), for the writer to be done. */
    boolean awaitWriter(long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            while (!writerReturned) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                writerDone.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The frames of a batch, and then the tail when not null, as one array written at once; a lone
     * frame as it is.
     */
    static byte[] join(List<byte[]> frames, byte[] tail) {
        if (tail == null && frames.size() == 1) {
            return frames.get(0);
        }
        int length = tail == null ? 0 : tail.length;
        for (byte[] frame : frames) {
            length += frame.length;
        }
        byte[] joined = new byte[length];
        int at = 0;
        for (byte[] frame : frames) {
            System.arraycopy(frame, 0, joined, at, frame.length);
            at += frame.length;
        }
        if (tail != null) {
            System.arraycopy(tail, 0, joined, at, tail.length);
        }
        return joined;
    }
}
