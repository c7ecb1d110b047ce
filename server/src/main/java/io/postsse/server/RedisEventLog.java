package io.postsse.server;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventLog} on Redis Streams, which several servers share: a client may attach to a
 * stream through any of them. Tested with Redis 7.0; needs {@code io.lettuce:lettuce-core} on the
 * class path (an optional dependency of postsse's server, which apps that use Redis declare).
 *
 * <pre>{@code
 * sse.redisUrl = "redis://127.0.0.1:6379";            // PostSse connects, and disconnects at the stop
 * sse.eventLog = RedisEventLog.connect("redis://..."); // or: the app's own, which the app closes
 * }</pre>
 *
 * <p><b>Keys.</b> Each stream has two keys, in one hash slot: {@code <prefix>{<id>}}, a Redis
 * stream whose entries are the events, with the ids {@code <seq>-0}; and {@code <prefix>{<id>}:meta},
 * a hash: {@code epoch} (random, drawn when the stream is created), {@code last} (the seq of its
 * last entry), {@code outcome} once it ended, {@code tomb} for a tombstone, {@code lost} once the
 * stream was found damaged. Every change is one Lua script, so it is atomic: an append checks the
 * epoch and the seq, adds the entry ({@code XADD}, with a {@code MAXLEN} cap of
 * {@value #MAX_ENTRIES} as a safety net), sets both keys' expiry and publishes a wake-up on
 * {@code <prefix>{<id>}:wake}; an end records the outcome, sets both keys to expire after the
 * retention, and publishes. A running stream's keys expire after {@code idleExpiry} without an
 * append (one hour by default), so that the stream of a producer that vanished without ending it
 * does not stay for ever. Nothing outlives its expiry; Redis keeps its own memory, so
 * {@link PostSse#maxLogBytes} does not apply; a Redis out of memory ({@code maxmemory} with the
 * {@code noeviction} policy) refuses appends with a {@link StreamCapacityException}, and may refuse
 * the error entry too ({@link #appendError} cannot overdraw Redis's memory), in which case the
 * stream ends without it. Under an eviction policy, an evicted key makes its stream lost (below).
 *
 * <p><b>Never a gap.</b> Redis may lose data: a restart without persistence, a failover to a replica
 * behind, an eviction. A read checks, in the same script, that the stream's entries are all there
 * ({@code XLEN} equals {@code last}) and that the reader has not seen more than the log holds; a
 * stream that fails this (or an append that finds it so) is marked {@code lost}, its readers are
 * woken, and from then on it reads as not held ({@link #read} returns null: attached readers are
 * cut, and attaching again is answered 410) and its producer's next append fails, which wakes the
 * readers too. The producer's appends and end carry the epoch of the stream it created, so they
 * never go to another stream of the same id created after a loss; a reader that follows a stream
 * (by {@link #watch}) remembers its epoch, and is told the stream is gone when it changes. What
 * cannot be detected: a client that resumes, by its {@code Last-Event-ID}, a stream that Redis lost
 * and that a retried start created again under the same id (the id carries no epoch).
 *
 * <p><b>Live events.</b> One pub/sub connection per log: a stream is subscribed to while a
 * {@link #watch} on it is open here, and unsubscribed from when the last one closes. After a
 * reconnection, Lettuce subscribes again, and the watchers are woken to read what they missed.
 * A Redis that is unreachable fails the calls at once with Lettuce's {@code RedisException}.
 */
public final class RedisEventLog implements EventLog, AutoCloseable {
    /** The key prefix by default. */
    public static final String DEFAULT_KEY_PREFIX = "postsse:";
    /** How long a running stream's keys are kept after its last append, by default. */
    public static final Duration DEFAULT_IDLE_EXPIRY = Duration.ofHours(1);
    /** The most entries one stream's Redis stream keeps: a safety cap, far above {@link PostSse#maxEventsPerStream}. */
    public static final long MAX_ENTRIES = 10_000_000;

    private static final Logger LOG = LoggerFactory.getLogger(RedisEventLog.class);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] EMPTY = new byte[0];

    private static final Script CREATE = new Script("""
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            redis.call('DEL', KEYS[2])
            redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'last', '0')
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
            """);
    /**
     * ARGV: epoch (or empty: unchecked), seq, frame, max entries, idle expiry, channel. A stream
     * gone or lost wakes its readers, who were waiting for this append, to find it out.
     */
    private static final Script APPEND = new Script("""
            local m = redis.call('HMGET', KEYS[1], 'epoch', 'last', 'outcome', 'tomb', 'lost')
            if not m[1] or m[4] then
              redis.call('PUBLISH', ARGV[6], 'gone')
              return 'gone'
            end
            if m[5] or (ARGV[1] ~= '' and m[1] ~= ARGV[1]) then
              redis.call('PUBLISH', ARGV[6], 'lost')
              return 'lost'
            end
            if m[3] then return 'ended' end
            local last = tonumber(m[2])
            if redis.call('XLEN', KEYS[2]) ~= last then
              redis.call('HSET', KEYS[1], 'lost', '1')
              redis.call('PUBLISH', ARGV[6], 'lost')
              return 'lost'
            end
            if tonumber(ARGV[2]) ~= last + 1 then return 'seq ' .. m[2] end
            redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], ARGV[2] .. '-0', 'f', ARGV[3])
            redis.call('HSET', KEYS[1], 'last', ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            redis.call('PEXPIRE', KEYS[2], ARGV[5])
            redis.call('PUBLISH', ARGV[6], ARGV[2])
            return 'ok'
            """);
    /** ARGV: epoch (or empty: unchecked), outcome, retention, channel. */
    private static final Script END = new Script("""
            local m = redis.call('HMGET', KEYS[1], 'epoch', 'outcome', 'tomb')
            if not m[1] or m[2] or m[3] then return 0 end
            if ARGV[1] ~= '' and m[1] ~= ARGV[1] then return 0 end
            redis.call('HSET', KEYS[1], 'outcome', ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
            redis.call('PUBLISH', ARGV[4], 'end')
            return 1
            """);
    /** ARGV: retention. */
    private static final Script TOMBSTONE = new Script("""
            if redis.call('EXISTS', KEYS[1]) == 1 then
              return redis.call('HEXISTS', KEYS[1], 'tomb')
            end
            redis.call('DEL', KEYS[2])
            redis.call('HSET', KEYS[1], 'tomb', '1', 'outcome', 'cancelled')
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return 1
            """);
    /**
     * ARGV: after, max entries, channel. {'gone'} when the stream is not held; else {status, epoch,
     * last, outcome or '', frames...}, status 'ok' or 'lost' (then marked lost, its readers woken).
     */
    private static final Script READ = new Script("""
            local m = redis.call('HMGET', KEYS[1], 'epoch', 'last', 'outcome', 'tomb', 'lost')
            if not m[1] or m[4] or m[5] then return {'gone'} end
            local last = tonumber(m[2])
            local after = tonumber(ARGV[1])
            local out = {'ok', m[1], m[2], m[3] or ''}
            local intact = redis.call('XLEN', KEYS[2]) == last and after <= last
            local count = tonumber(ARGV[2])
            if intact and count > 0 and after < last then
              local first = (after + 1) .. '-0'
              local entries = redis.call('XRANGE', KEYS[2], first, '+', 'COUNT', count)
              if #entries == 0 or entries[1][1] ~= first then
                intact = false
              else
                for i = 1, #entries do out[4 + i] = entries[i][2][2] end
              end
            end
            if not intact then
              redis.call('HSET', KEYS[1], 'lost', '1')
              redis.call('PUBLISH', ARGV[3], 'lost')
              return {'lost', m[1], m[2], m[3] or ''}
            end
            return out
            """);

    private final RedisClient client;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final RedisCommands<String, byte[]> redis;
    private final StatefulRedisPubSubConnection<String, String> pubSub;
    private final String prefix;
    private final long idleExpiryMillis;
    private final String description;
    /** The epochs of the streams created here and not ended yet. */
    private final ConcurrentHashMap<String, String> producing = new ConcurrentHashMap<>();
    /** The streams watched here, by their channel. */
    private final ConcurrentHashMap<String, Watchers> watched = new ConcurrentHashMap<>();
    /** Subscribing and unsubscribing a channel, in order, under the lock of its stripe. */
    private final ReentrantLock[] subscriptionLocks = new ReentrantLock[64];

    /** The watchers of one stream on this server, and the epoch they follow. */
    private static final class Watchers {
        final CopyOnWriteArrayList<Runnable> callbacks = new CopyOnWriteArrayList<>();
        final AtomicReference<String> epoch = new AtomicReference<>();
        /** Set by Redis's first confirmation of the subscription; a later one follows a reconnection. */
        final AtomicBoolean subscribed = new AtomicBoolean();

        void wake() {
            for (Runnable callback : callbacks) {
                try {
                    callback.run();
                } catch (RuntimeException e) {
                    LOG.warn("An event log watcher failed", e);
                }
            }
        }
    }

    private RedisEventLog(RedisClient client, String prefix, Duration idleExpiry, String description) {
        this.client = client;
        this.prefix = prefix;
        this.idleExpiryMillis = Math.max(1, idleExpiry.toMillis());
        this.description = description;
        for (int i = 0; i < subscriptionLocks.length; i++) {
            subscriptionLocks[i] = new ReentrantLock();
        }
        StatefulRedisConnection<String, byte[]> commands = null;
        try {
            commands = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            this.connection = commands;
            this.redis = commands.sync();
            this.pubSub = client.connectPubSub(StringCodec.UTF8);
        } catch (RuntimeException e) {
            if (commands != null) {
                commands.close();
            }
            client.shutdown();
            throw e;
        }
        pubSub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                Watchers watchers = watched.get(channel);
                if (watchers != null) {
                    watchers.wake();
                }
            }

            @Override
            public void subscribed(String channel, long count) {
                // Subscribed again after a reconnection: what was published meanwhile was missed, so read.
                Watchers watchers = watched.get(channel);
                if (watchers != null && !watchers.subscribed.compareAndSet(false, true)) {
                    watchers.wake();
                }
            }
        });
    }

    /**
     * Connects to Redis, with the keys under {@value #DEFAULT_KEY_PREFIX} and running streams kept
     * for {@link #DEFAULT_IDLE_EXPIRY} after their last append.
     *
     * @param redisUrl such as {@code redis://127.0.0.1:6379}, {@code redis://:password@host:6379/0}
     *     or {@code rediss://host} (Lettuce's URI syntax); calls time out after 10 s unless it has a
     *     {@code timeout}
     * @throws io.lettuce.core.RedisException when Redis cannot be reached
     */
    public static RedisEventLog connect(String redisUrl) {
        return connect(redisUrl, DEFAULT_KEY_PREFIX, DEFAULT_IDLE_EXPIRY);
    }

    /**
     * Connects to Redis, with the keys under {@code keyPrefix}.
     *
     * @param idleExpiry how long a running stream's keys are kept after its last append: the
     *     longest a producer may go without sending
     * @throws io.lettuce.core.RedisException when Redis cannot be reached
     */
    public static RedisEventLog connect(String redisUrl, String keyPrefix, Duration idleExpiry) {
        if (keyPrefix == null || keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("The key prefix must not be null nor hold braces: " + keyPrefix);
        }
        if (idleExpiry == null || idleExpiry.isNegative() || idleExpiry.isZero()) {
            throw new IllegalArgumentException("idleExpiry must be positive, not " + idleExpiry);
        }
        RedisURI uri = RedisURI.create(redisUrl);
        if (!redisUrl.contains("timeout=")) {
            uri.setTimeout(DEFAULT_TIMEOUT);
        }
        RedisClient client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                // Fail at once while disconnected: a caller would rather know than wait.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        String description = "Redis at " + uri.getHost() + ":" + uri.getPort() + " (keys " + keyPrefix + "{id})";
        return new RedisEventLog(client, keyPrefix, idleExpiry, description);
    }

    // ---- keys ----

    private String[] keys(String streamId) {
        String log = prefix + "{" + streamId + "}";
        return new String[] {log + ":meta", log};
    }

    private String channel(String streamId) {
        return prefix + "{" + streamId + "}:wake";
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(long number) {
        return bytes(Long.toString(number));
    }

    private static String text(Object value) {
        return value == null ? null : new String((byte[]) value, StandardCharsets.UTF_8);
    }

    // ---- the log ----

    @Override
    public boolean create(String streamId) {
        String epoch = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        Long created = CREATE.run(redis, ScriptOutputType.INTEGER, keys(streamId), bytes(epoch), bytes(idleExpiryMillis));
        if (created == 1) {
            producing.put(streamId, epoch);
            return true;
        }
        return false;
    }

    @Override
    public void append(String streamId, long seq, byte[] frame) {
        append(streamId, seq, frame, true);
    }

    @Override
    public void appendError(String streamId, long seq, byte[] frame) {
        append(streamId, seq, frame, false);
    }

    private void append(String streamId, long seq, byte[] frame, boolean refuseWhenFull) {
        String epoch = producing.get(streamId);
        byte[] answer;
        try {
            answer = APPEND.run(redis, ScriptOutputType.VALUE, keys(streamId), epoch == null ? EMPTY : bytes(epoch),
                    bytes(seq), frame, bytes(MAX_ENTRIES), bytes(idleExpiryMillis), bytes(channel(streamId)));
        } catch (RedisCommandExecutionException e) {
            if (refuseWhenFull && String.valueOf(e.getMessage()).contains("OOM")) {
                throw new StreamCapacityException("Redis is out of memory (" + e.getMessage() + "): the event was not logged.");
            }
            throw e;
        }
        String status = text(answer);
        switch (status) {
            case "ok" -> {
            }
            case "gone" -> throw new IllegalStateException("The event log does not hold the stream " + streamId);
            case "ended" -> throw new IllegalStateException("The stream " + streamId + " has ended");
            case "lost" -> {
                LOG.warn("Stream {}: Redis lost it (its entries, or the stream itself), so it cannot go on", streamId);
                throw new IllegalStateException("Redis lost the stream " + streamId);
            }
            default -> throw new IllegalArgumentException("The stream " + streamId + " has "
                    + status.substring("seq ".length()) + " entries: the next is not " + seq);
        }
    }

    @Override
    public void end(String streamId, String outcome, Duration retention) {
        String epoch = producing.remove(streamId);
        END.run(redis, ScriptOutputType.INTEGER, keys(streamId), epoch == null ? EMPTY : bytes(epoch), bytes(outcome),
                bytes(retention.toMillis()), bytes(channel(streamId)));
    }

    @Override
    public boolean tombstone(String streamId, Duration retention) {
        Long laid = TOMBSTONE.run(redis, ScriptOutputType.INTEGER, keys(streamId), bytes(retention.toMillis()));
        return laid == 1;
    }

    @Override
    public Entries read(String streamId, long afterSeq, int maxEntries) {
        List<Object> answer = READ.run(redis, ScriptOutputType.MULTI, keys(streamId), bytes(afterSeq),
                bytes(Math.max(0, maxEntries)), bytes(channel(streamId)));
        String status = text(answer.get(0));
        if (status.equals("gone")) {
            return null;
        }
        String epoch = text(answer.get(1));
        if (status.equals("lost")) {
            LOG.warn("Stream {}: Redis lost some of it (a reader after seq {} found it holds {} entries, not all there)",
                    streamId, afterSeq, text(answer.get(2)));
            return null;
        }
        Watchers watchers = watched.get(channel(streamId));
        if (watchers != null && !watchers.epoch.compareAndSet(null, epoch) && !epoch.equals(watchers.epoch.get())) {
            LOG.warn("Stream {}: Redis lost it, and it was created again since it was read here", streamId);
            return null;
        }
        long last = Long.parseLong(text(answer.get(2)));
        String outcome = text(answer.get(3));
        List<byte[]> frames = new ArrayList<>(answer.size() - 4);
        for (int i = 4; i < answer.size(); i++) {
            frames.add((byte[]) answer.get(i));
        }
        long lastSeq = afterSeq + frames.size();
        return new Entries(frames, lastSeq, !outcome.isEmpty() && lastSeq >= last ? outcome : null);
    }

    @Override
    public Watch watch(String streamId, Runnable onChange) {
        String channel = channel(streamId);
        ReentrantLock lock = subscriptionLocks[Math.floorMod(channel.hashCode(), subscriptionLocks.length)];
        lock.lock();
        try {
            Watchers watchers = watched.get(channel);
            if (watchers == null) {
                watchers = new Watchers();
                watchers.callbacks.add(onChange);
                watched.put(channel, watchers);
                try {
                    // Subscribed before this returns: a change after it is never missed.
                    pubSub.sync().subscribe(channel);
                } catch (RuntimeException e) {
                    watched.remove(channel, watchers);
                    throw e;
                }
            } else {
                watchers.callbacks.add(onChange);
            }
        } finally {
            lock.unlock();
        }
        return () -> unwatch(channel, onChange, lock);
    }

    private void unwatch(String channel, Runnable onChange, ReentrantLock lock) {
        lock.lock();
        try {
            Watchers watchers = watched.get(channel);
            if (watchers == null || !watchers.callbacks.remove(onChange) || !watchers.callbacks.isEmpty()) {
                return;
            }
            watched.remove(channel, watchers);
            try {
                pubSub.sync().unsubscribe(channel);
            } catch (RuntimeException e) {
                // Disconnected: the subscription went with the connection, or wakes no one if it comes back.
                LOG.debug("Could not unsubscribe from {}: {}", channel, e.toString());
            }
        } finally {
            lock.unlock();
        }
    }

    /** Closes the connections to Redis. */
    @Override
    public void close() {
        try {
            pubSub.close();
            connection.close();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Override
    public String toString() {
        return description;
    }

    /** A Lua script, run by its SHA-1 digest, sent again when Redis no longer knows it. */
    private static final class Script {
        final String body;
        volatile String digest;

        Script(String body) {
            this.body = body;
        }

        <T> T run(RedisCommands<String, byte[]> redis, ScriptOutputType type, String[] keys, byte[]... args) {
            String sha = digest;
            if (sha != null) {
                try {
                    return redis.evalsha(sha, type, keys, args);
                } catch (RedisNoScriptException e) {
                    // Redis restarted, or its scripts were flushed: load it again.
                }
            }
            T result = redis.eval(body, type, keys, args);
            digest = redis.digest(body);
            return result;
        }
    }
}
