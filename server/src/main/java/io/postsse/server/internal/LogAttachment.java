package io.postsse.server.internal;

import io.postsse.protocol.EventEncoder;
import io.postsse.protocol.StreamLifecycle;
import io.postsse.server.EventLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection attached to a resumable stream: reads the stream's log after a seq and writes
 * it, in order, then the live entries as the log announces them, heartbeats while none come, and
 * the end marker once the log says the stream ended.
 *
 * <p>It reads only as fast as it writes, so a slow client holds back no one but itself; one whose
 * write is stuck for the send timeout is cut off ({@link #checkWrite}). Breaking it — the client
 * left, the server stops, the log no longer holds the stream — ends this connection alone, never
 * with the end marker: the client sees a cut, and attaches again.
 */
final class LogAttachment {
    /** How an attachment ended. */
    enum End {
        /** The end marker was written: a normal end of the response. */
        ENDED("ended"),
        CLIENT_GONE("client gone"),
        SERVER_STOPPING("server stopping"),
        TIMED_OUT("timed out"),
        /** The log dropped the stream (retention, room) while it was being read. */
        GONE("gone from the log");

        final String label;

        End(String label) {
            this.label = label;
        }
    }

    /** How many entries are read from the log at once at most. */
    static final int BATCH = 2048;
    /** How many bytes of entries are joined into one write at most (a larger entry is written alone). */
    static final int WRITE_BYTES = 256 * 1024;
    private static final byte[] HEARTBEAT = EventEncoder.comment("").getBytes(StandardCharsets.UTF_8);

    private final String streamId;
    private final EventLog log;
    /** The route's: counts the bytes written. */
    private final RouteMetrics metrics;
    private final long heartbeatNanos;
    private final Runnable abortConnection;
    private final Runnable preventEnd;
    private long after;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Set when the log announced a change since the last read. */
    private volatile boolean pending;
    /** Set while the writer waits for a change, so that only then does an announcement take the lock. */
    private volatile boolean waiting;
    /** Null while the attachment may go on; then why it is broken. */
    private End broken;
    /** Set once the end marker is on its way: breaking it is too late then. */
    private boolean finished;
    /** When the write under way started ({@link System#nanoTime()}); 0 when none is. */
    private volatile long writeStarted;
    private final CountDownLatch writerDone = new CountDownLatch(1);

    LogAttachment(String streamId, long after, EventLog log, RouteMetrics metrics, long heartbeatNanos,
            Runnable abortConnection, Runnable preventEnd) {
        this.streamId = streamId;
        this.after = after;
        this.log = log;
        this.metrics = metrics;
        this.heartbeatNanos = heartbeatNanos;
        this.abortConnection = abortConnection;
        this.preventEnd = preventEnd;
    }

    String streamId() {
        return streamId;
    }

    /** The seq of the last entry written. */
    long position() {
        return after;
    }

    /** The log's change callback: wakes the writer. Quick, and never blocks on I/O. */
    void signal() {
        if (pending) {
            return;
        }
        pending = true;
        // Volatile both: either the writer sees pending before it waits, or this sees it waiting.
        if (waiting) {
            lock.lock();
            try {
                changed.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Breaks the attachment, unless it is ending normally already. */
    void breakOff(End why) {
        lock.lock();
        try {
            if (broken == null && !finished) {
                broken = why;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (why == End.TIMED_OUT) {
            // The writer is blocked in a write the client will never read: break the connection.
            abortConnection.run();
        }
    }

    void clientGone() {
        breakOff(End.CLIENT_GONE);
    }

    boolean isStreaming() {
        lock.lock();
        try {
            return broken == null && !finished;
        } finally {
            lock.unlock();
        }
    }

    /** Cuts off a client that has not taken the bytes of a write for {@code timeoutNanos}. */
    void checkWrite(long now, long timeoutNanos) {
        long started = writeStarted;
        if (started != 0 && now - started > timeoutNanos) {
            breakOff(End.TIMED_OUT);
        }
    }

    /** Writes one batch, flushed, watched by {@link #checkWrite}; null bytes: only the flush. */
    void write(SseStream.FrameWriter out, byte[] bytes) throws IOException {
        writeStarted = System.nanoTime() | 1;
        try {
            out.write(bytes);
        } finally {
            writeStarted = 0;
        }
        if (bytes != null) {
            metrics.bytesWritten(bytes.length);
        }
    }

    /**
     * Writes the stream until its end marker, or until the attachment is broken; a broken one can
     * no longer end normally when this returns (no last chunk, or a reset).
     */
    End writeUntilEnd(SseStream.FrameWriter out) {
        End end;
        try (EventLog.Watch watch = log.watch(streamId, this::signal)) {
            end = writeLoop(out);
        } catch (RuntimeException e) { // the log failed
            breakOff(End.GONE);
            end = End.GONE;
        }
        if (end != End.ENDED) {
            preventEnd.run();
        }
        writerDone.countDown();
        return end;
    }

    /** Waits, at most until the deadline ({@link System#nanoTime()}), for the writer to be done. */
    boolean awaitWriter(long deadlineNanos) throws InterruptedException {
        return writerDone.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private End writeLoop(SseStream.FrameWriter out) {
        long lastWrite = System.nanoTime();
        while (true) {
            End stop = clearPending();
            if (stop != null) {
                return stop;
            }
            EventLog.Entries entries = log.read(streamId, after, BATCH);
            if (entries == null) {
                return End.GONE;
            }
            List<byte[]> frames = entries.frames();
            if (frames.isEmpty() && !entries.ended()) {
                boolean changedFirst;
                try {
                    changedFirst = awaitChange(lastWrite);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    breakOff(End.SERVER_STOPPING);
                    continue;
                }
                if (!changedFirst) {
                    stop = writeUnlessBroken(out, HEARTBEAT, false);
                    if (stop != null) {
                        return stop;
                    }
                    lastWrite = System.nanoTime();
                }
                continue;
            }
            byte[] endMarker = entries.ended()
                    ? EventEncoder.event(StreamLifecycle.END_EVENT, null, entries.outcome()).getBytes(StandardCharsets.UTF_8)
                    : null;
            long firstSeq = entries.lastSeq() - frames.size() + 1;
            int from = 0;
            while (from < frames.size() || endMarker != null) {
                // As many entries as fit in one write; the end marker goes with the last of them.
                int to = from;
                long bytes = 0;
                while (to < frames.size() && (to == from || bytes + frames.get(to).length <= WRITE_BYTES)) {
                    bytes += frames.get(to).length;
                    to++;
                }
                boolean last = to == frames.size() && endMarker != null;
                stop = writeUnlessBroken(out, SseStream.join(frames.subList(from, to), last ? endMarker : null), last);
                if (stop != null) {
                    return stop;
                }
                after = firstSeq + to - 1;
                if (last) {
                    return End.ENDED;
                }
                from = to;
            }
            lastWrite = System.nanoTime();
        }
    }

    /**
     * Writes the bytes unless the attachment is broken; null when written, else why it stopped.
     * The end marker's write ({@code last}) can no longer be broken once it starts.
     */
    private End writeUnlessBroken(SseStream.FrameWriter out, byte[] bytes, boolean last) {
        lock.lock();
        try {
            if (broken != null) {
                return broken;
            }
            if (last) {
                finished = true;
            }
        } finally {
            lock.unlock();
        }
        try {
            write(out, bytes);
            return null;
        } catch (IOException e) {
            breakOff(End.CLIENT_GONE);
            lock.lock();
            try {
                return broken != null ? broken : End.CLIENT_GONE;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Takes note that the log is about to be read; returns why to stop instead, if broken. */
    private End clearPending() {
        lock.lock();
        try {
            pending = false;
            return broken;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for a change or a break; false when the heartbeat is due first. */
    private boolean awaitChange(long lastWrite) throws InterruptedException {
        lock.lock();
        waiting = true;
        try {
            while (!pending && broken == null) {
                if (heartbeatNanos == 0) {
                    changed.await();
                } else {
                    long wait = lastWrite + heartbeatNanos - System.nanoTime();
                    if (wait <= 0) {
                        return false;
                    }
                    changed.awaitNanos(wait);
                }
            }
            return true;
        } finally {
            waiting = false;
            lock.unlock();
        }
    }
}
