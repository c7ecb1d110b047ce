package io.postsse.bench.resumable;

import io.javalin.Javalin;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.postsse.server.EventEmitter;
import io.postsse.server.PostSse;
import io.postsse.testing.RedisServer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Resumable streams with the event log on Redis against the in-memory log, in one run: one
 * stream's throughput, emit → client latency with the reader on another server than the
 * producer's, how many live streams one server holds, Redis's memory per retained stream, stop →
 * cancel with the {@code DELETE} sent to another server, and (in {@link RedisTransportBenchmark})
 * how live events should travel between servers. Prints Markdown tables.
 *
 * <p>It starts its own {@code redis-server} (no persistence) and three servers in this JVM:
 * "nodes" A and B, each with its own {@code RedisEventLog} on that Redis (its own connections, as
 * two machines would have), and one with the in-memory log. Run by {@code bench/resumable.sh}
 * (mode {@code redis}, or {@code redis-throughput}, {@code redis-latency}, {@code redis-stop},
 * {@code redis-memory}, {@code redis-concurrency}, {@code redis-transport} alone); not a test.
 */
final class RedisBenchmark {
    private static final String CHAT_WORDS = "the sky is blue because air scatters short wavelengths of sunlight more than long ones";
    private static final int CHAT_EVENTS = 2000;
    /** A cross-node stop that has not cancelled the producer by then counts as timed out. */
    private static final long STOP_TIMEOUT_MILLIS = 1000;
    /** Stop measuring cross-node stops after this many timeouts in a row: the feature is missing. */
    private static final int STOP_TIMEOUTS_IN_A_ROW = 10;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A request body: how many events, of what size (0: a chat token), how far apart, after what wait. */
    record Job(int events, int size, int intervalMs, int waitMs) {
        String json() {
            return "{\"events\":" + events + ",\"size\":" + size + ",\"intervalMs\":" + intervalMs + ",\"waitMs\":" + waitMs + "}";
        }
    }

    /** A silent producer's progress, by its stream id, which the client proposes. */
    private static final class Silent {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);
        volatile long cancelledAt;
        volatile long interruptedAt;
    }

    private static final ConcurrentHashMap<String, Silent> SILENT = new ConcurrentHashMap<>();

    private RedisBenchmark() {
    }

    // ---- the nodes ----

    /** One server: with the in-memory log (no URL), or with a RedisEventLog of its own. */
    private static final class Node implements AutoCloseable {
        final String name;
        final Javalin app;

        Node(String name, String redisUrl) {
            this.name = name;
            this.app = Javalin.create(config -> {
                config.startup.showJavalinBanner = false;
                config.concurrency.useVirtualThreads = Runtime.version().feature() >= 21;
                config.jetty.modifyServer(server -> server.setStopTimeout(0));
                PostSse.install(config, sse -> {
                    sse.heartbeat = Duration.ofSeconds(15);
                    sse.maxEventsPerStream = 10_000_000;
                    // The load comes from one loopback client: lift the limits meant for the internet.
                    sse.maxStreams = 1_000_000;
                    sse.maxStreamsPerClient = 1_000_000;
                    sse.producerThreads = 100_000;
                    sse.maxStreamDuration = null;
                    sse.maxBytesPerStream = 1L << 31;
                    sse.maxLogBytes = 8L << 30; // the in-memory log's budget; Redis keeps its own
                    sse.retention = Duration.ofMinutes(10);
                    sse.redisUrl = redisUrl;
                    sse.post("/r/tokens", Job.class, RedisBenchmark::tokens).resumable();
                    sse.post("/r/timed", Job.class, RedisBenchmark::timed).resumable();
                    sse.post("/r/chat", Job.class, RedisBenchmark::chat).resumable();
                    sse.post("/r/silent", Job.class, RedisBenchmark::silent).resumable();
                });
            }).start("127.0.0.1", 0);
        }

        int port() {
            return app.port();
        }

        @Override
        public void close() {
            app.stop();
        }
    }

    // ---- the producers ----

    /** Chat tokens, {@code {"text":" word"}}, or events of {@code size} bytes, as fast as they go. */
    private static void tokens(Job job, EventEmitter events) {
        String[] words = CHAT_WORDS.split(" ");
        String[] tokens = new String[words.length];
        for (int i = 0; i < words.length; i++) {
            tokens[i] = "{\"text\":\" " + words[i] + "\"}";
        }
        String large = "x".repeat(Math.max(0, job.size()));
        for (int i = 0; i < job.events(); i++) {
            events.send("token", job.size() > 0 ? large : tokens[i % tokens.length]);
        }
    }

    /** After {@code waitMs}, events {@code intervalMs} apart, each carrying its send time ({@link System#nanoTime()}). */
    private static void timed(Job job, EventEmitter events) throws InterruptedException {
        String padding = job.size() > 0 ? " " + "x".repeat(job.size()) : "";
        if (job.waitMs() > 0) {
            Thread.sleep(job.waitMs());
        }
        for (int i = 0; i < job.events(); i++) {
            if (i > 0 && job.intervalMs() > 0) {
                Thread.sleep(job.intervalMs());
            }
            events.send("t", System.nanoTime() + padding);
        }
    }

    /** A chat reply, as the in-memory section's: {@code {"text":" word"}} objects, sent as JSON. */
    private static void chat(Job job, EventEmitter events) {
        String[] words = CHAT_WORDS.split(" ");
        for (int i = 0; i < job.events(); i++) {
            events.send("token", Map.of("text", " " + words[i % words.length]));
        }
    }

    /** Sends nothing: sleeps until it is cancelled, noting when its cancel callback ran and when it was interrupted. */
    private static void silent(Job job, EventEmitter events) {
        Silent silent = SILENT.get(events.streamId());
        events.onCancel(() -> silent.cancelledAt = System.nanoTime());
        silent.started.countDown();
        try {
            Thread.sleep(120_000);
        } catch (InterruptedException e) {
            silent.interruptedAt = System.nanoTime();
            silent.interrupted.countDown();
        }
    }

    // ---- the run ----

    static void run(int rounds, String mode, int liveStreams) throws Exception {
        boolean all = mode.equals("redis");
        try (RedisServer redis = RedisServer.start()) {
            RedisClient client = RedisClient.create(redis.url());
            StatefulRedisConnection<String, String> admin = client.connect();
            Node memory = new Node("in memory", null);
            Node a = new Node("A", redis.url());
            Node b = new Node("B", redis.url());
            try {
                System.out.println();
                System.out.println("redis-server " + info(admin.sync(), "server", "redis_version")
                        + " on loopback, without persistence, started by the benchmark. Nodes A and B are two servers in one JVM, "
                        + "each with its own `RedisEventLog` (a command connection and a pub/sub connection) on that Redis; "
                        + "the in-memory node is a third, with the default log. JDK " + Runtime.version().feature()
                        + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + LocalDate.now(ZoneOffset.UTC)
                        + "; the machine's load average (1 min) at the start: " + loadAverage() + ".");
                if (all || mode.equals("redis-throughput")) {
                    throughput(memory, a, b);
                }
                if (all || mode.equals("redis-latency")) {
                    latency(memory, a, b, rounds);
                }
                if (all || mode.equals("redis-stop")) {
                    stop(memory, a, b, rounds);
                }
                if (all || mode.equals("redis-memory")) {
                    memory(memory, a, admin.sync());
                }
                if (all || mode.equals("redis-concurrency")) {
                    concurrency(memory, a, redis, liveStreams);
                }
            } finally {
                b.close();
                a.close();
                memory.close();
            }
            if (all || mode.equals("redis-transport")) {
                admin.sync().flushall();
                RedisTransportBenchmark.run(client, redis);
            }
            admin.close();
            client.shutdown();
        }
    }

    // ---- 1. throughput ----

    private static void throughput(Node memory, Node a, Node b) throws Exception {
        System.out.println();
        System.out.println("### Redis: single-stream throughput, in memory against Redis, read on the producer's node or another, median of 5");
        System.out.println();
        System.out.println("| events | log | read on | events/s | MB/s on the wire | events/s against in memory |");
        System.out.println("|---|---|---|---|---|---|");
        throughput(memory, a, b, new Job(10_000, 0, 0, 0), "10,000 chat tokens");
        throughput(memory, a, b, new Job(5_000, 1024, 0, 0), "5,000 of 1 KiB");
    }

    private static void throughput(Node memory, Node a, Node b, Job job, String label) throws Exception {
        drainPost(memory, job); // warm-up
        drainPost(a, job);
        drainElsewhere(a, b, job);
        double[][] inMemory = new double[5][];
        double[][] sameNode = new double[5][];
        double[][] otherNode = new double[5][];
        for (int i = 0; i < 5; i++) { // alternated, so that a noisy moment hits all
            inMemory[i] = drainPost(memory, job);
            sameNode[i] = drainPost(a, job);
            otherNode[i] = drainElsewhere(a, b, job);
        }
        double[] m = median(inMemory);
        throughputRow(label, "in memory", "the producer's node", job.events(), m, m);
        throughputRow(label, "Redis", "the producer's node (A)", job.events(), median(sameNode), m);
        throughputRow(label, "Redis", "another node (B, GET from `<id>:0`)", job.events(), median(otherNode), m);
    }

    private static double[] median(double[][] runs) {
        double[][] sorted = runs.clone();
        Arrays.sort(sorted, (x, y) -> Double.compare(x[0], y[0]));
        return sorted[sorted.length / 2];
    }

    private static void throughputRow(String label, String log, String readOn, int events, double[] run, double[] memory) {
        System.out.printf("| %s | %s | %s | %,.0f | %.1f | %.2f× |%n", label, log, readOn, events / run[0],
                run[1] / run[0] / 1e6, memory[0] / run[0]);
    }

    /** POSTs the job and reads the stream to its end: seconds from the request to the end, and bytes read. */
    private static double[] drainPost(Node node, Job job) throws IOException {
        long started = System.nanoTime();
        try (Exchange stream = Exchange.send(node.port(), "POST", "/r/tokens", job.json(), null, null)) {
            long bytes = stream.drain();
            return new double[] {(System.nanoTime() - started) / 1e9, bytes};
        }
    }

    /** POSTs the job to one node and, once it is started, reads it whole from another: the producer's node is left at once. */
    private static double[] drainElsewhere(Node producer, Node reader, Job job) throws IOException {
        String id = newId();
        long started = System.nanoTime();
        Exchange.send(producer.port(), "POST", "/r/tokens", job.json(), id, null).close();
        try (Exchange stream = Exchange.send(reader.port(), "GET", "/r/tokens", null, null, id + ":0")) {
            long bytes = stream.drain();
            return new double[] {(System.nanoTime() - started) / 1e9, bytes};
        }
    }

    // ---- 2. emit → client latency ----

    private static void latency(Node memory, Node a, Node b, int events) throws Exception {
        int half = Math.max(50, events / 2);
        Job job = new Job(half, 0, 10, 300);
        Job warmUp = new Job(100, 0, 2, 300);
        latencyRun(memory, null, warmUp);
        latencyRun(a, null, warmUp);
        latencyRun(a, b, warmUp);
        List<double[]> inMemory = new ArrayList<>();
        List<double[]> sameNode = new ArrayList<>();
        List<double[]> otherNode = new ArrayList<>();
        for (int i = 0; i < 2; i++) { // interleaved halves
            inMemory.add(latencyRun(memory, null, job));
            sameNode.add(latencyRun(a, null, job));
            otherNode.add(latencyRun(a, b, job));
        }
        System.out.println();
        System.out.println("### Redis: emit → client latency, the producer's send → the event read by the client, 100 events/s");
        System.out.println();
        System.out.println("| log | producer | reader | events | median ms | p90 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        latencyRow("in memory", "node", "the same node (POST)", inMemory);
        latencyRow("Redis", "node A", "node A (POST)", sameNode);
        latencyRow("Redis", "node A", "node B (GET, `Last-Event-ID`)", otherNode);
    }

    private static void latencyRow(String log, String producer, String reader, List<double[]> runs) {
        double[] all = runs.stream().flatMapToDouble(Arrays::stream).toArray();
        System.out.println("| " + log + " | " + producer + " | " + reader + " | " + all.length + " | "
                + ResumableBenchmark.summary(all) + " |");
    }

    /** One timed stream started on {@code producer} and read there, or on {@code reader}: each event's delay, ms. */
    private static double[] latencyRun(Node producer, Node reader, Job job) throws IOException {
        String id = newId();
        Exchange stream;
        if (reader == null) {
            stream = Exchange.send(producer.port(), "POST", "/r/timed", job.json(), id, null);
        } else {
            Exchange.send(producer.port(), "POST", "/r/timed", job.json(), id, null).close();
            stream = Exchange.send(reader.port(), "GET", "/r/timed", null, null, id + ":0");
        }
        double[] delays = new double[job.events()];
        int[] count = {0};
        try (stream) {
            stream.lines(line -> {
                if (line.startsWith("data: ") && line.length() > 6 && Character.isDigit(line.charAt(6))) {
                    long now = System.nanoTime();
                    if (count[0] < delays.length) {
                        delays[count[0]++] = (now - parseLeadingLong(line, 6)) / 1e6;
                    }
                }
            });
        }
        if (count[0] != delays.length) {
            throw new IllegalStateException("read " + count[0] + " of " + delays.length + " events");
        }
        return delays;
    }

    static long parseLeadingLong(String text, int from) {
        long value = 0;
        for (int i = from; i < text.length() && Character.isDigit(text.charAt(i)); i++) {
            value = value * 10 + (text.charAt(i) - '0');
        }
        return value;
    }

    // ---- 3. stop → cancel ----

    private static void stop(Node memory, Node a, Node b, int rounds) throws Exception {
        for (int i = 0; i < 20; i++) { // warm-up
            stopRound(memory, memory);
            stopRound(a, a);
        }
        StopRow inMemory = new StopRow();
        StopRow sameNode = new StopRow();
        StopRow otherNode = new StopRow();
        boolean crossNodeGivenUp = false;
        for (int round = 0; round < rounds; round++) {
            inMemory.add(stopRound(memory, memory));
            sameNode.add(stopRound(a, a));
            if (!crossNodeGivenUp) {
                otherNode.add(stopRound(a, b));
                crossNodeGivenUp = otherNode.timeoutsInARow >= STOP_TIMEOUTS_IN_A_ROW && otherNode.callback.isEmpty();
            }
        }
        System.out.println();
        System.out.println("### Redis: stop → cancel, the `DELETE` sent → the producer's cancel callback ran, or its thread was interrupted");
        System.out.println();
        System.out.println("| log | producer | `DELETE` to | rounds | timed out (" + STOP_TIMEOUT_MILLIS
                + " ms) | until | median ms | p90 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        inMemory.print("in memory", "node", "the same node");
        sameNode.print("Redis", "node A", "node A");
        otherNode.print("Redis", "node A", "node B");
        if (crossNodeGivenUp) {
            System.out.println();
            System.out.println("Across nodes: given up after " + STOP_TIMEOUTS_IN_A_ROW + " rounds in a row in which a `DELETE` on"
                    + " node B did not cancel node A's producer within " + STOP_TIMEOUT_MILLIS + " ms (each then stopped by a"
                    + " `DELETE` on node A).");
        }
    }

    /** The rounds of one kind of stop: the milliseconds until the cancel callback and the interrupt, and the timeouts. */
    private static final class StopRow {
        final List<Double> callback = new ArrayList<>();
        final List<Double> interrupt = new ArrayList<>();
        int rounds;
        int timeouts;
        int timeoutsInARow;

        void add(double[] round) {
            rounds++;
            if (round == null) {
                timeouts++;
                timeoutsInARow++;
                return;
            }
            timeoutsInARow = 0;
            callback.add(round[0]);
            interrupt.add(round[1]);
        }

        void print(String log, String producer, String to) {
            String head = "| " + log + " | " + producer + " | " + to + " | " + rounds + " | " + timeouts + " | ";
            System.out.println(head + "cancel callback | " + summary(callback) + " |");
            System.out.println(head + "producer interrupted | " + summary(interrupt) + " |");
        }

        private static String summary(List<Double> millis) {
            if (millis.isEmpty()) {
                return "— | — | — | —";
            }
            return ResumableBenchmark.summary(millis.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    /**
     * Starts a silent stream on {@code producer} and stops it with a DELETE to {@code stopper}: the
     * milliseconds until its cancel callback ran and until it was interrupted; null when that took
     * longer than {@link #STOP_TIMEOUT_MILLIS} (then it is stopped on its own node).
     */
    private static double[] stopRound(Node producer, Node stopper) throws Exception {
        String id = newId();
        Silent silent = new Silent();
        SILENT.put(id, silent);
        try (Exchange stream = Exchange.send(producer.port(), "POST", "/r/silent", new Job(0, 0, 0, 0).json(), id, null)) {
            if (!silent.started.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the producer did not start");
            }
            long sent = System.nanoTime();
            delete(stopper, "/r/silent", id);
            if (!silent.interrupted.await(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                delete(producer, "/r/silent", id);
                if (!silent.interrupted.await(5, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("a DELETE on the producer's own node did not cancel it within 5 s");
                }
                return null;
            }
            return new double[] {(silent.cancelledAt - sent) / 1e6, (silent.interruptedAt - sent) / 1e6};
        } finally {
            SILENT.remove(id);
        }
    }

    private static void delete(Node node, String path, String streamId) throws Exception {
        HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .header("Postsse-Stream", streamId).DELETE().build(), HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() != 204) {
            throw new IllegalStateException("the stop was answered " + response.statusCode());
        }
    }

    // ---- 4. memory per retained stream ----

    private static void memory(Node memory, Node a, RedisCommands<String, String> redis) throws Exception {
        int streams = 200;
        int redisStreams = 100; // 200,000 appends, each a round trip: half a minute or so
        Job reply = new Job(CHAT_EVENTS, 0, 0, 0);
        Exchange.send(memory.port(), "POST", "/r/chat", reply.json(), null, null).drain(); // warm-up, outside the count
        Exchange.send(a.port(), "POST", "/r/chat", reply.json(), null, null).drain();

        long heapBefore = usedHeapAfterGc();
        long wire = 0;
        for (int i = 0; i < streams; i++) {
            try (Exchange stream = Exchange.send(memory.port(), "POST", "/r/chat", reply.json(), null, null)) {
                wire += stream.drainBody();
            }
        }
        long heapAfter = usedHeapAfterGc();
        double memoryHeap = (heapAfter - heapBefore) / (double) streams;
        double memoryWire = wire / (double) streams;

        long usedBefore = Long.parseLong(info(redis, "memory", "used_memory"));
        long redisHeapBefore = usedHeapAfterGc();
        List<String> ids = new ArrayList<>();
        List<Future<Long>> replies = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < redisStreams; i++) {
                String id = newId();
                ids.add(id);
                replies.add(clients.submit(() -> {
                    try (Exchange stream = Exchange.send(a.port(), "POST", "/r/chat", reply.json(), id, null)) {
                        return stream.drainBody();
                    }
                }));
            }
            wire = 0;
            for (Future<Long> bytes : replies) {
                wire += bytes.get(5, TimeUnit.MINUTES);
            }
        } finally {
            clients.shutdown();
        }
        long redisHeapAfter = usedHeapAfterGc();
        long usedAfter = Long.parseLong(info(redis, "memory", "used_memory"));
        long streamKeys = 0;
        long metaKeys = 0;
        for (String id : ids) {
            streamKeys += memoryUsage(redis, "postsse:{" + id + "}");
            metaKeys += memoryUsage(redis, "postsse:{" + id + "}:meta");
        }
        double redisWire = wire / (double) redisStreams;
        double usage = (streamKeys + metaKeys) / (double) redisStreams;
        System.out.println();
        System.out.println("### Redis: memory per retained stream, an ended " + String.format("%,d", CHAT_EVENTS)
                + "-event chat reply, in memory against Redis");
        System.out.println();
        System.out.println("| log | streams | JVM heap per stream | Redis: `MEMORY USAGE` of its two keys | Redis: `used_memory` per stream"
                + " | its events on the wire | store against wire |");
        System.out.println("|---|---|---|---|---|---|---|");
        System.out.printf("| in memory | %d | %,.0f bytes | — | — | %,.0f bytes | %.2f× |%n", streams, memoryHeap, memoryWire,
                memoryHeap / memoryWire);
        System.out.printf("| Redis | %d | %,.0f bytes | %,.0f bytes | %,.0f bytes | %,.0f bytes | %.2f× |%n", redisStreams,
                (redisHeapAfter - redisHeapBefore) / (double) redisStreams, usage, (usedAfter - usedBefore) / (double) redisStreams,
                redisWire, usage / redisWire);
        System.out.println();
        System.out.printf("Of Redis's `MEMORY USAGE` (`SAMPLES 0`, exact) per stream: %,.0f bytes for the stream `postsse:{<id>}`, "
                + "%,.0f for its hash `postsse:{<id>}:meta`.%n", streamKeys / (double) redisStreams, metaKeys / (double) redisStreams);
    }

    private static long memoryUsage(RedisCommands<String, String> redis, String key) {
        Long bytes = redis.dispatch(CommandType.MEMORY, new IntegerOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).add("USAGE").addKey(key).add("SAMPLES").add(0));
        if (bytes == null) {
            throw new IllegalStateException("Redis does not hold " + key);
        }
        return bytes;
    }

    static String info(RedisCommands<String, String> redis, String section, String field) {
        for (String line : redis.info(section).split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new IllegalStateException("no " + field + " in INFO " + section);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(200); // let the collector settle: a measurement, not a synchronisation
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    // ---- 5. concurrent live streams ----

    private static void concurrency(Node memory, Node a, RedisServer redis, int streams) throws Exception {
        int eventsEach = 20;
        int openPerSecond = Math.max(100, streams / 10);
        Job job = new Job(eventsEach, 16, 1000, 0);
        LiveLoad.run(memory.port(), "/r/timed", new Job(3, 16, 100, 0).json(), 200, 1000, 3, 30); // warm-up
        LiveLoad.run(a.port(), "/r/timed", new Job(3, 16, 100, 0).json(), 200, 1000, 3, 30);
        System.out.println();
        System.out.printf("### Redis: live streams on one node, %,d resumable streams opened at %,d/s over HTTP/1.1, "
                + "each %d events 1 s apart (16-byte events), in memory against Redis%n", streams, openPerSecond, eventsEach);
        System.out.println();
        System.out.println("| log | streams | held to the end | failed | events/s over the run | delay p50 ms | delay p99 ms | delay max ms"
                + " | delay p99 ms once all were open | JVM CPU (server and clients) | redis-server CPU"
                + " | load average (1 min) at the end |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Node node : List.of(memory, a)) {
            System.gc();
            double jvmBefore = jvmCpuSeconds();
            double redisBefore = processCpuSeconds(redis.pid());
            LiveLoad.Result result = LiveLoad.run(node.port(), "/r/timed", job.json(), streams, openPerSecond, eventsEach,
                    streams / openPerSecond + eventsEach + 60);
            double jvm = jvmCpuSeconds() - jvmBefore;
            double redisCpu = processCpuSeconds(redis.pid()) - redisBefore;
            System.out.printf("| %s | %,d | %,d | %,d | %,.0f | %.1f | %.1f | %.1f | %.1f | %.0f%% of a core | %s | %s |%n",
                    node.name.equals("in memory") ? "in memory" : "Redis", streams, result.completed(), result.failed(),
                    result.events() / result.seconds(), result.percentileMillis(50), result.percentileMillis(99),
                    result.percentileMillis(100), result.allOpenPercentileMillis(99), 100 * jvm / result.seconds(),
                    node.name.equals("in memory") ? "—" : String.format("%.0f%% of a core", 100 * redisCpu / result.seconds()),
                    loadAverage());
        }
    }

    /**
     * The machine's load average over the last minute, this benchmark included: what else ran
     * meanwhile (the machines are shared), for the reader to weigh the tails by.
     */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    static double jvmCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    /** A process's user and system CPU time so far, from {@code /proc/<pid>/stat} (in ticks of 1/100 s). */
    static double processCpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    // ---- raw HTTP/1.1 ----

    /** A fresh stream id, as postsse's clients propose one: 128 random bits, base64url. */
    static String newId() {
        byte[] bits = new byte[16];
        RANDOM.nextBytes(bits);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }

    /** One request on its own connection, whose response head was read (a 200); the body is left to read. */
    private static final class Exchange implements AutoCloseable {
        final Socket socket;
        final InputStream in;

        private Exchange(Socket socket, InputStream in) {
            this.socket = socket;
            this.in = in;
        }

        static Exchange send(int port, String method, String path, String body, String streamId, String lastEventId)
                throws IOException {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            try {
                socket.setTcpNoDelay(true);
                ResumableBenchmark.write(socket, method, path, body, lastEventId, streamId);
                InputStream in = new BufferedInputStream(socket.getInputStream(), 65536);
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                int matched = 0;
                while (matched < 4) {
                    int b = in.read();
                    if (b < 0) {
                        throw new IOException("the connection closed in the response head: " + head);
                    }
                    head.write(b);
                    matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
                }
                String text = head.toString(StandardCharsets.ISO_8859_1);
                if (!text.startsWith("HTTP/1.1 200")) {
                    throw new IOException(method + " " + path + " was answered " + text.lines().findFirst().orElse(""));
                }
                return new Exchange(socket, in);
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        /** Reads the body to the connection's close; its bytes (chunk framing included). Fails without the end marker. */
        long drain() throws IOException {
            byte[] buffer = new byte[65536];
            long bytes = 0;
            String tail = "";
            boolean ended = false;
            int read;
            while ((read = in.read(buffer)) >= 0) {
                bytes += read;
                String window = tail + new String(buffer, 0, read, StandardCharsets.ISO_8859_1);
                ended |= window.contains("event: postsse.end");
                tail = window.substring(Math.max(0, window.length() - 32));
            }
            if (!ended) {
                throw new IOException("the stream ended without its end marker");
            }
            return bytes;
        }

        /** Reads the body to its end; the bytes of its events, without the chunk framing. */
        long drainBody() throws IOException {
            long[] bytes = {0};
            lines(line -> {
                if (line.startsWith("event:") || line.startsWith("id:") || line.startsWith("data:") || line.isEmpty()) {
                    bytes[0] += line.length() + 1;
                }
            });
            return bytes[0];
        }

        /** Calls back with each line of the body as it arrives (chunk framing lines too), to the connection's close. */
        void lines(java.util.function.Consumer<String> onLine) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream(128);
            boolean ended = false;
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.UTF_8);
                    if (text.endsWith("\r")) { // chunk framing: not part of an event
                        line.reset();
                        continue;
                    }
                    ended |= text.equals("event: postsse.end");
                    onLine.accept(text);
                    line.reset();
                } else {
                    line.write(b);
                }
            }
            if (!ended) {
                throw new IOException("the stream ended without its end marker");
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
