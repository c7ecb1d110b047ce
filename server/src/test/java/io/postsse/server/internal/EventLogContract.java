package io.postsse.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.postsse.server.EventLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link EventLog} must do, as its javadoc says: run against each implementation by a
 * subclass, which gives it a fresh log for each test and a way to let time pass.
 */
abstract class EventLogContract {
    static final Duration RETENTION = Duration.ofMinutes(5);
    static final String A = "stream-a-aaaaaaaaaaaaaaaa";
    static final String B = "stream-b-bbbbbbbbbbbbbbbb";
    static final String C = "stream-c-cccccccccccccccc";

    /** A fresh, empty log, for this test alone. */
    abstract EventLog log();

    /** A retention short enough to wait for, with {@link #pass}. */
    abstract Duration shortRetention();

    /** Lets the time pass on the log's clock. */
    abstract void pass(Duration time) throws InterruptedException;

    static byte[] frame(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static List<String> texts(EventLog.Entries entries) {
        List<String> texts = new ArrayList<>();
        for (byte[] frame : entries.frames()) {
            texts.add(new String(frame, StandardCharsets.UTF_8));
        }
        return texts;
    }

    /** Waits, 10 s at most, for a watcher's call. */
    static void awaitCall(Semaphore calls, String what) throws InterruptedException {
        assertTrue(calls.tryAcquire(10, TimeUnit.SECONDS), what);
    }

    @Test
    void readGivesTheEntriesAfterTheSeqInOrderAndTheOutcomeOnlyWithTheLast() {
        EventLog log = log();
        assertTrue(log.create(A, RETENTION));
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
    void readOfNoEntriesSaysWhetherTheStreamIsHeld() {
        EventLog log = log();
        log.create(A, RETENTION);
        log.append(A, 1, frame("x"));
        EventLog.Entries held = log.read(A, 0, 0);
        assertEquals(List.of(), held.frames());
        assertEquals(0, held.lastSeq());
        assertFalse(held.ended());
        assertNull(log.read(B, 0, 0));
    }

    @Test
    void readOfAStreamNeverCreatedIsNull() {
        assertNull(log().read(A, 0, 10));
    }

    @Test
    void framesComeBackByteForByte() {
        EventLog log = log();
        log.create(A, RETENTION);
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        byte[] large = new byte[300_000];
        Arrays.fill(large, (byte) 'x');
        log.append(A, 1, everyByte);
        log.append(A, 2, frame("data: héllo wörld ✓ 𝄞\n\n"));
        log.append(A, 3, large);
        log.append(A, 4, new byte[0]);
        List<byte[]> frames = log.read(A, 0, 10).frames();
        assertEquals(4, frames.size());
        assertArrayEquals(everyByte, frames.get(0));
        assertEquals("data: héllo wörld ✓ 𝄞\n\n", new String(frames.get(1), StandardCharsets.UTF_8));
        assertArrayEquals(large, frames.get(2));
        assertEquals(0, frames.get(3).length);
    }

    private static void assertArrayEquals(byte[] expected, byte[] actual) {
        assertTrue(Arrays.equals(expected, actual), "the bytes differ");
    }

    @Test
    void manyEntriesAreReadInBatchesWithoutAGap() {
        EventLog log = log();
        log.create(A, RETENTION);
        int count = 5000;
        for (int seq = 1; seq <= count; seq++) {
            log.append(A, seq, frame("e" + seq));
        }
        log.end(A, EventLog.COMPLETED, RETENTION);
        long after = 0;
        int batches = 0;
        while (true) {
            EventLog.Entries entries = log.read(A, after, 2048);
            List<String> texts = texts(entries);
            for (int i = 0; i < texts.size(); i++) {
                assertEquals("e" + (after + i + 1), texts.get(i));
            }
            assertEquals(after + texts.size(), entries.lastSeq());
            after = entries.lastSeq();
            batches++;
            if (entries.ended()) {
                break;
            }
        }
        assertEquals(count, after);
        assertEquals(3, batches);
    }

    @Test
    void appendOutOfOrderOrAfterTheEndIsRefused() {
        EventLog log = log();
        log.create(A, RETENTION);
        // (An append past the next seq: the in-memory log refuses it; Redis takes it for entries it lost.)
        log.append(A, 1, frame("x"));
        assertThrows(IllegalArgumentException.class, () -> log.append(A, 1, frame("x")));
        log.end(A, EventLog.COMPLETED, RETENTION);
        assertThrows(IllegalStateException.class, () -> log.append(A, 2, frame("y")));
        assertThrows(IllegalStateException.class, () -> log.appendError(A, 2, frame("y")));
        assertThrows(IllegalStateException.class, () -> log.append(B, 1, frame("y")));
        assertEquals(List.of("x"), texts(log.read(A, 0, 10)));
    }

    @Test
    void theErrorEntryEndsAFailedStream() {
        EventLog log = log();
        log.create(A, RETENTION);
        log.append(A, 1, frame("x"));
        log.appendError(A, 2, frame("error"));
        log.end(A, EventLog.FAILED, RETENTION);
        EventLog.Entries entries = log.read(A, 0, 10);
        assertEquals(List.of("x", "error"), texts(entries));
        assertEquals(EventLog.FAILED, entries.outcome());
    }

    @Test
    void endOfAStreamEndedAlreadyChangesNothing() {
        EventLog log = log();
        log.create(A, RETENTION);
        log.end(A, EventLog.CANCELLED, RETENTION);
        log.end(A, EventLog.COMPLETED, RETENTION);
        assertEquals(EventLog.CANCELLED, log.read(A, 0, 10).outcome());
        log.end(B, EventLog.COMPLETED, RETENTION); // never created: nothing
        assertNull(log.read(B, 0, 10));
    }

    @Test
    void createIsRefusedForAStreamHeldOrTombstoned() {
        EventLog log = log();
        assertTrue(log.create(A, RETENTION));
        assertFalse(log.create(A, RETENTION));
        assertTrue(log.tombstone(B, RETENTION));
        assertFalse(log.create(B, RETENTION));
        assertNull(log.read(B, 0, 10), "a tombstone holds no stream");
        assertThrows(IllegalStateException.class, () -> log.append(B, 1, frame("x")));
    }

    @Test
    void tombstoneIsRefusedForAStreamHeld() {
        EventLog log = log();
        log.create(A, RETENTION);
        assertFalse(log.tombstone(A, RETENTION));
        assertNotNull(log.read(A, 0, 10));
        log.end(A, EventLog.COMPLETED, RETENTION);
        assertFalse(log.tombstone(A, RETENTION), "nor when it has ended");
        assertTrue(log.tombstone(B, RETENTION));
        assertTrue(log.tombstone(B, RETENTION), "a tombstone is a tombstone");
    }

    @Test
    void watchersAreCalledOnAppendAndEndUntilTheWatchIsClosed() throws InterruptedException {
        EventLog log = log();
        log.create(A, RETENTION);
        log.create(B, RETENTION);
        Semaphore onA = new Semaphore(0);
        EventLog.Watch watch = log.watch(A, onA::release);
        onA.drainPermits(); // a log may wake a new watcher once, to be safe
        log.append(A, 1, frame("x"));
        awaitCall(onA, "woken by the append");
        log.end(A, EventLog.CANCELLED, RETENTION);
        awaitCall(onA, "woken by the end");
        watch.close();
        log.create(C, RETENTION);
        Semaphore onC = new Semaphore(0);
        try (EventLog.Watch other = log.watch(C, onC::release)) {
            onC.drainPermits();
            log.append(B, 1, frame("y")); // a stream no one watches
            log.tombstone(A, RETENTION);
            log.append(C, 1, frame("z"));
            awaitCall(onC, "woken by the append");
        }
        assertEquals(0, onA.availablePermits(), "a closed watch is not called");
    }

    @Test
    void severalWatchersOfOneStreamAreAllCalled() throws InterruptedException {
        EventLog log = log();
        log.create(A, RETENTION);
        Semaphore first = new Semaphore(0);
        Semaphore second = new Semaphore(0);
        EventLog.Watch one = log.watch(A, first::release);
        try (EventLog.Watch two = log.watch(A, second::release)) {
            one.close();
            first.drainPermits();
            second.drainPermits();
            log.append(A, 1, frame("x"));
            awaitCall(second, "the watcher left is called");
        }
        assertEquals(0, first.availablePermits());
    }

    @Test
    void endedStreamIsDroppedOnceItsRetentionHasPassed() throws InterruptedException {
        EventLog log = log();
        Duration retention = shortRetention();
        log.create(A, RETENTION);
        log.append(A, 1, frame("x"));
        log.end(A, EventLog.COMPLETED, retention);
        assertNotNull(log.read(A, 0, 10));
        pass(retention);
        assertNull(log.read(A, 0, 10));
        assertTrue(log.create(A, RETENTION), "the id is free again");
        assertEquals(List.of(), log.read(A, 0, 10).frames(), "a new stream");
    }

    @Test
    void tombstoneIsDroppedOnceItsRetentionHasPassed() throws InterruptedException {
        EventLog log = log();
        Duration retention = shortRetention();
        assertTrue(log.tombstone(A, retention));
        assertFalse(log.create(A, RETENTION));
        pass(retention);
        assertTrue(log.create(A, RETENTION));
    }

    @Test
    void zeroRetentionDropsTheStreamAtItsEnd() {
        EventLog log = log();
        log.create(A, RETENTION);
        log.append(A, 1, frame("x"));
        log.end(A, EventLog.COMPLETED, Duration.ZERO);
        assertNull(log.read(A, 0, 10));
    }

    @Test
    void aReaderPastTheLastEntryIsRefusedAloneAndTheStreamGoesOn() {
        EventLog log = log();
        log.create(A, RETENTION);
        log.append(A, 1, frame("e1"));
        assertThrows(IllegalArgumentException.class, () -> log.read(A, 3, 10));
        log.append(A, 2, frame("e2"));
        assertEquals(List.of("e1", "e2"), texts(log.read(A, 0, 10)), "the stream goes on, whole");
    }
}
