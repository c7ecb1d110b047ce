package io.postsse.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisException;
import io.postsse.server.EventLog;
import io.postsse.server.RedisEventLog;
import io.postsse.server.StreamCapacityException;
import io.postsse.testing.RedisServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis log, against a real redis-server started here: the contract, then its keys, their
 * expiry, and what it does when Redis loses data — never a silent gap.
 */
class RedisEventLogTest extends EventLogContract {
    private static final AtomicInteger TESTS = new AtomicInteger();
    private static RedisServer redis;

    private final String prefix = "t" + TESTS.incrementAndGet() + ":";
    private final List<RedisEventLog> logs = new ArrayList<>();

    @BeforeAll
    static void startRedis() throws IOException {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void closeLogs() {
        for (RedisEventLog log : logs) {
            log.close();
        }
    }

    /** Another log on the same keys: another server, as far as the streams are concerned. */
    private RedisEventLog connect(Duration idleExpiry) {
        RedisEventLog log = RedisEventLog.connect(redis.url(), prefix, idleExpiry);
        logs.add(log);
        return log;
    }

    @Override
    RedisEventLog log() {
        return connect(RedisEventLog.DEFAULT_IDLE_EXPIRY);
    }

    @Override
    Duration shortRetention() {
        return Duration.ofMillis(300);
    }

    @Override
    void pass(Duration time) throws InterruptedException {
        Thread.sleep(time.toMillis() + 5); // Redis's clock: the real one, to the millisecond
    }

    private String metaKey(String id) {
        return prefix + "{" + id + "}:meta";
    }

    private String streamKey(String id) {
        return prefix + "{" + id + "}";
    }

    private long pttl(String key) throws IOException {
        return Long.parseLong(redis.cli("PTTL", key));
    }

    /** The streams' keys, without the servers' leases ({@code <prefix>node:<id>}), which each expire on their own. */
    private List<String> keys() throws IOException {
        List<String> keys = new ArrayList<>();
        for (String key : allKeys()) {
            if (!key.startsWith(prefix + "node:")) {
                keys.add(key);
            }
        }
        return keys;
    }

    private List<String> allKeys() throws IOException {
        String scan = redis.cli("--scan", "--pattern", prefix + "*");
        return scan.isEmpty() ? List.of() : List.of(scan.split("\n"));
    }

    /** Calls until Redis answers: the log's connection comes back by itself after a restart. */
    private static <T> T once(Supplier<T> call) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return call.get();
            } catch (RedisException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20); // a reconnection under way
            }
        }
    }

    // ---- keys and expiry ----

    @Test
    void keysExpireWithTheRetentionAndNoneOutlivesIt() throws Exception {
        RedisEventLog log = connect(Duration.ofMinutes(10));
        log.create(A, RETENTION);
        log.append(A, 1, frame("x"));
        assertEquals(List.of(streamKey(A), metaKey(A)).stream().sorted().toList(), keys().stream().sorted().toList());
        for (String key : List.of(metaKey(A), streamKey(A))) {
            long ttl = pttl(key);
            assertTrue(ttl > 0 && ttl <= Duration.ofMinutes(10).toMillis(), key + " expires while running: " + ttl);
        }
        Duration retention = Duration.ofSeconds(1);
        log.end(A, EventLog.COMPLETED, retention);
        log.tombstone(B, retention);
        for (String key : List.of(metaKey(A), streamKey(A), metaKey(B))) {
            long ttl = pttl(key);
            assertTrue(ttl > 0 && ttl <= retention.toMillis(), key + " expires with the retention: " + ttl);
        }
        pass(retention);
        assertEquals(List.of(), keys(), "no key outlives the retention");
    }

    @Test
    void runningStreamIsDroppedAfterItsIdleExpiry() throws Exception {
        RedisEventLog log = connect(Duration.ofMillis(300));
        log.create(A, RETENTION);
        log.append(A, 1, frame("x"));
        pass(Duration.ofMillis(300));
        assertNull(log.read(A, 0, 10));
        assertThrows(IllegalStateException.class, () -> log.append(A, 2, frame("y")));
        assertEquals(List.of(), keys());
    }

    @Test
    void aRedisOutOfMemoryRefusesTheAppend() throws Exception {
        RedisEventLog log = log();
        log.create(A, RETENTION);
        long used = Long.parseLong(redis.cli("INFO", "memory").lines()
                .filter(line -> line.startsWith("used_memory:")).findFirst().orElseThrow().substring(12).trim());
        redis.cli("CONFIG", "SET", "maxmemory", Long.toString(used + (2 << 20)));
        try {
            StreamCapacityException refused = assertThrows(StreamCapacityException.class, () -> {
                for (int seq = 1; seq <= 100; seq++) {
                    log.append(A, seq, new byte[100_000]);
                }
            });
            assertTrue(refused.getMessage().contains("out of memory"), refused.getMessage());
            long held = log.read(A, 0, 0) == null ? -1 : log.read(A, 0, 1000).lastSeq();
            assertTrue(held > 0 && held < 100, "what was taken is there, the refused one is not: " + held);
        } finally {
            redis.cli("CONFIG", "SET", "maxmemory", "0");
        }
    }

    // ---- Redis losing data ----

    @Test
    void aStreamThatRedisLostIsGoneNeverAGap() throws Exception {
        RedisEventLog producer = log();
        RedisEventLog reader = log();
        producer.create(A, RETENTION);
        producer.append(A, 1, frame("e1"));
        producer.append(A, 2, frame("e2"));
        try (EventLog.Watch watch = reader.watch(A, () -> {
        })) {
            assertEquals(List.of("e1", "e2"), texts(reader.read(A, 0, 10)));
            redis.cli("FLUSHALL");
            assertNull(reader.read(A, 2, 10), "gone, not an empty running stream");
            assertThrows(IllegalStateException.class, () -> producer.append(A, 3, frame("e3")));
            // The same id, created again (a start sent again): a new stream, with its own epoch.
            RedisEventLog other = log();
            assertTrue(other.create(A, RETENTION));
            for (int seq = 1; seq <= 4; seq++) {
                other.append(A, seq, frame("new" + seq));
            }
            assertNull(reader.read(A, 2, 10), "the reader followed the lost stream: not the new one's 3 and 4");
            assertThrows(IllegalStateException.class, () -> producer.append(A, 5, frame("e5")),
                    "the lost stream's producer never writes into the new one");
            producer.end(A, EventLog.COMPLETED, RETENTION);
            EventLog.Entries fresh = other.read(A, 0, 10);
            assertEquals(List.of("new1", "new2", "new3", "new4"), texts(fresh));
            assertNull(fresh.outcome(), "the lost stream's end did not end the new one");
        }
    }

    @Test
    void aStreamMissingEntriesIsMarkedLostAndItsReadersWoken() throws Exception {
        RedisEventLog log = log();
        RedisEventLog elsewhere = log();
        log.create(A, RETENTION);
        for (int seq = 1; seq <= 3; seq++) {
            log.append(A, seq, frame("e" + seq));
        }
        Semaphore woken = new Semaphore(0);
        try (EventLog.Watch watch = elsewhere.watch(A, woken::release)) {
            woken.drainPermits();
            redis.cli("XDEL", streamKey(A), "2-0"); // as an eviction or a trim would
            assertNull(log.read(A, 2, 10), "even after the hole: the stream is not whole");
            awaitCall(woken, "the readers elsewhere learn it");
            assertNull(elsewhere.read(A, 0, 0), "gone for every reader, and for an attach");
            assertEquals("1", redis.cli("HGET", metaKey(A), "lost"));
            assertThrows(IllegalStateException.class, () -> log.append(A, 4, frame("e4")));
        }
        log.end(A, EventLog.FAILED, shortRetention());
        pass(shortRetention());
        assertEquals(List.of(), keys(), "a lost stream's keys expire with the retention too");
    }

    @Test
    void aStreamWhoseLogKeyVanishedIsLost() throws Exception {
        RedisEventLog log = log();
        log.create(A, RETENTION);
        log.append(A, 1, frame("e1"));
        redis.cli("DEL", streamKey(A));
        assertNull(log.read(A, 0, 0));
        assertThrows(IllegalStateException.class, () -> log.append(A, 2, frame("e2")));
    }

    @Test
    void aProducerAheadOfTheLogFindsItLost() throws Exception {
        // Redis came back with an older state (a replica behind, the last second of an AOF): the
        // producer has sent events the log no longer holds.
        RedisEventLog log = log();
        log.create(A, RETENTION);
        log.append(A, 1, frame("e1"));
        log.append(A, 2, frame("e2"));
        redis.cli("XTRIM", streamKey(A), "MAXLEN", "1");
        redis.cli("XDEL", streamKey(A), "2-0");
        redis.cli("HSET", metaKey(A), "last", "1");
        assertThrows(IllegalStateException.class, () -> log.append(A, 3, frame("e3")));
        assertNull(log.read(A, 0, 10), "lost: never read with a gap");
    }

    @Test
    void aRestartOfRedisLosesTheStreamsOpenlyAndNewOnesWorkAfter() throws Exception {
        RedisEventLog log = log();
        log.create(A, RETENTION);
        log.append(A, 1, frame("e1"));
        Semaphore woken = new Semaphore(0);
        try (EventLog.Watch watch = log.watch(A, woken::release)) {
            woken.drainPermits();
            redis.restart();
            assertNull(once(() -> log.read(A, 1, 10)), "gone: no silent gap, no hang");
            awaitCall(woken, "the watchers are woken once subscribed again");
            assertThrows(IllegalStateException.class, () -> log.append(A, 2, frame("e2")));
            assertTrue(once(() -> log.create(B, RETENTION)));
            log.append(B, 1, frame("b1"));
            assertEquals(List.of("b1"), texts(log.read(B, 0, 10)));
        }
    }

    // ---- several servers ----

    @Test
    void aStreamWrittenByOneServerIsReadLiveByAnother() throws Exception {
        RedisEventLog nodeA = log();
        RedisEventLog nodeB = log();
        nodeA.create(A, RETENTION);
        nodeA.append(A, 1, frame("e1"));
        Semaphore woken = new Semaphore(0);
        try (EventLog.Watch watch = nodeB.watch(A, woken::release)) {
            woken.drainPermits();
            assertEquals(List.of("e1"), texts(nodeB.read(A, 0, 10)));
            nodeA.append(A, 2, frame("e2"));
            awaitCall(woken, "woken by the append on the other server");
            assertEquals(List.of("e2"), texts(nodeB.read(A, 1, 10)));
            nodeA.end(A, EventLog.COMPLETED, RETENTION);
            awaitCall(woken, "woken by the end on the other server");
            EventLog.Entries end = nodeB.read(A, 2, 10);
            assertEquals(EventLog.COMPLETED, end.outcome());
        }
        assertNotNull(nodeB.read(A, 0, 10));
        assertEquals("0", redis.cli("PUBSUB", "NUMSUB", prefix + "{" + A + "}:wake").lines().skip(1).findFirst().orElseThrow(),
                "unsubscribed once the last watch closed");
    }

    @Test
    void aStreamWhoseProducersServerDiedEndsFailedWithAnErrorForEveryReader() throws Exception {
        RedisEventLog nodeA = log();
        RedisEventLog nodeB = log();
        Duration retention = Duration.ofSeconds(30);
        nodeA.create(A, retention);
        nodeA.append(A, 1, frame("e1"));
        Semaphore woken = new Semaphore(0);
        try (EventLog.Watch watch = nodeB.watch(A, woken::release)) {
            assertEquals(List.of("e1"), texts(nodeB.read(A, 0, 10)));
            assertNull(nodeB.read(A, 1, 10).outcome(), "running while its server holds its lease");
            woken.drainPermits();
            long died = System.nanoTime();
            nodeA.close(); // its lease is gone, as it would lapse after a kill
            awaitCall(woken, "the reader is woken when the producer's server has no lease");
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - died);
            assertTrue(waitedMillis <= 5_000, "woken within 5 s, not " + waitedMillis + " ms");
            EventLog.Entries end = nodeB.read(A, 1, 10);
            String error = "event: error\nid: " + A + ":2\ndata: {\"type\":\"about:blank\",\"title\":\"Internal Server Error\","
                    + "\"status\":500,\"detail\":\"" + RedisEventLog.PRODUCER_LOST + "\"}\n\n";
            assertEquals(List.of(error), texts(end));
            assertEquals(EventLog.FAILED, end.outcome());
        }
        EventLog.Entries again = nodeB.read(A, 0, 10);
        assertEquals(List.of("e1"), texts(again).subList(0, 1), "a later reader gets the stream, then the same error");
        assertEquals(2, again.frames().size());
        assertEquals(EventLog.FAILED, again.outcome());
        for (String key : List.of(metaKey(A), streamKey(A))) {
            long ttl = pttl(key);
            assertTrue(ttl > 0 && ttl <= retention.toMillis(), key + " expires with the retention: " + ttl);
        }
    }

    @Test
    void theLeaseOfAServerIsAKeyThatExpiresAndIsRenewed() throws Exception {
        RedisEventLog log = log();
        String lease = prefix + "node:" + log.serverId();
        long ttl = pttl(lease);
        assertTrue(ttl > 0 && ttl <= RedisEventLog.PRODUCER_LEASE.toMillis(), "the lease expires: " + ttl);
        // Renewed each second: between renewals the time left only falls, so a reading above the
        // one before it is a renewal (the first reading may have been taken at the very renewal).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long previous = ttl;
        while (true) {
            Thread.sleep(50); // polling Redis's clock
            long now = pttl(lease);
            assertTrue(now > 0, "the lease never lapses while its server lives: " + now);
            if (now > previous) {
                break;
            }
            previous = now;
            assertTrue(System.nanoTime() < deadline, "the lease is renewed");
        }
        log.close();
        assertEquals(-2, pttl(lease), "a server that stops gives its lease up");
    }

    @Test
    void aStopThroughAnotherServerReachesTheProducersServerAndItsNextAppendFails() throws Exception {
        RedisEventLog nodeA = log();
        RedisEventLog nodeB = log();
        Semaphore stops = new Semaphore(0);
        List<String> stopped = new java.util.concurrent.CopyOnWriteArrayList<>();
        nodeA.onStopRequest(id -> {
            stopped.add(id);
            stops.release();
        });
        nodeB.onStopRequest(id -> stopped.add("on B: " + id));
        nodeA.create(A, RETENTION);
        nodeA.append(A, 1, frame("e1"));
        nodeB.requestStop(A);
        awaitCall(stops, "the producer's server is told");
        assertEquals(List.of(A), stopped);
        assertThrows(io.postsse.server.StreamClosedException.class, () -> nodeA.append(A, 2, frame("e2")),
                "a server that missed the message learns it at the next append");
        nodeB.requestStop(B); // not held: nothing to tell
        assertEquals(List.of(A), stopped);
    }

    @Test
    void readersOnAnotherServerAreSeenByTheProducersServerUntilTheyLeave() throws Exception {
        RedisEventLog nodeA = log();
        RedisEventLog nodeB = log();
        nodeA.create(A, RETENTION);
        assertNull(nodeA.withoutRemoteReaders(A), "no reader elsewhere yet");
        EventLog.Watch watch = nodeB.watch(A, () -> { });
        assertEquals(Duration.ZERO, nodeA.withoutRemoteReaders(A), "read through server B now");
        try (EventLog.Watch own = nodeA.watch(A, () -> { })) {
            assertEquals(Duration.ZERO, nodeA.withoutRemoteReaders(A), "its own readers are not counted as elsewhere");
        }
        watch.close();
        Duration away = nodeA.withoutRemoteReaders(A);
        assertTrue(away != null && !away.isNegative() && away.compareTo(Duration.ofSeconds(2)) < 0,
                "left a moment ago: " + away);
    }

    @Test
    void aServerStartedWithoutRedisConnectsOnceRedisIsThere() throws Exception {
        redis.kill();
        RedisEventLog log;
        try {
            log = log(); // no exception: the server starts
            assertThrows(RedisException.class, () -> log.create(A, RETENTION), "refused while Redis is out of reach");
        } finally {
            redis.restart();
        }
        assertTrue(once(() -> log.create(A, RETENTION)), "connected in the background, with no restart");
        log.append(A, 1, frame("e1"));
        assertEquals(List.of("e1"), texts(log.read(A, 0, 10)));
    }

    @Test
    void watchersAreWokenWhenRedisGoesAwaySoThatTheyDoNotWaitOnALostStream() throws Exception {
        RedisEventLog log = log();
        log.create(A, RETENTION);
        Semaphore woken = new Semaphore(0);
        try (EventLog.Watch watch = log.watch(A, woken::release)) {
            woken.drainPermits();
            redis.kill();
            try {
                awaitCall(woken, "woken by the disconnection");
                assertThrows(RedisException.class, () -> log.read(A, 0, 10), "a read fails: the reader is cut");
            } finally {
                redis.restart();
            }
        }
    }

    @Test
    void anEndThatCouldNotReachRedisReachesItOnceRedisIsBack() throws Exception {
        RedisEventLog producer = log();
        RedisEventLog reader = log();
        producer.create(A, RETENTION);
        producer.append(A, 1, frame("e1"));
        redis.killKeepingData();
        try {
            assertThrows(RedisException.class, () -> producer.end(A, EventLog.COMPLETED, RETENTION));
        } finally {
            redis.restartWithData();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            EventLog.Entries entries = once(() -> reader.read(A, 1, 10));
            assertNotNull(entries, "the stream outlived the restart");
            if (EventLog.COMPLETED.equals(entries.outcome())) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, "the end reaches Redis once it is back");
            Thread.sleep(50); // the end is sent again each second
        }
    }

}
