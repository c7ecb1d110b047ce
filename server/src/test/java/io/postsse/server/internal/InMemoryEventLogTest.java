package io.postsse.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.postsse.server.EventLog;
import io.postsse.server.StreamCapacityException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The in-memory log: the contract, then its budget and its clock. */
class InMemoryEventLogTest extends EventLogContract {
    /** A clock the tests move by hand. */
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private InMemoryEventLog log(long maxBytes) {
        return new InMemoryEventLog(maxBytes, now::get);
    }

    @Override
    EventLog log() {
        return log(16 << 20);
    }

    @Override
    Duration shortRetention() {
        return Duration.ofSeconds(10);
    }

    @Override
    void pass(Duration time) {
        now.addAndGet(time.toNanos());
    }

    /** What a stream of one id, with entries of these sizes, counts for. */
    private static long cost(String id, int... frameSizes) {
        long cost = InMemoryEventLog.STREAM_OVERHEAD + 2L * id.length();
        for (int size : frameSizes) {
            cost += size + InMemoryEventLog.ENTRY_OVERHEAD;
        }
        return cost;
    }

    @Test
    void endedStreamGivesItsMemoryBackOnceItsRetentionHasPassed() {
        InMemoryEventLog log = log(1 << 20);
        log.create(A, RETENTION);
        log.append(A, 1, frame("x"));
        log.end(A, EventLog.COMPLETED, Duration.ofSeconds(10));
        now.addAndGet(Duration.ofSeconds(9).toNanos());
        assertNotNull(log.read(A, 0, 10));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertNull(log.read(A, 0, 10));
        assertEquals(0, log.usedBytes(), "its memory is given back");
    }

    @Test
    void sweepDropsExpiredStreamsAndTombstonesWithoutBeingAsked() {
        InMemoryEventLog log = log(1 << 20);
        log.create(A, RETENTION);
        log.end(A, EventLog.COMPLETED, Duration.ofSeconds(10));
        log.tombstone(B, Duration.ofSeconds(10));
        log.create(C, RETENTION);
        assertEquals(3, log.size());
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        log.sweep();
        assertEquals(1, log.size(), "the running stream stays");
        assertEquals(cost(C), log.usedBytes());
    }

    @Test
    void runningStreamIsNeverExpired() {
        InMemoryEventLog log = log(1 << 20);
        log.create(A, RETENTION);
        log.append(A, 1, frame("x"));
        now.addAndGet(Duration.ofDays(1).toNanos());
        log.sweep();
        assertEquals(List.of("x"), texts(log.read(A, 0, 10)));
    }

    @Test
    void fullLogDropsTheStreamThatEndedFirst() {
        // Room for two streams of one 1000-byte entry each, not three.
        InMemoryEventLog log = log(2 * cost(A, 1000) + 100);
        for (String id : new String[] {B, A}) { // B ends first, then A
            log.create(id, RETENTION);
            log.append(id, 1, new byte[1000]);
            log.end(id, EventLog.COMPLETED, RETENTION);
        }
        log.create(C, RETENTION);
        log.append(C, 1, new byte[1000]);
        assertNull(log.read(B, 0, 10), "the stream that ended first is dropped");
        assertNotNull(log.read(A, 0, 10));
        assertNotNull(log.read(C, 0, 10));
        assertEquals(2 * cost(A, 1000), log.usedBytes());
    }

    @Test
    void fullLogWithOnlyRunningStreamsRefusesTheAppend() {
        InMemoryEventLog log = log(2 * cost(A, 1000) + 100);
        log.create(A, RETENTION);
        log.append(A, 1, new byte[1000]);
        log.create(B, RETENTION);
        log.append(B, 1, new byte[1000]);
        StreamCapacityException refused = assertThrows(StreamCapacityException.class,
                () -> log.append(B, 2, new byte[1000]));
        assertTrue(refused.getMessage().contains("maxLogBytes"), refused.getMessage());
        assertEquals(1, log.read(B, 0, 10).lastSeq(), "nothing was appended");
        assertEquals(2 * cost(A, 1000), log.usedBytes());
        // The error event that ends the stream is taken all the same.
        log.appendError(B, 2, new byte[100]);
        log.end(B, EventLog.FAILED, RETENTION);
        assertEquals(2, log.read(B, 0, 10).frames().size());
        // Then the ended stream makes room for the running one.
        log.append(A, 2, new byte[1000]);
        assertNull(log.read(B, 0, 10));
    }

    @Test
    void droppedStreamWakesItsWatchers() {
        InMemoryEventLog log = log(cost(A, 1000) + 100);
        log.create(A, RETENTION);
        log.append(A, 1, new byte[1000]);
        log.end(A, EventLog.COMPLETED, RETENTION);
        AtomicInteger calls = new AtomicInteger();
        log.watch(A, calls::incrementAndGet);
        log.create(B, RETENTION);
        log.append(B, 1, new byte[1000]);
        assertEquals(1, calls.get(), "a reader learns that the stream is gone");
        assertNull(log.read(A, 0, 10));
    }

    @Test
    void anAppendPastTheNextSeqIsRefused() {
        EventLog log = log();
        log.create(A, RETENTION);
        assertThrows(IllegalArgumentException.class, () -> log.append(A, 2, frame("x")));
        log.append(A, 1, frame("x"));
        assertEquals(List.of("x"), texts(log.read(A, 0, 10)));
    }
}
