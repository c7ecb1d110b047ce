package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.postsse.client.EventStreamCall;
import io.postsse.client.EventStreamClient;
import io.postsse.client.EventStreamListener;
import io.postsse.client.EventStreamRequest;
import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/runs")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return JSON.readValue(response.body(), new TypeReference<Map<String, Integer>>() { });
    }

    @Test
    void throughABalancerThatCutsEveryStreamEndsOnceExactWithItsProducerRunOnceOnOneServer() throws Exception {
        List<Integer> ports = startNodes(2, GRACE_MILLIS, RETENTION_MILLIS);
        StringBuilder uncut = new StringBuilder();
        for (int i = 0; i < RedisNodeApp.JOB_EVENTS; i++) {
            uncut.append(RedisNodeApp.token(i));
        }
        try (FaultInjectingProxy balancer = FaultInjectingProxy.balancing(ports, SEED, 0.75, 2400, true).stalls(0.05, 40)) {
            EventStreamClient client = EventStreamClient.create();
            String[] texts = new String[STREAMS];
            List<List<CloseReason>> closes = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                closes.add(new CopyOnWriteArrayList<>());
            }
            long started = System.nanoTime();
            for (int batch = 0; batch < STREAMS; batch += CONCURRENT) {
                List<EventStreamCall> calls = new ArrayList<>();
                for (int n = batch; n < Math.min(STREAMS, batch + CONCURRENT); n++) {
                    int stream = n;
                    StringBuilder text = new StringBuilder();
                    EventStreamRequest request = EventStreamRequest.post(balancer.uri("/job"))
                            .jsonBody("{\"n\":" + n + "}")
                            .maxRetries(30).retryDelay(Duration.ofMillis(1)).maxRetryDelay(Duration.ofMillis(5));
                    calls.add(client.open(request, new EventStreamListener() {
                        @Override
                        public void onEvent(ServerSentEvent event) {
                            text.append(event.data());
                        }

                        @Override
                        public void onClosed(CloseReason reason) {
                            texts[stream] = text.toString();
                            closes.get(stream).add(reason);
                        }
                    }));
                }
                for (EventStreamCall call : calls) {
                    assertTrue(call.awaitClosed(Duration.ofSeconds(30)), "a stream did not end");
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            for (int n = 0; n < STREAMS; n++) {
                assertEquals(List.of(CloseReason.COMPLETED), closes.get(n), "stream " + n + " ends once, completed");
                assertEquals(uncut.toString(), texts[n], "stream " + n + " has the uncut text");
            }
            Map<String, Integer> total = new HashMap<>();
            List<Integer> producersPerServer = new ArrayList<>();
            for (int port : ports) {
                Map<String, Integer> onServer = runs(port);
                producersPerServer.add(onServer.size());
                onServer.forEach((n, count) -> total.merge(n, count, Integer::sum));
            }
            for (int n = 0; n < STREAMS; n++) {
                assertEquals(1, total.getOrDefault(String.valueOf(n), 0), "the producer of stream " + n + " ran once, on one server");
            }
            System.out.printf("Reliability (JVM client, %d servers on one Redis, round robin): %d streams, %d connections "
                    + "(%d and %d), %d cuts, %d stalls: %d exact, producers run %s per server, in %d ms%n",
                    ports.size(), STREAMS, balancer.connections(), balancer.connections(0), balancer.connections(1),
                    balancer.cuts(), balancer.stalls(), STREAMS, producersPerServer, millis);
            for (int i = 0; i < ports.size(); i++) {
                assertTrue(producersPerServer.get(i) > STREAMS / 4, "server " + i + " ran its share of producers");
                assertTrue(balancer.connections(i) > balancer.connections() / 4, "server " + i + " took its share of connections");
            }
            assertTrue(balancer.cuts() >= MIN_CUTS, "only " + balancer.cuts() + " cuts");
        }
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
        StringBuilder job = new StringBuilder();
        for (int i = 0; i < RedisNodeApp.JOB_EVENTS; i++) {
            job.append(RedisNodeApp.token(i));
        }
        for (int port : ports) { // no restart of the servers: their connections come back by themselves
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                try (RawHttp post = RawHttp.send(port, "POST", "/job", "{\"n\":" + port + "}")) {
                    if (post.status() == 200 && post.readToCloseEndedNormally()) {
                        assertTrue(post.body().endsWith("event: postsse.end\ndata: completed\n\n"));
                        break;
                    }
                }
                assertTrue(System.nanoTime() < deadline, "Redis is back, yet the server on port " + port + " starts no stream");
                Thread.sleep(50); // the reconnection under way
            }
        }
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
