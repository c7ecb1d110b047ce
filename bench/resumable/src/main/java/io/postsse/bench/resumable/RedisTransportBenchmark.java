package io.postsse.bench.resumable;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.postsse.testing.RedisServer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * How live events should travel from the server that appends them to the servers whose clients
 * read them, measured on Lettuce alone: an append is a script that {@code XADD}s the entry, which
 * carries its send time. Either the script also {@code PUBLISH}es a wake-up that one pub/sub
 * connection per server receives, which then reads the new entries ({@code XRANGE}) on a command
 * connection — what {@code RedisEventLog} does — or readers wait in {@code XREAD BLOCK}: on a
 * connection of their own per stream, or one connection for all the streams watched.
 *
 * <p>For each, with 1 and with 1,000 watched streams: the delay from the append's send to the
 * entry in the reader's hands at 1,000 appends/s (spread over the streams), then appends as fast
 * as one connection sends them (512 at a time) until {@value #BURST} have all been read, with the
 * CPU both processes spent per event. Three passes, interleaved.
 */
final class RedisTransportBenchmark {
    private static final String PUBLISHING = """
            redis.call('XADD', KEYS[1], '*', 'f', ARGV[1])
            redis.call('PUBLISH', ARGV[2], '1')
            return 1
            """;
    private static final String PLAIN = """
            redis.call('XADD', KEYS[1], '*', 'f', ARGV[1])
            return 1
            """;
    private static final int PACED_PER_SECOND = 1000;
    private static final int PACED_EVENTS = 2000;
    private static final int BURST = 50_000;
    private static final int WINDOW = 512;
    private static final int PASSES = 3;

    private RedisTransportBenchmark() {
    }

    /** What the readers took in: every entry counted, the first ones' delays kept while recording. */
    private static final class Sink {
        final AtomicInteger count = new AtomicInteger();
        volatile long[] delays = new long[0];

        void take(List<StreamMessage<String, String>> entries, long now) {
            for (StreamMessage<String, String> entry : entries) {
                int index = count.getAndIncrement();
                long[] kept = delays;
                if (index < kept.length) {
                    kept[index] = now - Long.parseLong(entry.getBody().get("f"));
                }
            }
        }

        void reset(int keep) {
            delays = new long[keep];
            count.set(0);
        }

        boolean await(int expected, long timeoutSeconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (count.get() < expected) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(1);
            }
            return true;
        }
    }

    /** A way to follow the watched streams. */
    private abstract static class Reader implements AutoCloseable {
        final RedisClient client;
        final String[] keys;
        final Sink sink;
        volatile boolean closed;

        Reader(RedisClient client, String[] keys, Sink sink) {
            this.client = client;
            this.keys = keys;
            this.sink = sink;
        }

        abstract void start();

        abstract String connections();

        static String last(List<StreamMessage<String, String>> entries, String otherwise) {
            return entries.isEmpty() ? otherwise : entries.get(entries.size() - 1).getId();
        }
    }

    /** One pub/sub connection for all the channels; each wake-up reads what is new with {@code XRANGE}, on one command connection. */
    private static final class PubSubReader extends Reader {
        private StatefulRedisPubSubConnection<String, String> pubSub;
        private StatefulRedisConnection<String, String> commands;
        private final Map<String, Watched> byChannel = new HashMap<>();

        /** A stream's position; one read at a time, again when woken meanwhile. */
        private static final class Watched {
            final String key;
            String last = "0-0";
            boolean reading;
            boolean again;

            Watched(String key) {
                this.key = key;
            }
        }

        PubSubReader(RedisClient client, String[] keys, Sink sink) {
            super(client, keys, sink);
        }

        @Override
        void start() {
            for (String key : keys) {
                byChannel.put(key + ":wake", new Watched(key));
            }
            commands = client.connect();
            pubSub = client.connectPubSub();
            pubSub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    Watched watched = byChannel.get(channel);
                    synchronized (watched) {
                        if (watched.reading) {
                            watched.again = true;
                            return;
                        }
                        watched.reading = true;
                    }
                    read(watched);
                }
            });
            pubSub.sync().subscribe(byChannel.keySet().toArray(new String[0]));
        }

        private void read(Watched watched) {
            commands.async().xrange(watched.key, Range.create(next(watched.last), "+"), Limit.from(1000))
                    .whenComplete((entries, failure) -> {
                        if (failure != null) {
                            if (!closed) {
                                failure.printStackTrace();
                            }
                            return;
                        }
                        sink.take(entries, System.nanoTime());
                        boolean again;
                        synchronized (watched) {
                            watched.last = last(entries, watched.last);
                            again = watched.again || entries.size() == 1000;
                            watched.again = false;
                            watched.reading = again;
                        }
                        if (again) {
                            read(watched);
                        }
                    });
        }

        /** The id just after this one: an {@code XRANGE} from it is exclusive of the last read. */
        private static String next(String id) {
            int dash = id.indexOf('-');
            return id.substring(0, dash + 1) + (Long.parseLong(id.substring(dash + 1)) + 1);
        }

        @Override
        String connections() {
            return "1 pub/sub + 1";
        }

        @Override
        public void close() {
            closed = true;
            pubSub.close();
            commands.close();
        }
    }

    /** {@code XREAD BLOCK} on a connection of its own for each stream. */
    private static final class DedicatedXread extends Reader {
        private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();

        DedicatedXread(RedisClient client, String[] keys, Sink sink) {
            super(client, keys, sink);
        }

        @Override
        void start() {
            for (String key : keys) {
                StatefulRedisConnection<String, String> connection = client.connect();
                connections.add(connection);
                read(connection.async(), key, "0-0");
            }
        }

        private void read(RedisAsyncCommands<String, String> redis, String key, String after) {
            redis.xread(XReadArgs.Builder.block(2000).count(1000), XReadArgs.StreamOffset.from(key, after))
                    .whenComplete((entries, failure) -> {
                        if (closed) {
                            return;
                        }
                        if (failure != null) {
                            failure.printStackTrace();
                            return;
                        }
                        sink.take(entries, System.nanoTime());
                        read(redis, key, last(entries, after));
                    });
        }

        @Override
        String connections() {
            return String.format("%,d", keys.length);
        }

        @Override
        public void close() {
            closed = true;
            connections.forEach(StatefulRedisConnection::close);
        }
    }

    /** {@code XREAD BLOCK} on one connection, over all the streams at once. */
    private static final class SharedXread extends Reader {
        private StatefulRedisConnection<String, String> connection;
        private final Map<String, String> last = new HashMap<>();

        SharedXread(RedisClient client, String[] keys, Sink sink) {
            super(client, keys, sink);
        }

        @Override
        void start() {
            for (String key : keys) {
                last.put(key, "0-0");
            }
            connection = client.connect();
            read();
        }

        @SuppressWarnings("unchecked")
        private void read() {
            XReadArgs.StreamOffset<String>[] offsets = new XReadArgs.StreamOffset[keys.length];
            for (int i = 0; i < keys.length; i++) {
                offsets[i] = XReadArgs.StreamOffset.from(keys[i], last.get(keys[i]));
            }
            connection.async().xread(XReadArgs.Builder.block(2000).count(1000), offsets).whenComplete((entries, failure) -> {
                if (closed) {
                    return;
                }
                if (failure != null) {
                    failure.printStackTrace();
                    return;
                }
                sink.take(entries, System.nanoTime());
                for (StreamMessage<String, String> entry : entries) {
                    last.put(entry.getStream(), entry.getId());
                }
                read();
            });
        }

        @Override
        String connections() {
            return "1";
        }

        @Override
        public void close() {
            closed = true;
            connection.close();
        }
    }

    private interface ReaderFactory {
        Reader create(RedisClient client, String[] keys, Sink sink);
    }

    /** One transport, with so many streams. */
    private record Setup(String name, int streams, String script, ReaderFactory factory) {
    }

    /** What one pass measured. */
    private record Pass(String connections, long[] delays, double eventsPerSecond, double jvmMicros, double redisMicros) {
    }

    static void run(RedisClient client, RedisServer redis) throws Exception {
        StatefulRedisConnection<String, String> writer = client.connect();
        String publishing = writer.sync().scriptLoad(PUBLISHING);
        String plain = writer.sync().scriptLoad(PLAIN);
        List<Setup> setups = List.of(
                new Setup("pub/sub (RedisEventLog's)", 1, publishing, PubSubReader::new),
                new Setup("`XREAD BLOCK`, a connection per stream", 1, plain, DedicatedXread::new),
                new Setup("pub/sub (RedisEventLog's)", 1000, publishing, PubSubReader::new),
                new Setup("`XREAD BLOCK`, a connection per stream", 1000, plain, DedicatedXread::new),
                new Setup("`XREAD BLOCK`, one connection for all streams", 1000, plain, SharedXread::new));
        // A first pass, unreported, so that the ones reported run on warm code.
        String loadBefore = RedisBenchmark.loadAverage();
        measure(client, redis, writer, setups.get(0));
        measure(client, redis, writer, setups.get(1));
        List<List<Pass>> passes = new ArrayList<>();
        for (int i = 0; i < setups.size(); i++) {
            passes.add(new ArrayList<>());
        }
        for (int pass = 0; pass < PASSES; pass++) { // interleaved, so that a noisy moment hits all
            for (int i = 0; i < setups.size(); i++) {
                passes.get(i).add(measure(client, redis, writer, setups.get(i)));
            }
        }
        writer.close();
        System.out.println();
        System.out.println("### Redis: live-event transport, pub/sub wake-up + `XRANGE` against `XREAD BLOCK` (Lettuce alone, one writer connection)");
        System.out.println();
        System.out.println("| transport | watched streams | reader's connections | append → entry read, p50 µs | p99 µs"
                + " | most events/s | JVM CPU µs/event | redis-server CPU µs/event |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int i = 0; i < setups.size(); i++) {
            Setup setup = setups.get(i);
            List<Pass> runs = passes.get(i);
            System.out.printf("| %s | %,d | %s | %.0f | %.0f | %,.0f | %.1f | %.1f |%n", setup.name(), setup.streams(),
                    runs.get(0).connections(), median(runs, run -> percentile(run.delays(), 50) / 1e3),
                    median(runs, run -> percentile(run.delays(), 99) / 1e3), median(runs, Pass::eventsPerSecond),
                    median(runs, Pass::jvmMicros), median(runs, Pass::redisMicros));
        }
        System.out.println();
        System.out.printf("Each figure is the median of %d interleaved passes. Delays: %,d appends a pass at %,d/s, spread over the "
                + "streams; the rest: %,d appends a pass, as fast as they go. The JVM's CPU includes the writer's. "
                + "The machine's load average (1 min): %s before the passes, %s after.%n",
                PASSES, PACED_EVENTS, PACED_PER_SECOND, BURST, loadBefore, RedisBenchmark.loadAverage());
    }

    private static double median(List<Pass> runs, java.util.function.ToDoubleFunction<Pass> figure) {
        double[] values = runs.stream().mapToDouble(figure).sorted().toArray();
        return values[values.length / 2];
    }

    private static Pass measure(RedisClient client, RedisServer redis, StatefulRedisConnection<String, String> writer,
            Setup setup) throws Exception {
        String name = setup.name();
        int streams = setup.streams();
        String script = setup.script();
        String[] keys = new String[streams];
        for (int i = 0; i < streams; i++) {
            keys[i] = "bench:{s" + i + "}";
        }
        writer.sync().del(keys);
        Sink sink = new Sink();
        try (Reader reader = setup.factory().create(client, keys, sink)) {
            reader.start();
            Thread.sleep(300); // the blocking reads are in place (they would find the entries anyway: they read from 0)
            RedisAsyncCommands<String, String> redisAsync = writer.async();
            Semaphore window = new Semaphore(WINDOW);

            // The delay at a steady rate.
            sink.reset(PACED_EVENTS);
            long period = 1_000_000_000L / PACED_PER_SECOND;
            long next = System.nanoTime();
            for (int i = 0; i < PACED_EVENTS; i++) {
                LockSupport.parkNanos(next - System.nanoTime());
                next += period;
                append(redisAsync, script, keys[i % streams], window);
            }
            if (!sink.await(PACED_EVENTS, 30)) {
                throw new IllegalStateException(name + ": read " + sink.count.get() + " of " + PACED_EVENTS);
            }
            long[] delays = sink.delays.clone();
            Arrays.sort(delays);

            // As fast as they go.
            sink.reset(0);
            double jvmBefore = RedisBenchmark.jvmCpuSeconds();
            double redisBefore = RedisBenchmark.processCpuSeconds(redis.pid());
            long started = System.nanoTime();
            for (int i = 0; i < BURST; i++) {
                append(redisAsync, script, keys[i % streams], window);
            }
            if (!sink.await(BURST, 120)) {
                throw new IllegalStateException(name + ": read " + sink.count.get() + " of " + BURST);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            double jvm = RedisBenchmark.jvmCpuSeconds() - jvmBefore;
            double redisCpu = RedisBenchmark.processCpuSeconds(redis.pid()) - redisBefore;
            return new Pass(reader.connections(), delays, BURST / seconds, jvm * 1e6 / BURST, redisCpu * 1e6 / BURST);
        } finally {
            writer.sync().del(keys);
        }
    }

    private static void append(RedisAsyncCommands<String, String> redis, String script, String key, Semaphore window)
            throws InterruptedException {
        window.acquire();
        redis.<Long>evalsha(script, ScriptOutputType.INTEGER, new String[] {key}, Long.toString(System.nanoTime()), key + ":wake")
                .whenComplete((ok, failure) -> {
                    window.release();
                    if (failure != null) {
                        failure.printStackTrace();
                    }
                });
    }

    private static double percentile(long[] sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)];
    }
}
