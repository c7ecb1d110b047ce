package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.javalin.Javalin;
import io.postsse.server.internal.ProducerExecutors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One client that tries to take the server down — slow bodies, many streams, broken framing —
 * on loopback: the attacker connects from {@code 127.0.0.2}, the other client from
 * {@code 127.0.0.1}, two clients as far as the server can tell.
 */
class HostileClientsTest {
    private static final String ATTACKER = "127.0.0.2";
    private static final String OTHER = "127.0.0.1";

    private Javalin app;
    private final List<Socket> sockets = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch cancelled = new CountDownLatch(1);

    @AfterEach
    void stop() throws IOException {
        release.countDown();
        for (Socket socket : sockets) {
            socket.close();
        }
        if (app != null) {
            app.stop();
        }
    }

    /** The app: {@code GET /} answers {@code ok}; {@code POST /stream} sends one event, then waits for the test's end. */
    private void start(Consumer<PostSse> settings) {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.get("/", ctx -> ctx.result("ok"));
            PostSse.install(config, sse -> {
                sse.heartbeat = null;
                settings.accept(sse);
                sse.post("/stream", Object.class, (request, events) -> {
                    events.onCancel(cancelled::countDown);
                    events.send("first");
                    release.await();
                });
                sse.post("/resumable", Object.class, (request, events) -> {
                    events.onCancel(cancelled::countDown);
                    events.send("first");
                    release.await();
                }).resumable();
            });
        }).start("127.0.0.1", 0);
    }

    private Socket connect(String from) throws IOException {
        Socket socket = new Socket();
        socket.setSoTimeout(20_000);
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", app.port()));
        sockets.add(socket);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Sends a POST's head, announcing a body of {@code length} bytes, and {@code sent} of them. */
    private Socket slowPost(String from, int length, int sent) throws IOException {
        Socket socket = connect(from);
        send(socket, "POST /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + length + "\r\n\r\n" + "{" + " ".repeat(Math.max(0, sent - 1)));
        return socket;
    }

    private Socket post(String from, String body) throws IOException {
        Socket socket = connect(from);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        send(socket, "POST /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + bytes.length + "\r\n\r\n" + body);
        return socket;
    }

    /** Reads until the text has arrived (or the connection closed); returns all that was read. */
    private static String readUntil(Socket socket, String expected) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        while (!read.toString(StandardCharsets.UTF_8).contains(expected)) {
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            read.write(buffer, 0, n);
        }
        return read.toString(StandardCharsets.UTF_8);
    }

    private static String readAll(Socket socket) throws IOException {
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The time GET / and a new stream's first event take for the other client, in ms. */
    private long[] otherClientsWaits() throws IOException {
        long started = System.nanoTime();
        Socket get = connect(OTHER);
        send(get, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        assertTrue(readAll(get).endsWith("ok"), "GET / answers");
        long getMillis = (System.nanoTime() - started) / 1_000_000;
        started = System.nanoTime();
        Socket stream = post(OTHER, "{}");
        assertTrue(readUntil(stream, "data: first").contains("data: first"), "a new stream gets its first event");
        long streamMillis = (System.nanoTime() - started) / 1_000_000;
        return new long[] {getMillis, streamMillis};
    }

    @Test
    void slowBodySendersHoldNoThreadSoOtherClientsAreServedAtOnce() throws Exception {
        // The slow senders' bodies never finish: a server that gave each a thread would serve the other
        // client only once the body timeout (30 s) freed them. 5 s tells the two apart on a loaded
        // machine, where a first connection alone once took a second.
        start(sse -> {
            sse.maxStreamsPerClient = 1_000;
            sse.bodyTimeout = Duration.ofSeconds(30);
        });
        otherClientsWaits(); // warm up
        for (int i = 0; i < 300; i++) {
            slowPost(ATTACKER, 100, 1);
        }
        long[] waits = otherClientsWaits();
        System.out.printf("With 300 slow body senders: GET / in %d ms, a new stream's first event in %d ms%n",
                waits[0], waits[1]);
        assertTrue(waits[0] < 5_000 && waits[1] < 5_000, "served within 5 s: " + waits[0] + " and " + waits[1] + " ms");
    }

    @Test
    void longStreamsOfOneClientHoldNoRequestThreadAndStopAtItsLimit() throws Exception {
        start(sse -> {
            sse.maxStreamsPerClient = 300;
            sse.producerThreads = 400;
        });
        otherClientsWaits();
        List<Socket> streams = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            streams.add(post(ATTACKER, "{}"));
        }
        for (Socket stream : streams) {
            assertTrue(readUntil(stream, "data: first").contains("data: first"));
        }
        Socket refused = post(ATTACKER, "{}");
        String answer = readUntil(refused, "}");
        assertTrue(answer.startsWith("HTTP/1.1 429"), answer);
        assertTrue(answer.contains("Retry-After: 1") && answer.contains("application/problem+json"), answer);
        long[] waits = otherClientsWaits();
        System.out.printf("With 300 streams of one client: GET / in %d ms, a new stream's first event in %d ms%n",
                waits[0], waits[1]);
        assertTrue(waits[0] < 1_000 && waits[1] < 1_000, "served within 1 s: " + waits[0] + " and " + waits[1] + " ms");
    }

    @Test
    void aClientPastItsLimitGets429AndOthersStillStream() throws Exception {
        start(sse -> sse.maxStreamsPerClient = 2);
        readUntil(post(ATTACKER, "{}"), "data: first");
        readUntil(post(ATTACKER, "{}"), "data: first");
        String refused = readUntil(post(ATTACKER, "{}"), "}");
        assertTrue(refused.startsWith("HTTP/1.1 429"), refused);
        assertTrue(refused.contains("Retry-After: 1"), refused);
        assertTrue(readUntil(post(OTHER, "{}"), "data: first").contains("data: first"), "another client is not refused");
    }

    @Test
    void theServerPastItsLimitGets503() throws Exception {
        start(sse -> sse.maxStreams = 2);
        readUntil(post(ATTACKER, "{}"), "data: first");
        readUntil(post(OTHER, "{}"), "data: first");
        String refused = readUntil(post(OTHER, "{}"), "}");
        assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
        assertTrue(refused.contains("Retry-After: 1") && refused.contains("application/problem+json"), refused);
    }

    @Test
    void theClientKeyNamesTheClientForItsLimit() throws Exception {
        start(sse -> {
            sse.maxStreamsPerClient = 1;
            sse.clientKey = ctx -> String.valueOf(ctx.header("X-User"));
        });
        Socket alice = connect(OTHER);
        send(alice, "POST /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nX-User: alice\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\n\r\n{}");
        readUntil(alice, "data: first");
        Socket bob = connect(OTHER);
        send(bob, "POST /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nX-User: bob\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\n\r\n{}");
        assertTrue(readUntil(bob, "data: first").contains("data: first"), "bob is another client, from the same address");
        Socket aliceAgain = connect(OTHER);
        send(aliceAgain, "POST /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nX-User: alice\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\n\r\n{}");
        assertTrue(readUntil(aliceAgain, "}").startsWith("HTTP/1.1 429"));
    }

    @Test
    void aStreamPastTheProducerThreadsIsRefused503NotQueued() throws Exception {
        assumeFalse(ProducerExecutors.virtualThreads(), "with virtual threads, producers are not pooled");
        start(sse -> sse.producerThreads = 2);
        readUntil(post(ATTACKER, "{}"), "data: first");
        readUntil(post(OTHER, "{}"), "data: first");
        String refused = readUntil(post(OTHER, "{}"), "}");
        assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
        assertTrue(refused.contains("Retry-After: 1") && refused.contains("producers"), refused);
        release.countDown(); // the producers return: their places are free again
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            String answer = readUntil(post(OTHER, "{}"), "\r\n\r\n");
            if (answer.startsWith("HTTP/1.1 200")) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, "places are given back: " + answer);
            Thread.sleep(20); // the producers returning
        }
    }

    @Test
    void aBodyThatDoesNotArriveInTimeIs408AndItsConnectionClosed() throws Exception {
        start(sse -> sse.bodyTimeout = Duration.ofMillis(300));
        Socket slow = slowPost(ATTACKER, 100, 10);
        String answer = readAll(slow); // the server closes it
        assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
        assertTrue(answer.contains("application/problem+json") && answer.contains("300 ms"), answer);
    }

    @Test
    void bodiesBeingReadAtOnceStayWithinTheirBudget() throws Exception {
        start(sse -> sse.maxBodyBytesInFlight = 1_000);
        List<Socket> senders = List.of(slowPost(ATTACKER, 900, 800), slowPost(OTHER, 900, 800));
        // Whichever body the server took second goes past the budget: that one is refused.
        Socket refused = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (refused == null) {
            for (Socket sender : senders) {
                if (sender.getInputStream().available() > 0) {
                    refused = sender;
                }
            }
            assertTrue(System.nanoTime() < deadline, "neither body was refused");
            Thread.sleep(10); // polling two sockets for the first answer
        }
        String answer = readUntil(refused, "}");
        assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
        assertTrue(answer.contains("Retry-After: 1") && answer.contains("request bodies"), answer);
        Socket taken = senders.get(0) == refused ? senders.get(1) : senders.get(0);
        send(taken, " ".repeat(99) + "}");
        assertTrue(readUntil(taken, "data: first").contains("data: first"), "the body within the budget is taken");
    }

    @Test
    void aMalformedChunkedBodyIs400ProblemJson() throws Exception {
        start(sse -> { });
        Socket socket = connect(ATTACKER);
        send(socket, "POST /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\nzz\r\n");
        String answer = readAll(socket);
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(answer.contains("application/problem+json") && answer.contains("framing"), answer);
    }

    @Test
    void aGetWithMethodOverrideStartsNoStream() throws Exception {
        start(sse -> { });
        Socket socket = connect(ATTACKER);
        send(socket, "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nX-HTTP-Method-Override: POST\r\n"
                + "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        String answer = readAll(socket);
        assertTrue(answer.startsWith("HTTP/1.1 405"), answer);
        assertTrue(answer.contains("application/problem+json") && answer.contains("Allow: POST"), answer);
        assertTrue(!answer.contains("data: first"), "no stream");
    }

    @Test
    void aStreamPastItsTimeLimitEndsWithAnErrorAndItsProducerIsStopped() throws Exception {
        start(sse -> sse.maxStreamDuration = Duration.ofMillis(300));
        String body = readAll(post(OTHER, "{}"));
        assertTrue(body.contains("data: first"), body);
        assertTrue(body.contains("event: error\ndata: {") && body.contains("time limit"), body);
        assertTrue(body.endsWith("0\r\n\r\n"), "a normal end, with the last chunk: " + body);
        assertTrue(cancelled.await(10, TimeUnit.SECONDS), "the producer's cancel callbacks ran");
    }

    @Test
    void aResumableStreamPastItsTimeLimitEndsFailedWithAnError() throws Exception {
        start(sse -> sse.maxStreamDuration = Duration.ofMillis(300));
        Socket socket = connect(OTHER);
        send(socket, "POST /resumable HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\n\r\n{}");
        String body = readUntil(socket, "data: failed");
        assertTrue(body.contains("event: error\nid: ") && body.contains("time limit"), body);
        assertTrue(body.contains("event: postsse.end\ndata: failed"), body);
        assertTrue(cancelled.await(10, TimeUnit.SECONDS), "the producer's cancel callbacks ran");
    }

    @Test
    void streamsAndProblemsAreSentWithNoSniff() throws Exception {
        start(sse -> { });
        String stream = readUntil(post(OTHER, "{}"), "data: first");
        assertTrue(stream.contains("X-Content-Type-Options: nosniff"), stream);
        Socket bad = connect(OTHER);
        send(bad, "POST /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}");
        String problem = readUntil(bad, "}");
        assertTrue(problem.startsWith("HTTP/1.1 415") && problem.contains("X-Content-Type-Options: nosniff"), problem);
    }
}
