package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.postsse.client.EventStreamCall;
import io.postsse.client.EventStreamClient;
import io.postsse.client.EventStreamListener;
import io.postsse.client.EventStreamRequest;
import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.server.RedisNodeApp.Sent;
import io.postsse.testing.FaultInjectingProxy;
import io.postsse.testing.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several real server processes ({@link RedisNodeApp}) sharing the streams' logs in one real
 * Redis: streams resumed through a round-robin balancer that cuts connections, so that a client
 * reconnects to another server than the one that runs its producer; a server killed by
 * {@code kill -9}; Redis stopped and started again; and the keys left in Redis.
 */
class SeveralServersTest {
    private static final long SEED = 20261127L;
    private static final int STREAMS = 720;
    private static final int CONCURRENT = 12;
    /** At least this many cuts must have happened, or the suite proved little. */
    private static final int MIN_CUTS = 1000;
    /** At least this many reconnections must have landed on each server for streams started on another. */
    private static final int MIN_CROSS_ATTACHES = 100;
    private static final String ID = "stream-id-for-several-servers";
    private static final long GRACE_MILLIS = 30_000;
    private static final long RETENTION_MILLIS = 300_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RedisServer redis;
    private final List<ChildProcess> nodes = new ArrayList<>();

    @TempDir
    Path logs;

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

    @BeforeEach
    void emptyRedis() throws IOException {
        redis.cli("FLUSHALL");
    }

    @AfterEach
    void stopNodes() throws InterruptedException {
        for (ChildProcess node : nodes) {
            node.close();
        }
    }

    /** Starts the servers, all at once, and returns their ports. */
    private List<Integer> startNodes(int count, long graceMillis, long retentionMillis) throws Exception {
        List<ChildProcess> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ChildProcess node = new ChildProcess(ChildProcess.java(RedisNodeApp.class.getName(), redis.url(),
                    Long.toString(graceMillis), Long.toString(retentionMillis)), logs.resolve("node-" + nodes.size() + ".log"));
            nodes.add(node);
            started.add(node);
        }
        List<Integer> ports = new ArrayList<>();
        for (ChildProcess node : started) {
            ports.add(node.awaitPort());
        }
        return ports;
    }

    private static String tick(int n) {
        return "id: " + ID + ":" + n + "\ndata: tick " + n + "\n\n";
    }

    private static String ticks(int from, int to) {
        StringBuilder out = new StringBuilder();
        for (int n = from; n <= to; n++) {
            out.append(tick(n));
        }
        return out.toString();
    }

    private static String producerLost(int seq) {
        return "event: error\nid: " + ID + ":" + seq + "\ndata: {\"type\":\"about:blank\",\"title\":\"Internal Server Error\","
                + "\"status\":500,\"detail\":\"" + RedisEventLog.PRODUCER_LOST + "\"}\n\n";
    }

    /** The body without its heartbeats (the comment lines {@code :}, one a second while no event comes). */
    private static String withoutHeartbeats(String body) {
        return body.replaceAll("(?m)^:\n\n", "");
    }

    private static final String END_FAILED = "event: postsse.end\ndata: failed\n\n";

    /** How many times each server ran each job's producer: {@code GET /runs}. */
    private static Map<String, Integer> runs(int port) throws Exception {
        return JSON.readValue(get(port, "/runs"), new TypeReference<Map<String, Integer>>() { });
    }

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    /** What one server says of its streams: whose producers it ran, and how often clients attached to each. */
    record NodeStreams(Set<String> started, Map<String, Integer> attached) {
        static NodeStreams of(int port) throws Exception {
            return JSON.readValue(SeveralServersTest.get(port, "/streams"), NodeStreams.class);
        }

        /** Attaches (by {@code Last-Event-ID}) this server served for streams whose producers ran on another. */
        int attachesFromElsewhere() {
            return attached.entrySet().stream().filter(entry -> !started.contains(entry.getKey()))
                    .mapToInt(Map.Entry::getValue).sum();
        }
    }

    /**
     * JVM client streams of jobs {@code from} to {@code to - 1} (job N is stream N), each recording
     * the events it receives, when it received an {@code error} event, and how it ended.
     */
    private static final class Streams {
        final int from;
        final List<List<Sent>> received = new ArrayList<>();
        final List<List<CloseReason>> closes = new ArrayList<>();
        final AtomicLongArray errorAt;
        final List<EventStreamCall> calls = new ArrayList<>();
        private final CountDownLatch underWay;

        /**
         * Opens the streams, all at once.
         *
         * @param body the JSON body of job N
         * @param underWayAfter how many events a stream must have received to count as under way
         */
        Streams(EventStreamClient client, URI uri, int from, int to, IntFunction<String> body, int underWayAfter) {
            this.from = from;
            this.errorAt = new AtomicLongArray(to - from);
            this.underWay = new CountDownLatch(to - from);
            for (int n = from; n < to; n++) {
                int index = n - from;
                List<Sent> events = new CopyOnWriteArrayList<>();
                List<CloseReason> closed = new CopyOnWriteArrayList<>();
                received.add(events);
                closes.add(closed);
                EventStreamRequest request = EventStreamRequest.post(uri).jsonBody(body.apply(n))
                        .maxRetries(30).retryDelay(Duration.ofMillis(1)).maxRetryDelay(Duration.ofMillis(5));
                calls.add(client.open(request, new EventStreamListener() {
                    @Override
                    public void onEvent(ServerSentEvent event) {
                        if ("error".equals(event.type())) {
                            errorAt.set(index, System.nanoTime());
                        }
                        events.add(new Sent(event.type(), event.data()));
                        if (events.size() == underWayAfter) {
                            underWay.countDown();
                        }
                    }

                    @Override
                    public void onClosed(CloseReason reason) {
                        if (events.size() < underWayAfter) {
                            underWay.countDown(); // ended before: waited for no longer
                        }
                        closed.add(reason);
                    }
                }));
            }
        }

        /** Waits, at most 30 s, until each stream received its first events (or ended). */
        void awaitUnderWay() throws InterruptedException {
            assertTrue(underWay.await(30, TimeUnit.SECONDS), "streams not under way within 30 s: " + underWay.getCount() + " left");
        }

        /** Waits, at most 30 s each, until every stream ended. */
        void awaitClosed() throws InterruptedException {
            for (EventStreamCall call : calls) {
                assertTrue(call.awaitClosed(Duration.ofSeconds(30)), "a stream did not end");
            }
        }

        List<Sent> received(int n) {
            return received.get(n - from);
        }

        List<CloseReason> closes(int n) {
            return closes.get(n - from);
        }
    }

    @Test
    void throughABalancerThatCutsEveryStreamEndsOnceExactWithItsProducerRunOnceOnOneServer() throws Exception {
        List<Integer> ports = startNodes(2, GRACE_MILLIS, RETENTION_MILLIS);
        try (FaultInjectingProxy balancer = FaultInjectingProxy.balancing(ports, SEED, 0.75, 2400, true).stalls(0.05, 40)) {
            EventStreamClient client = EventStreamClient.create();
            List<Streams> batches = new ArrayList<>();
            long started = System.nanoTime();
            for (int batch = 0; batch < STREAMS; batch += CONCURRENT) {
                Streams streams = new Streams(client, balancer.uri("/job"), batch, Math.min(STREAMS, batch + CONCURRENT),
                        n -> "{\"n\":" + n + "}", 1);
                streams.awaitClosed();
                batches.add(streams);
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            for (int n = 0; n < STREAMS; n++) {
                Streams streams = batches.get(n / CONCURRENT);
                assertEquals(List.of(CloseReason.COMPLETED), streams.closes(n), "stream " + n + " ends once, completed");
                // Each job's texts are its own: a server that served one stream's log for another would show.
                assertEquals(RedisNodeApp.jobEvents(n), streams.received(n), "stream " + n + " has its events, uncut, in order");
            }
            Map<String, Integer> total = new HashMap<>();
            List<Integer> producersPerServer = new ArrayList<>();
            List<NodeStreams> nodeStreams = new ArrayList<>();
            Set<String> startedAnywhere = new HashSet<>();
            for (int port : ports) {
                Map<String, Integer> onServer = runs(port);
                producersPerServer.add(onServer.size());
                onServer.forEach((n, count) -> total.merge(n, count, Integer::sum));
                NodeStreams streams = NodeStreams.of(port);
                nodeStreams.add(streams);
                startedAnywhere.addAll(streams.started());
            }
            for (int n = 0; n < STREAMS; n++) {
                assertEquals(1, total.getOrDefault(String.valueOf(n), 0), "the producer of stream " + n + " ran once, on one server");
            }
            assertEquals(STREAMS, startedAnywhere.size(), "each stream started on one server");
            List<Integer> attachesFromElsewhere = nodeStreams.stream().map(NodeStreams::attachesFromElsewhere).toList();
            int attaches = nodeStreams.stream().flatMap(node -> node.attached().values().stream()).mapToInt(Integer::intValue).sum();
            System.out.printf("Reliability (JVM client, %d servers on one Redis, round robin): %d streams, %d connections "
                    + "(%d and %d), %d cuts, %d stalls: %d exact, producers run %s per server, %d attaches, %s of them "
                    + "to streams started on the other server, in %d ms%n",
                    ports.size(), STREAMS, balancer.connections(), balancer.connections(0), balancer.connections(1),
                    balancer.cuts(), balancer.stalls(), STREAMS, producersPerServer, attaches, attachesFromElsewhere, millis);
            for (int i = 0; i < ports.size(); i++) {
                assertTrue(producersPerServer.get(i) > STREAMS / 4, "server " + i + " ran its share of producers");
                assertTrue(balancer.connections(i) > balancer.connections() / 4, "server " + i + " took its share of connections");
                assertTrue(attachesFromElsewhere.get(i) >= MIN_CROSS_ATTACHES, "server " + i + " resumed only "
                        + attachesFromElsewhere.get(i) + " streams whose producers ran on the other server");
            }
            assertTrue(balancer.cuts() >= MIN_CUTS, "only " + balancer.cuts() + " cuts");
        }
    }

    /**
     * Three servers behind the balancer that cuts; one is killed ({@code kill -9}) while streams run
     * on all three. The streams whose producers ran on it end, for their clients reconnected to the
     * others, with every event it logged, then the error saying the producer was lost; every other
     * stream, and every stream started after the death, ends exact; no producer runs twice, none
     * on the dead server after its death, and no client waits for ever.
     */
    @Test
    void aServerKilledBehindTheBalancerEndsItsStreamsWithProducerLostAndEveryOtherStreamExact() throws Exception {
        int streamCount = 24;
        int events = 40;
        int pauseMillis = 50; // each producer runs 2 s at least: those on the killed server are under way
        List<Integer> ports = startNodes(3, GRACE_MILLIS, RETENTION_MILLIS);
        IntFunction<String> body = n -> "{\"n\":" + n + ",\"events\":" + events + ",\"pauseMillis\":" + pauseMillis + "}";
        Streams before;
        Streams after;
        long killed;
        try (FaultInjectingProxy balancer = FaultInjectingProxy.balancing(ports, SEED + 1, 0.5, 2400, true)) {
            EventStreamClient client = EventStreamClient.create();
            before = new Streams(client, balancer.uri("/job"), 0, streamCount, body, 3);
            before.awaitUnderWay();
            killed = System.nanoTime();
            nodes.get(0).kill9();
            before.awaitClosed();
            // The balancer still sends every third connection to the dead server: refused, the client tries again.
            after = new Streams(client, balancer.uri("/job"), streamCount, 2 * streamCount, body, 1);
            after.awaitClosed();
            System.out.printf("A server killed behind the balancer: %d connections (%d, %d and %d), %d cuts%n",
                    balancer.connections(), balancer.connections(0), balancer.connections(1), balancer.connections(2),
                    balancer.cuts());
        }
        // Which server ran each producer: each prints "run N <id>" as its producer starts, the killed one too.
        Map<Integer, List<Integer>> ranOn = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            nodes.get(i).close();
            for (String line : nodes.get(i).outputAfterExit()) {
                if (line.startsWith("run ")) {
                    ranOn.computeIfAbsent(Integer.parseInt(line.split(" ")[1]), n -> new ArrayList<>()).add(i);
                }
            }
        }
        int lost = 0;
        long slowestMillis = 0;
        for (int n = 0; n < 2 * streamCount; n++) {
            Streams streams = n < streamCount ? before : after;
            List<Sent> expected = RedisNodeApp.jobEvents(n, events);
            List<Sent> received = streams.received(n);
            assertEquals(List.of(CloseReason.COMPLETED), streams.closes(n), "stream " + n + " ends once");
            List<Integer> servers = ranOn.getOrDefault(n, List.of());
            assertEquals(1, servers.size(), "the producer of stream " + n + " ran once, on one server: " + servers);
            if (servers.get(0) != 0 || received.equals(expected)) {
                assertEquals(expected, received, "stream " + n + " has its events, uncut, in order");
                continue;
            }
            assertTrue(n < streamCount, "no producer ran on the dead server after its death: stream " + n);
            int logged = received.size() - 1;
            assertTrue(logged >= 3 && logged <= events, "stream " + n + " has its first events, then the error: " + received);
            assertEquals(expected.subList(0, logged), received.subList(0, logged), "stream " + n + " has every event logged");
            Sent error = received.get(logged);
            assertEquals("error", error.type());
            JsonNode problem = JSON.readTree(error.data());
            assertEquals(500, problem.path("status").asInt(), error.data());
            assertEquals(RedisEventLog.PRODUCER_LOST, problem.path("detail").asText(), error.data());
            lost++;
            slowestMillis = Math.max(slowestMillis, TimeUnit.NANOSECONDS.toMillis(before.errorAt.get(n) - killed));
        }
        long onKilled = ranOn.values().stream().filter(servers -> servers.get(0) == 0).count();
        System.out.printf("A server killed behind the balancer: %d of its %d producers lost (the others had ended), "
                + "the last error %d ms after kill -9%n", lost, onKilled, slowestMillis);
        assertTrue(lost >= streamCount / 6, "only " + lost + " streams ended with their producer lost");
        // The requirement is 5 s for a reader; this one is behind a balancer and a client that reconnects,
        // on a two-core machine running four JVMs: a second more for that.
        assertTrue(slowestMillis <= 6_000, "a client learned that the producer was lost " + slowestMillis + " ms after kill -9");
    }

    @Test
    void aServerKilledMidStreamEndsItsStreamWithProducerLostForReadersOnAnotherServer() throws Exception {
        List<Integer> ports = startNodes(2, GRACE_MILLIS, RETENTION_MILLIS);
        int nodeA = ports.get(0);
        int nodeB = ports.get(1);
        try (RawHttp post = RawHttp.send(nodeA, "POST", "/ticks", "{}", "Postsse-Stream", ID)) {
            assertEquals(200, post.status());
            post.readUntil(tick(3));
        }
        try (RawHttp get = RawHttp.send(nodeB, "GET", "/ticks", null, "Last-Event-ID", ID + ":1")) {
            assertEquals(200, get.status());
            get.readUntil(tick(3));
            long killed = System.nanoTime();
            nodes.get(0).kill9();
            String body = get.readUntil("event: error");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            assertTrue(millis <= 5_000, "the reader learned that the producer was lost within 5 s, not " + millis + " ms");
            java.util.regex.Matcher ticked = java.util.regex.Pattern.compile("data: tick (\\d+)\n").matcher(body);
            int last = 0;
            while (ticked.find()) {
                last = Integer.parseInt(ticked.group(1));
            }
            assertEquals(ticks(2, last) + producerLost(last + 1) + END_FAILED, withoutHeartbeats(get.readToEnd()),
                    "every tick logged, then the error, then the end: failed, never completed");
            try (RawHttp again = RawHttp.send(nodeB, "GET", "/ticks", null, "Last-Event-ID", ID + ":0")) {
                assertEquals(ticks(1, last) + producerLost(last + 1) + END_FAILED, withoutHeartbeats(again.readToEnd()),
                        "a later attach reads the stream, then the same error");
            }
            System.out.printf("Producer lost: a reader on another server learned it %d ms after kill -9%n", millis);
        }
        assertEveryKeyExpires();
    }

    @Test
    void redisStoppedAndStartedAgainMidRunCutsReadersAnswers503ThenWorksWithNoRestart() throws Exception {
        List<Integer> ports = startNodes(2, GRACE_MILLIS, RETENTION_MILLIS);
        try (RawHttp post = RawHttp.send(ports.get(0), "POST", "/ticks", "{}", "Postsse-Stream", ID)) {
            assertEquals(200, post.status());
            post.readUntil(tick(2));
            RawHttp get = RawHttp.send(ports.get(1), "GET", "/ticks", null, "Last-Event-ID", ID + ":0");
            assertEquals(200, get.status());
            get.readUntil(tick(2));
            redis.kill();
            try {
                // RawHttp's read timeout (20 s) bounds the waits: a reader left waiting fails the test.
                assertTrue(post.readToCut().startsWith(ticks(1, 2)), "cut, no end: the client attaches again");
                assertTrue(get.readToCut().startsWith(ticks(1, 2)));
                get.close();
                for (int port : ports) {
                    try (RawHttp refused = RawHttp.send(port, "POST", "/job", "{\"n\":1}")) {
                        assertTrue(refused.problem(503).contains("unavailable"));
                        assertEquals("1", refused.header("Retry-After"));
                    }
                }
            } finally {
                redis.restart();
            }
        }
        for (int port : ports) { // no restart of the servers: their connections come back by themselves
            String id = ID + "-after-" + port;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                try (RawHttp post = RawHttp.send(port, "POST", "/job", "{\"n\":" + port + "}", "Postsse-Stream", id)) {
                    if (post.status() == 200 && post.readToCloseEndedNormally()) {
                        assertEquals(job(id, RedisNodeApp.jobEvents(port)) + "event: postsse.end\ndata: completed\n\n",
                                withoutHeartbeats(post.body()), "the whole stream, from a server that lost Redis for a while");
                        break;
                    }
                }
                assertTrue(System.nanoTime() < deadline, "Redis is back, yet the server on port " + port + " starts no stream");
                Thread.sleep(50); // the reconnection under way
            }
        }
    }

    /** A job's events as a resumable stream sends them: type, id, one {@code data:} field per line. */
    private static String job(String id, List<Sent> events) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < events.size(); i++) {
            out.append("event: ").append(events.get(i).type()).append("\nid: ").append(id).append(':').append(i + 1).append('\n');
            for (String line : events.get(i).data().split("\n", -1)) {
                out.append(line.isEmpty() ? "data:\n" : "data: " + line + "\n");
            }
            out.append('\n');
        }
        return out.toString();
    }

    @Test
    void noKeyOutlivesTheRetention() throws Exception {
        long retentionMillis = 1_000;
        List<Integer> ports = startNodes(2, 500, retentionMillis);
        for (int i = 0; i < 4; i++) {
            try (RawHttp post = RawHttp.send(ports.get(i % 2), "POST", "/job", "{\"n\":" + i + "}")) {
                assertTrue(post.readToEnd().endsWith("event: postsse.end\ndata: completed\n\n"));
            }
        }
        try (RawHttp post = RawHttp.send(ports.get(0), "POST", "/ticks", "{}", "Postsse-Stream", ID)) {
            post.readUntil(tick(2));
            assertEveryKeyExpires(); // while a stream runs, too
            try (RawHttp stop = RawHttp.send(ports.get(1), "DELETE", "/ticks", null, "Postsse-Stream", ID)) {
                assertEquals(204, stop.status());
            }
            assertTrue(post.readToEnd().endsWith("event: postsse.end\ndata: cancelled\n\n"), "stopped through the other server");
        }
        try (RawHttp stopped = RawHttp.send(ports.get(1), "DELETE", "/ticks", null, "Postsse-Stream", ID + "-never")) {
            assertEquals(204, stopped.status()); // a tombstone: a key too
        }
        assertEveryKeyExpires();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retentionMillis + 5_000);
        while (!streamKeys().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "keys outlived the retention: " + streamKeys());
            Thread.sleep(100); // Redis's clock
        }
    }

    /** Every key in Redis has an expiry: none is kept for ever. */
    private static void assertEveryKeyExpires() throws IOException {
        for (String key : allKeys()) {
            long ttl = Long.parseLong(redis.cli("PTTL", key));
            assertTrue(ttl > 0 || ttl == -2, key + " has no expiry: " + ttl); // -2: expired meanwhile
        }
    }

    private static List<String> allKeys() throws IOException {
        String scan = redis.cli("--scan");
        return scan.isEmpty() ? List.of() : List.of(scan.split("\n"));
    }

    /** The keys of streams: all but the servers' leases, which each server keeps while it lives. */
    private static List<String> streamKeys() throws IOException {
        return allKeys().stream().filter(key -> !key.startsWith("postsse:node:")).toList();
    }
}
