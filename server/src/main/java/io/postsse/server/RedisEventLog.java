package io.postsse.server;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventLog} on Redis Streams, which several servers share: a client may attach to a
 * stream through any of them, stop it through any of them, and learns when the server that ran its
 * producer died. Tested with Redis 7.0, a single Redis (with or without replicas; not Redis
 * Cluster); needs {@code io.lettuce:lettuce-core} on the class path (an optional dependency of
 * postsse's server, which apps that use Redis declare).
 *
 * <pre>{@code
 * sse.redisUrl = "redis://127.0.0.1:6379";            // PostSse connects, and disconnects at the stop
 * sse.eventLog = RedisEventLog.connect("redis://..."); // or: the app's own, which the app closes
 * }</pre>
 *
 * <p><b>Keys.</b> Each stream has two keys, in one hash slot: {@code <prefix>{<id>}}, a Redis
 * stream whose entries are the events, with the ids {@code <seq>-0}; and {@code <prefix>{<id>}:meta},
 * a hash: {@code epoch} (random, drawn when the stream is created), {@code last} (the seq of its
 * last entry), {@code node} (the server that runs its producer), {@code ret} (its retention),
 * {@code outcome} once it ended, {@code tomb} for a tombstone, {@code lost} once the stream was
 * found damaged, {@code stop} once a client asked to stop it, and {@code r:<node>} (until when
 * that server has readers attached). Every change is one Lua script, so it is atomic: an append
 * checks the epoch and the seq, adds the entry ({@code XADD}, with a {@code MAXLEN} cap of
 * {@value #MAX_ENTRIES} as a safety net), sets both keys' expiry and publishes a wake-up on
 * {@code <prefix>{<id>}:wake}; an end records the outcome, sets both keys to expire after the
 * retention, and publishes. A running stream's keys expire after {@code idleExpiry} without an
 * append (one hour by default), so that nothing stays for ever. Each server has one more key,
 * {@code <prefix>node:<node>}, its lease (below), which expires {@link #PRODUCER_LEASE} after its
 * last renewal. Nothing outlives its expiry; Redis keeps its own memory, so
 * {@link PostSse#maxLogBytes} does not apply; a Redis out of memory ({@code maxmemory} with the
 * {@code noeviction} policy) refuses appends with a {@link StreamCapacityException}, and may refuse
 * the error entry too ({@link #appendError} cannot overdraw Redis's memory), in which case the
 * stream ends without it. Under an eviction policy, an evicted key makes its stream lost (below).
 *
 * <p><b>A producer's server dies.</b> Each server renews its lease every second; it lasts
 * {@link #PRODUCER_LEASE}. A server checks, every second, the leases of the servers whose streams
 * its clients read, and a read of a running stream checks its producer's lease in the same
 * script: a stream whose producer's server has no lease is ended {@value EventLog#FAILED} there
 * and then, with an {@code error} event saying its producer was lost, so that every reader, on
 * any server, gets that error and the end within about four seconds of the death, and a client
 * that attaches later reads the stream, then the same error. A server that lost its lease while it
 * lived (it was stalled, or out of reach of Redis, for longer than the lease) finds its streams so
 * ended, and its producers' next sends fail.
 *
 * <p><b>Stop through another server.</b> {@link #requestStop} marks the stream stopped and tells
 * its producer's server on that server's own channel, {@code <prefix>node:<node>:stop}; a server
 * that missed the message (it was reconnecting) learns it at its producer's next append.
 *
 * <p><b>Readers on other servers.</b> A {@link #watch} of a stream whose producer does not run
 * here counts as a reader of it, recorded in Redis while it lasts, so that the producer's server
 * does not cancel a stream for want of readers ({@link PostSse#resumeGrace}) while clients read it
 * through other servers ({@link #withoutRemoteReaders}).
 *
 * <p><b>Never a gap.</b> Redis may lose data: a restart without persistence, a failover to a replica
 * behind, an eviction. A read checks, in the same script, that the stream's entries are all there
 * ({@code XLEN} equals {@code last}), and an append that the producer has not sent more than the
 * log holds; a stream that fails either is marked {@code lost}, its readers are
 * woken, and from then on it reads as not held ({@link #read} returns null: attached readers are
 * cut, and attaching again is answered 410) and its producer's next append fails, which wakes the
 * readers too. The producer's appends and end carry the epoch of the stream it created, so they
 * never go to another stream of the same id created after a loss; a reader that follows a stream
 * (by {@link #watch}) remembers its epoch, and is told the stream is gone when it changes. What
 * cannot be detected: a client that resumes, by its {@code Last-Event-ID}, a stream that Redis lost
 * and that a retried start created again under the same id (the id carries no epoch). A reader that
 * claims more than the log holds is refused alone ({@link #read} throws; attaching is answered 410):
 * a client's claim, which anyone may make, never marks the stream lost for the others.
 *
 * <p><b>Live events.</b> One pub/sub connection per log: a stream is subscribed to while a
 * {@link #watch} on it is open here, and unsubscribed from when the last one closes. After a
 * reconnection, Lettuce subscribes again, and the watchers are woken to read what they missed.
 *
 * <p><b>Redis out of reach.</b> The log connects when it is made, and when Redis cannot be reached
 * then, again each second, in the background, so that a server starts without Redis and works once
 * Redis is there. While Redis is out of reach, calls fail at once with Lettuce's
 * {@code RedisException} (PostSse answers 503).
 */
public final class RedisEventLog implements EventLog, AutoCloseable {
    /** The key prefix by default. */
    public static final String DEFAULT_KEY_PREFIX = "postsse:";
    /** How long a running stream's keys are kept after its last append, by default. */
    public static final Duration DEFAULT_IDLE_EXPIRY = Duration.ofHours(1);
    /** The most entries one stream's Redis stream keeps: a safety cap, far above {@link PostSse#maxEventsPerStream}. */
    public static final long MAX_ENTRIES = 10_000_000;
    /** How long a server's lease on its producers lasts after its last renewal (renewed every second). */
    public static final Duration PRODUCER_LEASE = Duration.ofSeconds(3);
    /** The detail of the error event of a stream whose producer's server died. */
    public static final String PRODUCER_LOST = "The stream's producer was lost: the server that ran it stopped.";

    private static final Logger LOG = LoggerFactory.getLogger(RedisEventLog.class);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** How often the lease is renewed, the readers' presence recorded, and other servers' leases checked. */
    private static final long TICK_MILLIS = 1000;
    /** How long a record of readers on this server lasts: renewed each tick while they stay. */
    private static final long PRESENCE_MILLIS = 3 * TICK_MILLIS;
    /** The most keys one presence script touches. */
    private static final int PRESENCE_BATCH = 256;
    private static final byte[] EMPTY = new byte[0];

    private static final Script CREATE = new Script("""
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            redis.call('DEL', KEYS[2])
            redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'last', '0', 'node', ARGV[3], 'ret', ARGV[4])
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            redis.call('SET', KEYS[3], '1', 'PX', ARGV[5])
            return 1
            """);
    /**
     * ARGV: epoch (or empty: unchecked), seq, frame, max entries, idle expiry, channel. A stream
     * gone or lost wakes its readers, who were waiting for this append, to find it out.
     */
    private static final Script APPEND = new Script("""
            local m = redis.call('HMGET', KEYS[1], 'epoch', 'last', 'outcome', 'tomb', 'lost', 'stop')
            if not m[1] or m[4] then
              redis.call('PUBLISH', ARGV[6], 'gone')
              return 'gone'
            end
            if m[5] or (ARGV[1] ~= '' and m[1] ~= ARGV[1]) then
              redis.call('PUBLISH', ARGV[6], 'lost')
              return 'lost'
            end
            if m[3] then return 'ended' end
            if m[6] then return 'stopped' end
            local last = tonumber(m[2])
            if redis.call('XLEN', KEYS[2]) ~= last then
              redis.call('HSET', KEYS[1], 'lost', '1')
              redis.call('PUBLISH', ARGV[6], 'lost')
              return 'lost'
            end
            if tonumber(ARGV[2]) > last + 1 then
              -- The producer sent more than Redis holds: Redis lost the latest entries.
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
    /** ARGV: key prefix, stream id. Marks a running stream stopped and tells its producer's server. */
    private static final Script STOP = new Script("""
            local m = redis.call('HMGET', KEYS[1], 'node', 'outcome', 'tomb')
            if not m[1] or m[2] or m[3] then return 0 end
            redis.call('HSET', KEYS[1], 'stop', '1')
            redis.call('PUBLISH', ARGV[1] .. 'node:' .. m[1] .. ':stop', ARGV[2])
            return 1
            """);
    /**
     * ARGV: after, max entries, channel, key prefix, stream id, the error event's data. {'gone'} when
     * the stream is not held; else {status, epoch, last, outcome or '', node, frames...}, status 'ok'
     * or 'lost' (then marked lost, its readers woken). A running stream whose producer's server has
     * no lease is ended failed first, with an error entry.
     */
    private static final Script READ = new Script("""
            local m = redis.call('HMGET', KEYS[1], 'epoch', 'last', 'outcome', 'tomb', 'lost', 'node', 'ret')
            if not m[1] or m[4] or m[5] then return {'gone'} end
            local last = tonumber(m[2])
            local intact = redis.call('XLEN', KEYS[2]) == last
            if intact and not m[3] and m[6] and redis.call('EXISTS', ARGV[4] .. 'node:' .. m[6]) == 0 then
              last = last + 1
              local frame = 'event: error\\nid: ' .. ARGV[5] .. ':' .. last .. '\\ndata: ' .. ARGV[6] .. '\\n\\n'
              redis.call('XADD', KEYS[2], last .. '-0', 'f', frame)
              redis.call('HSET', KEYS[1], 'last', last, 'outcome', 'failed')
              redis.call('PEXPIRE', KEYS[1], m[7])
              redis.call('PEXPIRE', KEYS[2], m[7])
              redis.call('PUBLISH', ARGV[3], 'end')
              m[2] = tostring(last)
              m[3] = 'failed'
            end
            local after = tonumber(ARGV[1])
            if intact and after > last then return {'ahead', m[1], m[2]} end
            local out = {'ok', m[1], m[2], m[3] or '', m[6] or ''}
            local count = tonumber(ARGV[2])
            if intact and count > 0 and after < last then
              local first = (after + 1) .. '-0'
              local entries = redis.call('XRANGE', KEYS[2], first, '+', 'COUNT', count)
              if #entries == 0 or entries[1][1] ~= first then
                intact = false
              else
                for i = 1, #entries do out[5 + i] = entries[i][2][2] end
              end
            end
            if not intact then
              redis.call('HSET', KEYS[1], 'lost', '1')
              redis.call('PUBLISH', ARGV[3], 'lost')
              return {'lost', m[1], m[2], m[3] or '', m[6] or ''}
            end
            return out
            """);
    /** KEYS: metas. ARGV: field, how long. Records readers on the streams still held, for a while. */
    private static final Script PRESENT = new Script("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            for i = 1, #KEYS do
              if redis.call('EXISTS', KEYS[i]) == 1 then
                redis.call('HSET', KEYS[i], ARGV[1], now + tonumber(ARGV[2]))
              end
            end
            return 1
            """);
    /** ARGV: this server's field. How long since other servers' readers left: -1 while present, -2 never. */
    private static final Script ABSENT = new Script("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local fields = redis.call('HGETALL', KEYS[1])
            local latest = nil
            for i = 1, #fields, 2 do
              local f = fields[i]
              if string.sub(f, 1, 2) == 'r:' and f ~= ARGV[1] then
                local v = tonumber(fields[i + 1])
                if not latest or v > latest then latest = v end
              end
            end
            if not latest then return -2 end
            if latest > now then return -1 end
            return now - latest
            """);
    /** ARGV: key prefix, server ids. For each, 1 when its lease is held, else 0. */
    private static final Script LEASES = new Script("""
            local out = {}
            for i = 2, #ARGV do out[i - 1] = redis.call('EXISTS', ARGV[1] .. 'node:' .. ARGV[i]) end
            return out
            """);

    private final RedisClient client;
    private final String prefix;
    private final long idleExpiryMillis;
    private final String description;
    /** This server's id in Redis: random, one per log. */
    private final String node;
    private final String leaseKey;
    private final String stopChannel;
    private final String presenceField;
    private final String problemJson;
    /** The connections, once made; null until then. */
    private volatile Connections connections;
    private final ReentrantLock connectLock = new ReentrantLock();
    private long nextConnectNanos;
    private volatile boolean closed;
    private final ScheduledThreadPoolExecutor ticks;
    private volatile Consumer<String> stopHandler = streamId -> { };
    /** The epochs of the streams created here and not ended yet. */
    private final ConcurrentHashMap<String, String> producing = new ConcurrentHashMap<>();
    /** The streams watched here, by their channel. */
    private final ConcurrentHashMap<String, Watchers> watched = new ConcurrentHashMap<>();
    /** Subscribing and unsubscribing a channel, in order, under the lock of its stripe. */
    private final ReentrantLock[] subscriptionLocks = new ReentrantLock[64];
    /** The ends of streams that Redis could not be told of when they ended: told at the next tick it can be. */
    private final ConcurrentHashMap<String, PendingEnd> pendingEnds = new ConcurrentHashMap<>();

    /** An end that is yet to reach Redis. */
    private record PendingEnd(String epoch, String outcome, Duration retention) {
    }

    /** The connections to Redis: commands, and pub/sub. */
    private record Connections(StatefulRedisConnection<String, byte[]> commands, RedisCommands<String, byte[]> redis,
            StatefulRedisPubSubConnection<String, String> pubSub) {
    }

    /** The watchers of one stream on this server, and the epoch they follow. */
    private static final class Watchers {
        final String streamId;
        final CopyOnWriteArrayList<Runnable> callbacks = new CopyOnWriteArrayList<>();
        final AtomicReference<String> epoch = new AtomicReference<>();
        /** The server that runs the stream's producer, once read; null once it ended. */
        volatile String producerNode;
        /** Set by Redis's first confirmation of the subscription; a later one follows a reconnection. */
        final AtomicBoolean subscribed = new AtomicBoolean();

        Watchers(String streamId) {
            this.streamId = streamId;
        }

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
        this.node = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        this.leaseKey = prefix + "node:" + node;
        this.stopChannel = leaseKey + ":stop";
        this.presenceField = "r:" + node;
        this.problemJson = "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,\"detail\":\""
                + PRODUCER_LOST + "\"}";
        for (int i = 0; i < subscriptionLocks.length; i++) {
            subscriptionLocks[i] = new ReentrantLock();
        }
        this.ticks = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "postsse-redis-lease");
            thread.setDaemon(true);
            return thread;
        });
        // Readers wait for wake-ups from a connection that is gone: wake them, so that they read, fail,
        // and are cut (their clients retry) instead of waiting on a stream that may have been lost.
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (!closed && !watched.isEmpty()) {
                    ticks.execute(() -> watched.values().forEach(Watchers::wake));
                }
            }
        });
        try {
            connections();
        } catch (RedisException e) {
            LOG.warn("{} is out of reach ({}): streams are refused until it can be reached; trying again each second",
                    description, e.getMessage());
        }
        ticks.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Connects to Redis, with the keys under {@value #DEFAULT_KEY_PREFIX} and running streams kept
     * for {@link #DEFAULT_IDLE_EXPIRY} after their last append.
     *
     * @param redisUrl such as {@code redis://127.0.0.1:6379}, {@code redis://:password@host:6379/0}
     *     or {@code rediss://host} (Lettuce's URI syntax); calls time out after 10 s unless it has a
     *     {@code timeout}. When Redis cannot be reached yet, the log connects as soon as it can.
     */
    public static RedisEventLog connect(String redisUrl) {
        return connect(redisUrl, DEFAULT_KEY_PREFIX, DEFAULT_IDLE_EXPIRY);
    }

    /**
     * Connects to Redis, with the keys under {@code keyPrefix}.
     *
     * @param idleExpiry how long a running stream's keys are kept after its last append: the
     *     longest a producer may go without sending
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

    // ---- the connections ----

    private RedisCommands<String, byte[]> redis() {
        Connections made = connections;
        return made != null ? made.redis() : connections().redis();
    }

    /** The connections, made now when they were not yet: at most one try a second. */
    private Connections connections() {
        Connections made = connections;
        if (made != null) {
            return made;
        }
        connectLock.lock();
        try {
            if (connections != null) {
                return connections;
            }
            if (closed) {
                throw new RedisException("The event log is closed");
            }
            long now = System.nanoTime();
            if (nextConnectNanos != 0 && now - nextConnectNanos < 0) {
                throw new RedisConnectionException(description + " is out of reach; trying again shortly");
            }
            nextConnectNanos = now + TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
            StatefulRedisConnection<String, byte[]> commands = null;
            StatefulRedisPubSubConnection<String, String> pubSub = null;
            try {
                commands = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
                pubSub = client.connectPubSub(StringCodec.UTF8);
                pubSub.addListener(new Listener());
                pubSub.sync().subscribe(stopChannel);
                commands.sync().set(leaseKey, EMPTY, SetArgs.Builder.px(PRODUCER_LEASE.toMillis()));
            } catch (RuntimeException e) {
                if (pubSub != null) {
                    pubSub.close();
                }
                if (commands != null) {
                    commands.close();
                }
                throw e;
            }
            made = new Connections(commands, commands.sync(), pubSub);
            connections = made;
            LOG.info("Connected to {} as server {}", description, node);
            return made;
        } finally {
            connectLock.unlock();
        }
    }

    private final class Listener extends RedisPubSubAdapter<String, String> {
        @Override
        public void message(String channel, String message) {
            if (channel.equals(stopChannel)) {
                stopRequested(message);
                return;
            }
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
    }

    private void stopRequested(String streamId) {
        if (!producing.containsKey(streamId)) {
            return;
        }
        try {
            stopHandler.accept(streamId);
        } catch (RuntimeException e) {
            LOG.warn("Stream {}: stopping it failed", streamId, e);
        }
    }

    /**
     * Each second: renews this server's lease, records the readers attached here to streams whose
     * producers run elsewhere, and wakes the readers of streams whose producer's server lost its
     * lease, so that they read the stream's end.
     */
    private void tick() {
        try {
            if (closed) {
                return;
            }
            RedisCommands<String, byte[]> redis = redis();
            redis.set(leaseKey, EMPTY, SetArgs.Builder.px(PRODUCER_LEASE.toMillis()));
            for (Map.Entry<String, PendingEnd> pending : pendingEnds.entrySet()) {
                String streamId = pending.getKey();
                PendingEnd end = pending.getValue();
                runEnd(streamId, end.epoch(), end.outcome(), end.retention());
                pendingEnds.remove(streamId, end);
                LOG.info("Stream {}: its end ({}) reached Redis late", streamId, end.outcome());
            }
            List<Watchers> remote = new ArrayList<>();
            for (Watchers watchers : watched.values()) {
                if (!producing.containsKey(watchers.streamId)) {
                    remote.add(watchers);
                }
            }
            recordPresence(remote.stream().map(watchers -> watchers.streamId).toList(), PRESENCE_MILLIS);
            Map<String, List<Watchers>> byNode = new HashMap<>();
            for (Watchers watchers : remote) {
                String producerNode = watchers.producerNode;
                if (producerNode != null && !producerNode.equals(node)) {
                    byNode.computeIfAbsent(producerNode, key -> new ArrayList<>()).add(watchers);
                }
            }
            if (!byNode.isEmpty()) {
                List<String> nodes = new ArrayList<>(byNode.keySet());
                byte[][] args = new byte[nodes.size() + 1][];
                args[0] = bytes(prefix);
                for (int i = 0; i < nodes.size(); i++) {
                    args[i + 1] = bytes(nodes.get(i));
                }
                List<Long> held = LEASES.run(redis, ScriptOutputType.MULTI, new String[0], args);
                for (int i = 0; i < nodes.size(); i++) {
                    if (held.get(i) == 0) {
                        byNode.get(nodes.get(i)).forEach(Watchers::wake);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("{}: the lease's tick failed: {}", description, e.toString());
        }
    }

    /** Records, for {@code millis} from now, readers on this server of each stream still held. */
    private void recordPresence(List<String> streamIds, long millis) {
        for (int from = 0; from < streamIds.size(); from += PRESENCE_BATCH) {
            List<String> batch = streamIds.subList(from, Math.min(streamIds.size(), from + PRESENCE_BATCH));
            String[] metas = new String[batch.size()];
            for (int i = 0; i < metas.length; i++) {
                metas[i] = keys(batch.get(i))[0];
            }
            PRESENT.run(redis(), ScriptOutputType.INTEGER, metas, bytes(presenceField), bytes(millis));
        }
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
    public boolean create(String streamId, Duration retention) {
        String epoch = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        String[] keys = keys(streamId);
        Long created = CREATE.run(redis(), ScriptOutputType.INTEGER, new String[] {keys[0], keys[1], leaseKey},
                bytes(epoch), bytes(idleExpiryMillis), bytes(node),
                // At least 1 ms: the script that ends a stream whose producer was lost reads it after the expiry is set.
                bytes(Math.max(1, retention.toMillis())),
                bytes(PRODUCER_LEASE.toMillis()));
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
            answer = APPEND.run(redis(), ScriptOutputType.VALUE, keys(streamId), epoch == null ? EMPTY : bytes(epoch),
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
            case "stopped" -> throw new StreamClosedException("The stream " + streamId + " was stopped by its client");
            case "lost" -> {
                LOG.warn("Stream {}: Redis lost it (its entries, or the stream itself), so it cannot go on", streamId);
                throw new IllegalStateException("Redis lost the stream " + streamId);
            }
            default -> throw new IllegalArgumentException("The stream " + streamId + " has "
                    + status.substring("seq ".length()) + " entries: the next is not " + seq);
        }
    }

    /**
     * {@inheritDoc} An end that cannot reach Redis (out of reach, or too slow) is kept, and sent
     * again each second until Redis takes it, so that the stream's readers are not left waiting.
     */
    @Override
    public void end(String streamId, String outcome, Duration retention) {
        String epoch = producing.remove(streamId);
        try {
            runEnd(streamId, epoch, outcome, retention);
        } catch (RedisException e) {
            if (!closed) {
                pendingEnds.put(streamId, new PendingEnd(epoch, outcome, retention));
            }
            throw e;
        }
    }

    private void runEnd(String streamId, String epoch, String outcome, Duration retention) {
        END.run(redis(), ScriptOutputType.INTEGER, keys(streamId), epoch == null ? EMPTY : bytes(epoch), bytes(outcome),
                bytes(retention.toMillis()), bytes(channel(streamId)));
    }

    @Override
    public boolean tombstone(String streamId, Duration retention) {
        Long laid = TOMBSTONE.run(redis(), ScriptOutputType.INTEGER, keys(streamId), bytes(retention.toMillis()));
        return laid == 1;
    }

    @Override
    public Entries read(String streamId, long afterSeq, int maxEntries) {
        List<Object> answer = READ.run(redis(), ScriptOutputType.MULTI, keys(streamId), bytes(afterSeq),
                bytes(Math.max(0, maxEntries)), bytes(channel(streamId)), bytes(prefix), bytes(streamId),
                bytes(problemJson));
        String status = text(answer.get(0));
        if (status.equals("gone")) {
            return null;
        }
        String epoch = text(answer.get(1));
        if (status.equals("ahead")) {
            throw new IllegalArgumentException("The stream " + streamId + " has " + text(answer.get(2))
                    + " entries, not " + afterSeq);
        }
        if (status.equals("lost")) {
            LOG.warn("Stream {}: Redis lost some of it (a reader after seq {} found it holds {} entries, not all there)",
                    streamId, afterSeq, text(answer.get(2)));
            return null;
        }
        long last = Long.parseLong(text(answer.get(2)));
        String outcome = text(answer.get(3));
        Watchers watchers = watched.get(channel(streamId));
        if (watchers != null) {
            if (!watchers.epoch.compareAndSet(null, epoch) && !epoch.equals(watchers.epoch.get())) {
                LOG.warn("Stream {}: Redis lost it, and it was created again since it was read here", streamId);
                return null;
            }
            String producerNode = text(answer.get(4));
            watchers.producerNode = outcome.isEmpty() && !producerNode.isEmpty() ? producerNode : null;
        }
        List<byte[]> frames = new ArrayList<>(answer.size() - 5);
        for (int i = 5; i < answer.size(); i++) {
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
                StatefulRedisPubSubConnection<String, String> pubSub = connections().pubSub();
                watchers = new Watchers(streamId);
                watchers.callbacks.add(onChange);
                watched.put(channel, watchers);
                try {
                    // Subscribed before this returns: a change after it is never missed.
                    pubSub.sync().subscribe(channel);
                    if (!producing.containsKey(streamId)) {
                        recordPresence(List.of(streamId), PRESENCE_MILLIS);
                    }
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
                Connections made = connections;
                if (made != null) {
                    made.pubSub().sync().unsubscribe(channel);
                }
                if (!producing.containsKey(watchers.streamId)) {
                    recordPresence(List.of(watchers.streamId), 0); // the readers here left now
                }
            } catch (RuntimeException e) {
                // Disconnected: the subscription went with the connection, or wakes no one if it comes back.
                LOG.debug("Could not unsubscribe from {}: {}", channel, e.toString());
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- several servers ----

    @Override
    public void requestStop(String streamId) {
        STOP.run(redis(), ScriptOutputType.INTEGER, new String[] {keys(streamId)[0]}, bytes(prefix), bytes(streamId));
    }

    @Override
    public void onStopRequest(Consumer<String> cancelProducer) {
        this.stopHandler = cancelProducer;
    }

    @Override
    public Duration withoutRemoteReaders(String streamId) {
        Long away = ABSENT.run(redis(), ScriptOutputType.INTEGER, new String[] {keys(streamId)[0]}, bytes(presenceField));
        if (away == -2) {
            return null;
        }
        return away == -1 ? Duration.ZERO : Duration.ofMillis(away);
    }

    /** This server's id in Redis: its lease is the key {@code <prefix>node:<id>}. */
    public String serverId() {
        return node;
    }

    /** Closes the connections to Redis; this server's lease lapses. */
    @Override
    public void close() {
        closed = true;
        ticks.shutdownNow();
        connectLock.lock();
        try {
            Connections made = connections;
            if (made != null) {
                try {
                    made.commands().sync().del(leaseKey);
                } catch (RuntimeException e) {
                    // out of reach: the lease lapses by itself
                }
                made.pubSub().close();
                made.commands().close();
            }
        } finally {
            connectLock.unlock();
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
