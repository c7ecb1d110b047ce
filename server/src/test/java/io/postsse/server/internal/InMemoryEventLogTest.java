package io.postsse.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.postsse.server.EventLog;
import io.postsse.server.StreamCapacityException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InMemoryEventLogTest {
    private static final Duration RETENTION = Duration.ofMinutes(5);
    private static final String A = "stream-a-aaaaaaaaaaaaaaaa";
    private static final String B = "stream-b-bbbbbbbbbbbbbbbb";
    private static final String C = "stream-c-cccccccccccccccc";

    /** A clock the tests move by hand. */
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private InMemoryEventLog log(long maxBytes) {
        return new InMemoryEventLog(maxBytes, now::get);
    }

    private static byte[] frame(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> texts(EventLog.Entries entries) {
        List<String> texts = new ArrayList<>();
        for (byte[] frame : entries.frames()) {
            texts.add(new String(frame, StandardCharsets.UTF_8));
        }
        return texts;
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
    void readGivesTheEntriesAfterTheSeqInOrderAndTheOutcomeOnlyWithTheLast() {
        InMemoryEventLog log = log(1 << 20);
        assertTrue(log.create(A));
        for (int seq = 1; seq <= 5; seq++) {
            log.append(A, seq, frame("e" + seq));
        }
        EventLog.Entries running = log.read(A, 1, 2);
        assertEquals(List.of("e2", "e3"), texts(running));
        assertEquals(3, running.lastSeq());
        assertFalse(running.ended());
        log.end(A, EventLog.COMPLETED, RETENTION);
        EventLog.Entries notYet = log.read(A, 2, 2);
        assertEquals(List.of("e3", "e4"), texts(notYet));
        assertNull(notYet.outcome(), "more entries follow");
        EventLog.Entries last = log.read(A, 3, 10);
        assertEquals(List.of("e4", "e5"), texts(last));
        assertEquals(5, last.lastSeq());
        assertEquals(EventLog.COMPLETED, last.outcome());
        EventLog.Entries none = log.read(A, 5, 10);
        assertEquals(List.of(), none.frames());
        assertEquals(5, none.lastSeq());
        assertTrue(none.ended());
    }

    @Test
    void readOfAStreamNeverCreatedIsNull() {
        assertNull(log(1 << 20).read(A, 0, 10));
    }

    @Test
    void appendOutOfOrderOrAfterTheEndIsRefused() {
        InMemoryEventLog log = log(1 << 20);
        log.create(A);
        assertThrows(IllegalArgumentException.class, () -> log.append(A, 2, frame("x")));
        log.append(A, 1, frame("x"));
        log.end(A, EventLog.COMPLETED, RETENTION);
        assertThrows(IllegalStateException.class, () -> log.append(A, 2, frame("y")));
        assertThrows(IllegalStateException.class, () -> log.append(B, 1, frame("y")));
    }

    @Test
    void createIsRefusedForAStreamHeldOrTombstoned() {
        InMemoryEventLog log = log(1 << 20);
        assertTrue(log.create(A));
        assertFalse(log.create(A));
        assertTrue(log.tombstone(B, RETENTION));
        assertFalse(log.create(B));
        assertNull(log.read(B, 0, 10), "a tombstone holds no stream");
    }

    @Test
    void tombstoneIsRefusedForAStreamHeld() {
        InMemoryEventLog log = log(1 << 20);
        log.create(A);
        assertFalse(log.tombstone(A, RETENTION));
        assertNotNull(log.read(A, 0, 10));
    }

    @Test
    void watchersAreCalledOnAppendAndEndUntilTheWatchIsClosed() {
        InMemoryEventLog log = log(1 << 20);
        log.create(A);
        AtomicInteger calls = new AtomicInteger();
        EventLog.Watch watch = log.watch(A, calls::incrementAndGet);
        log.append(A, 1, frame("x"));
        log.end(A, EventLog.CANCELLED, RETENTION);
        assertEquals(2, calls.get());
        watch.close();
        log.create(B);
        log.watch(B, calls::incrementAndGet).close();
        log.append(B, 1, frame("y"));
        assertEquals(2, calls.get());
    }

    @Test
    void endedStreamIsDroppedOnceItsRetentionHasPassed() {
        InMemoryEventLog log = log(1 << 20);
        log.create(A);
        log.append(A, 1, frame("x"));
        log.end(A, EventLog.COMPLETED, Duration.ofSeconds(10));
        now.addAndGet(Duration.ofSeconds(9).toNanos());
        assertNotNull(log.read(A, 0, 10));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertNull(log.read(A, 0, 10));
        assertEquals(0, log.usedBytes(), "its memory is given back");
        assertTrue(log.create(A), "the id is free again");
    }

    @Test
    void sweepDropsExpiredStreamsAndTombstonesWithoutBeingAsked() {
        InMemoryEventLog log = log(1 << 20);
        log.create(A);
        log.end(A, EventLog.COMPLETED, Duration.ofSeconds(10));
        log.tombstone(B, Duration.ofSeconds(10));
        log.create(C);
        assertEquals(3, log.size());
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        log.sweep();
        assertEquals(1, log.size(), "the running stream stays");
        assertEquals(cost(C), log.usedBytes());
    }

    @Test
    void runningStreamIsNeverExpired() {
        InMemoryEventLog log = log(1 << 20);
        log.create(A);
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
            log.create(id);
            log.append(id, 1, new byte[1000]);
            log.end(id, EventLog.COMPLETED, RETENTION);
        }
        log.create(C);
        log.append(C, 1, new byte[1000]);
        assertNull(log.read(B, 0, 10), "the stream that ended first is dropped");
        assertNotNull(log.read(A, 0, 10));
        assertNotNull(log.read(C, 0, 10));
        assertEquals(2 * cost(A, 1000), log.usedBytes());
    }

    @Test
    void fullLogWithOnlyRunningStreamsRefusesTheAppend() {
        InMemoryEventLog log = log(2 * cost(A, 1000) + 100);
        log.create(A);
        log.append(A, 1, new byte[1000]);
        log.create(B);
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
        log.create(A);
        log.append(A, 1, new byte[1000]);
        log.end(A, EventLog.COMPLETED, RETENTION);
        AtomicInteger calls = new AtomicInteger();
        log.watch(A, calls::incrementAndGet);
        log.create(B);
        log.append(B, 1, new byte[1000]);
        assertEquals(1, calls.get(), "a reader learns that the stream is gone");
        assertNull(log.read(A, 0, 10));
    }
}
