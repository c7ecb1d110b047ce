package io.postsse.server.internal;

import io.postsse.server.EventLog;
import io.postsse.server.StreamCapacityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The default {@link EventLog}: each stream's frames as byte arrays in this server's memory.
 *
 * <p>All logs together hold at most {@code maxBytes}, counted as the frames' bytes plus an estimate
 * of what each entry and each stream costs besides. When an append would pass it, the streams that
 * ended (or were tombstoned) first are dropped first; when only running streams remain, the append
 * is refused with a {@link StreamCapacityException}.
 *
 * <p>An ended stream is dropped once its retention has passed: it is never served after, and its
 * memory is reclaimed lazily, by the next {@link #create} or {@link #tombstone}, or by {@link #sweep()},
 * which the server also calls now and then.
 *
 * <p>Each stream's entries are guarded by the stream's own monitor, so streams do not contend;
 * the budget is an atomic count, and eviction takes one lock.
 */
final class InMemoryEventLog implements EventLog {
    /** Per entry, besides its bytes: the array's header and the reference to it, rounded up. */
    static final int ENTRY_OVERHEAD = 32;
    /** Per stream, besides its entries: the stream's object, its id, its map entry and list. */
    static final int STREAM_OVERHEAD = 256;

    private final long maxBytes;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, StreamLog> logs = new ConcurrentHashMap<>();
    /** Ended streams and tombstones, in the order they ended: the eviction order. Guarded by itself. */
    private final LinkedHashSet<StreamLog> ended = new LinkedHashSet<>();
    private final AtomicLong usedBytes = new AtomicLong();

    InMemoryEventLog(long maxBytes) {
        this(maxBytes, System::nanoTime);
    }

    /** With a clock of its own ({@link System#nanoTime()} by default), for the tests of retention. */
    InMemoryEventLog(long maxBytes, LongSupplier nanoTime) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxLogBytes must be positive: " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.nanoTime = nanoTime;
    }

    /** One stream's log. Its fields are guarded by its monitor. */
    private static final class StreamLog {
        final String id;
        final boolean tombstone;
        final CopyOnWriteArrayList<Runnable> watchers = new CopyOnWriteArrayList<>();
        byte[][] frames;
        int count;
        /** What this stream counts for in the budget. */
        long bytes;
        /** Null while running. */
        String outcome;
        long expiresAt;
        boolean removed;

        StreamLog(String id, boolean tombstone) {
            this.id = id;
            this.tombstone = tombstone;
            this.frames = new byte[tombstone ? 0 : 16][];
            this.bytes = STREAM_OVERHEAD + 2L * id.length();
        }

        synchronized boolean expired(long now) {
            return outcome != null && now - expiresAt >= 0;
        }

        void notifyWatchers() {
            for (Runnable watcher : watchers) {
                watcher.run();
            }
        }
    }

    @Override
    public boolean create(String streamId, Duration retention) {
        sweep();
        StreamLog fresh = new StreamLog(streamId, false);
        while (true) {
            StreamLog existing = logs.putIfAbsent(streamId, fresh);
            if (existing == null) {
                forceReserve(fresh.bytes); // small: may drop ended streams, never refused
                return true;
            }
            if (!existing.expired(nanoTime.getAsLong())) {
                return false;
            }
            remove(existing);
        }
    }

    @Override
    public void append(String streamId, long seq, byte[] frame) {
        append(streamId, seq, frame, true);
    }

    @Override
    public void appendError(String streamId, long seq, byte[] frame) {
        append(streamId, seq, frame, false);
    }

    private void append(String streamId, long seq, byte[] frame, boolean withinBudget) {
        StreamLog log = logs.get(streamId);
        if (log == null || log.tombstone) {
            throw new IllegalStateException("The event log does not hold the stream " + streamId);
        }
        long cost = frame.length + (long) ENTRY_OVERHEAD;
        if (withinBudget) {
            reserve(cost);
        } else {
            forceReserve(cost);
        }
        synchronized (log) {
            if (log.removed || log.outcome != null) {
                usedBytes.addAndGet(-cost);
                throw new IllegalStateException("The stream " + streamId + " has ended");
            }
            if (seq != log.count + 1L) {
                usedBytes.addAndGet(-cost);
                throw new IllegalArgumentException("The stream " + streamId + " has " + log.count
                        + " entries: the next is " + (log.count + 1) + ", not " + seq);
            }
            if (log.count == log.frames.length) {
                log.frames = Arrays.copyOf(log.frames, log.frames.length * 2);
            }
            log.frames[log.count++] = frame;
            log.bytes += cost;
        }
        log.notifyWatchers();
    }

    /** Counts the bytes in the budget, dropping ended streams to make room; throws if there is none. */
    private void reserve(long cost) {
        if (usedBytes.addAndGet(cost) <= maxBytes) {
            return;
        }
        sweep();
        while (usedBytes.get() > maxBytes) {
            StreamLog oldest;
            synchronized (ended) {
                oldest = pollOldest();
            }
            if (oldest == null) {
                usedBytes.addAndGet(-cost);
                throw new StreamCapacityException("The event log is full: all streams' events together may hold "
                        + maxBytes + " bytes (maxLogBytes), and only running streams are left in it.");
            }
            remove(oldest);
        }
    }

    @Override
    public void end(String streamId, String outcome, Duration retention) {
        StreamLog log = logs.get(streamId);
        if (log == null || log.tombstone) {
            return;
        }
        synchronized (log) {
            if (log.removed || log.outcome != null) {
                return;
            }
            log.outcome = outcome;
            log.expiresAt = nanoTime.getAsLong() + retention.toNanos();
            // The entries are final now: trim the array to what they need.
            if (log.frames.length > log.count) {
                log.frames = Arrays.copyOf(log.frames, log.count);
            }
        }
        synchronized (ended) {
            ended.add(log);
        }
        log.notifyWatchers();
    }

    @Override
    public Entries read(String streamId, long afterSeq, int maxEntries) {
        StreamLog log = logs.get(streamId);
        if (log == null || log.tombstone) {
            return null;
        }
        long now = nanoTime.getAsLong();
        List<byte[]> frames;
        long lastSeq;
        String outcome;
        synchronized (log) {
            if (log.removed) {
                return null;
            }
            if (log.outcome != null && now - log.expiresAt >= 0) {
                frames = null;
                lastSeq = 0;
                outcome = null;
            } else {
                if (afterSeq > log.count) {
                    throw new IllegalArgumentException("The stream " + streamId + " has " + log.count
                            + " entries, not " + afterSeq);
                }
                long from = Math.max(0, afterSeq);
                int available = (int) Math.max(0, Math.min(maxEntries, log.count - from));
                frames = available == 0 ? List.of()
                        : Arrays.asList(Arrays.copyOfRange(log.frames, (int) from, (int) from + available));
                lastSeq = from + available;
                outcome = log.outcome != null && lastSeq >= log.count ? log.outcome : null;
            }
        }
        if (frames == null) {
            remove(log);
            return null;
        }
        return new Entries(frames, lastSeq, outcome);
    }

    @Override
    public Watch watch(String streamId, Runnable onChange) {
        StreamLog log = logs.get(streamId);
        if (log == null || log.tombstone) {
            return () -> {
            };
        }
        log.watchers.add(onChange);
        return () -> log.watchers.remove(onChange);
    }

    @Override
    public boolean tombstone(String streamId, Duration retention) {
        sweep();
        StreamLog tombstone = new StreamLog(streamId, true);
        tombstone.outcome = CANCELLED;
        tombstone.expiresAt = nanoTime.getAsLong() + retention.toNanos();
        while (true) {
            StreamLog existing = logs.putIfAbsent(streamId, tombstone);
            if (existing == null) {
                break;
            }
            if (!existing.expired(nanoTime.getAsLong())) {
                return existing.tombstone;
            }
            remove(existing);
        }
        synchronized (ended) {
            ended.add(tombstone);
        }
        forceReserve(tombstone.bytes); // small, and it expires
        return true;
    }

    /** Counts the bytes, dropping ended streams to make room, or going over the budget when only running ones are left. */
    private void forceReserve(long cost) {
        try {
            reserve(cost);
        } catch (StreamCapacityException e) {
            usedBytes.addAndGet(cost);
        }
    }

    /** Drops the ended streams whose retention has passed. */
    public void sweep() {
        long now = nanoTime.getAsLong();
        List<StreamLog> expired = new ArrayList<>();
        synchronized (ended) {
            // Retention is the same for all streams of a server, so they expire in the order they ended.
            Iterator<StreamLog> oldestFirst = ended.iterator();
            while (oldestFirst.hasNext()) {
                StreamLog log = oldestFirst.next();
                if (!log.expired(now)) {
                    break;
                }
                oldestFirst.remove();
                expired.add(log);
            }
        }
        for (StreamLog log : expired) {
            remove(log);
        }
    }

    private void remove(StreamLog log) {
        synchronized (log) {
            if (log.removed) {
                return;
            }
            log.removed = true;
        }
        if (logs.remove(log.id, log)) {
            usedBytes.addAndGet(-log.bytes);
        }
        synchronized (ended) {
            ended.remove(log);
        }
        log.notifyWatchers();
    }

    /** The stream that ended first, taken out of the queue; null when none did. Holding {@code ended}. */
    private StreamLog pollOldest() {
        Iterator<StreamLog> oldestFirst = ended.iterator();
        if (!oldestFirst.hasNext()) {
            return null;
        }
        StreamLog oldest = oldestFirst.next();
        oldestFirst.remove();
        return oldest;
    }

    /** The bytes all logs count for now. */
    long usedBytes() {
        return usedBytes.get();
    }

    /** How many streams and tombstones the log holds. */
    int size() {
        return logs.size();
    }
}
