package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.postsse.server.ResumableStreamTest.Scripted;
import io.postsse.testing.RedisServer;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Resumable routes with their logs in a real Redis: on one server, across two, and when Redis loses a stream. */
class ResumableRedisTest {
    private static final String ID = "stream-id-for-the-redis-tests-1";
    private static RedisServer redis;

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

    private static TestServer server(Scripted producer) {
        return server(producer, Duration.ofSeconds(30));
    }

    private static TestServer server(Scripted producer, Duration resumeGrace) {
        return TestServer.start(sse -> {
            sse.redisUrl = redis.url();
            sse.resumeGrace = resumeGrace;
            sse.post("/r", Object.class, producer).resumable();
        });
    }

    private static String event(int seq, String data) {
        return "id: " + ID + ":" + seq + "\ndata: " + data + "\n\n";
    }

    private static String events(int from, int to) {
        String[] words = {"", "one", "two", "three", "four", "five"};
        StringBuilder out = new StringBuilder();
        for (int seq = from; seq <= to; seq++) {
            out.append(event(seq, words[seq]));
        }
        return out.toString();
    }

    private static String end(String outcome) {
        return "event: postsse.end\ndata: " + outcome + "\n\n";
    }

    private static int clients() throws IOException {
        return (int) redis.cli("CLIENT", "LIST").lines().count(); // redis-cli itself is one
    }

    @Test
    void aStreamCutIsAttachedToAgainAndEndsWithItsProducerRunOnce() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer)) {
            try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                assertEquals(200, post.status());
                post.readUntil(event(3, "three"));
            } // cut
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":1")) {
                assertEquals(200, get.status());
                get.readUntil(event(3, "three"));
                producer.gate.countDown();
                assertEquals(events(2, 5) + end("completed"), get.readToEnd());
            }
            try (RawHttp post = RawHttp.post(server, "/r", "{}", "Last-Event-ID", ID + ":0")) {
                assertEquals(events(1, 5) + end("completed"), post.readToEnd());
            }
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", "never-started-stream-000001:0")) {
                get.problem(410);
            }
            assertEquals(1, producer.runs.get());
            long ttl = Long.parseLong(redis.cli("PTTL", "postsse:{" + ID + "}"));
            assertTrue(ttl > 0 && ttl <= Duration.ofMinutes(5).toMillis(), "kept for the retention, 5 min by default: " + ttl);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (clients() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(20); // Redis notes a closed connection a moment after the client closed it
        }
        assertEquals(1, clients(), "the server's stop closed its connections to Redis");
    }

    @Test
    void aStreamStartedOnOneServerIsAttachedToOnAnother() throws Exception {
        Scripted producer = new Scripted();
        Scripted unused = new Scripted();
        try (TestServer nodeA = server(producer); TestServer nodeB = server(unused)) {
            try (RawHttp post = RawHttp.post(nodeA, "/r", "{}", "Postsse-Stream", ID)) {
                post.readUntil(event(3, "three"));
            }
            try (RawHttp get = RawHttp.get(nodeB, "/r", "Last-Event-ID", ID + ":2")) {
                assertEquals(200, get.status());
                assertEquals(event(3, "three"), get.readUntil(event(3, "three")));
                producer.gate.countDown(); // live events, from the producer on the other server
                assertEquals(events(3, 5) + end("completed"), get.readToEnd());
            }
            assertEquals(1, producer.runs.get());
            assertEquals(0, unused.runs.get());
        }
    }

    @Test
    void stopOnTheProducersServerCancelsTheStream() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer);
                RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readUntil(event(3, "three"));
            try (RawHttp delete = RawHttp.send(server, "DELETE", "/r", null, "Postsse-Stream", ID)) {
                assertEquals(204, delete.status());
            }
            assertEquals(events(1, 3) + end("cancelled"), post.readToEnd());
            assertTrue(producer.cancelled.await(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void stopThroughAnotherServerCancelsTheProducerWhereItRuns() throws Exception {
        Scripted producer = new Scripted();
        Scripted unused = new Scripted();
        try (TestServer nodeA = server(producer); TestServer nodeB = server(unused);
                RawHttp post = RawHttp.post(nodeA, "/r", "{}", "Postsse-Stream", ID)) {
            post.readUntil(event(3, "three"));
            try (RawHttp delete = RawHttp.send(nodeB, "DELETE", "/r", null, "Postsse-Stream", ID)) {
                assertEquals(204, delete.status());
            }
            assertTrue(producer.cancelled.await(10, TimeUnit.SECONDS), "the producer on the other server is cancelled");
            assertTrue(producer.interrupted.await(10, TimeUnit.SECONDS));
            assertEquals(events(1, 3) + end("cancelled"), post.readToEnd());
            try (RawHttp get = RawHttp.get(nodeB, "/r", "Last-Event-ID", ID + ":3")) {
                assertEquals(end("cancelled"), get.readToEnd());
            }
            assertEquals(0, unused.runs.get());
        }
    }

    @Test
    void aReaderOnAnotherServerKeepsTheProducerPastItsGrace() throws Exception {
        Duration grace = Duration.ofMillis(300);
        Scripted producer = new Scripted();
        try (TestServer nodeA = server(producer, grace); TestServer nodeB = server(new Scripted(), grace)) {
            try (RawHttp post = RawHttp.post(nodeA, "/r", "{}", "Postsse-Stream", ID)) {
                post.readUntil(event(3, "three"));
            } // cut: no reader on the producer's server from now on
            try (RawHttp get = RawHttp.get(nodeB, "/r", "Last-Event-ID", ID + ":3")) {
                assertEquals(200, get.status());
                // Several grace periods pass while the client reads through the other server.
                assertFalse(producer.cancelled.await(grace.toMillis() * 5, TimeUnit.MILLISECONDS),
                        "not cancelled while read through another server");
                producer.gate.countDown();
                assertEquals(events(4, 5) + end("completed"), get.readToEnd());
            }
        }
    }

    @Test
    void aProducerReadOnlyThroughAnotherServerIsCancelledAfterTheGraceOnceItsReaderLeft() throws Exception {
        Duration grace = Duration.ofMillis(300);
        Scripted producer = new Scripted();
        try (TestServer nodeA = server(producer, grace); TestServer nodeB = server(new Scripted(), grace)) {
            try (RawHttp post = RawHttp.post(nodeA, "/r", "{}", "Postsse-Stream", ID)) {
                post.readUntil(event(3, "three"));
            }
            try (RawHttp get = RawHttp.get(nodeB, "/r", "Last-Event-ID", ID + ":3")) {
                assertEquals(200, get.status()); // attached: the head follows the attachment
            }
            long left = System.nanoTime();
            assertTrue(producer.cancelled.await(10, TimeUnit.SECONDS), "cancelled once no one reads it anywhere");
            long afterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - left);
            assertTrue(afterMillis >= grace.toMillis() - 50, "not before the grace from the reader's leaving: " + afterMillis);
        }
    }

    @Test
    void aStreamRedisLostCutsItsReadersAndIsGoneNeverAGap() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer server = server(producer);
                RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readUntil(event(3, "three"));
            redis.cli("FLUSHALL"); // Redis lost everything, as in a restart without persistence
            producer.gate.countDown(); // "four" is refused by the log, which wakes the reader
            String body = post.readToCut();
            assertEquals(events(1, 3), body, "cut after what it had: no later event, no end marker");
            assertTrue(producer.returned.await(10, TimeUnit.SECONDS));
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":3")) {
                assertTrue(get.problem(410).contains(ID));
            }
            assertEquals(1, producer.runs.get());
            assertFalse(body.contains("postsse.end"));
        }
    }

    @Test
    void readersAttachedWhenRedisGoesAwayAreCutNotLeftWaiting() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer nodeA = server(producer); TestServer nodeB = server(new Scripted());
                RawHttp post = RawHttp.post(nodeA, "/r", "{}", "Postsse-Stream", ID)) {
            post.readUntil(event(3, "three"));
            try (RawHttp get = RawHttp.get(nodeB, "/r", "Last-Event-ID", ID + ":3")) {
                assertEquals(200, get.status()); // both wait for the producer's next event
                redis.kill();
                try {
                    // RawHttp's read timeout (20 s) bounds the wait: a reader left waiting fails the test.
                    assertEquals(events(1, 3), post.readToCut(), "cut: no end marker, the client attaches again");
                    assertEquals("", get.readToCut());
                } finally {
                    redis.restart();
                    producer.gate.countDown();
                }
            }
        }
    }

    @Test
    void redisOutOfReachIsA503AndStreamsStartAgainOnceItIsBack() throws Exception {
        Scripted producer = new Scripted();
        producer.gate.countDown();
        try (TestServer server = server(producer)) {
            redis.kill();
            try {
                try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                    assertTrue(post.problem(503).contains("unavailable"));
                    assertEquals("1", post.header("Retry-After"));
                }
                try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":0")) {
                    get.problem(503);
                }
                try (RawHttp delete = RawHttp.send(server, "DELETE", "/r", null, "Postsse-Stream", ID)) {
                    delete.problem(503);
                }
            } finally {
                redis.restart();
            }
            // No restart of the server: its connections to Redis come back by themselves.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
                    if (post.status() == 200) {
                        // A stream started while one of the connections is still coming back may be
                        // cut at once: the same POST, sent again, attaches to it.
                        if (post.readToCloseEndedNormally()) {
                            assertEquals(events(1, 5) + end("completed"), post.body());
                            break;
                        }
                    } else {
                        post.problem(503);
                    }
                }
                assertTrue(System.nanoTime() < deadline, "Redis is back, yet streams do not start");
                Thread.sleep(20); // the reconnection under way
            }
            assertEquals(1, producer.runs.get());
        }
    }

    @Test
    void aLastEventIdPastTheStreamsLastEventIs410AndTheStreamGoesOn() throws Exception {
        Scripted producer = new Scripted();
        try (TestServer nodeA = server(producer); TestServer nodeB = server(new Scripted());
                RawHttp post = RawHttp.post(nodeA, "/r", "{}", "Postsse-Stream", ID)) {
            post.readUntil(event(3, "three"));
            try (RawHttp ahead = RawHttp.get(nodeB, "/r", "Last-Event-ID", ID + ":9")) {
                assertTrue(ahead.problem(410).contains("past its last one"));
            }
            producer.gate.countDown();
            assertEquals(events(1, 5) + end("completed"), post.readToEnd(), "not lost for a client's claim");
        }
    }
}
