package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javalin.Javalin;
import io.postsse.testing.CapturedLog;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that resets its HTTP/2 stream, or closes its HTTP/1.1 connection, leaves the server
 * quiet: the request is finished once, through Javalin (its request log sees it once), and no
 * thread goes on handling it after it is gone.
 *
 * <p>The server admits one request at a time, so that a probe that is admitted tells the request of
 * the stream is done with; then no thread may stay busy, and Javalin logs nothing.
 */
class ClientResetTest {
    private HTTP2Client client;
    private CapturedLog log;
    /** How many times Javalin finished a request of the stream route: its request log saw it. */
    private final AtomicInteger streamRequestsFinished = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        log = new CapturedLog();
        client = new HTTP2Client();
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        client.stop();
        log.close();
    }

    /**
     * A server with HTTP/2 on, that admits one request at a time; its route {@code /s} sends
     * "ready" and stays open, its route {@code /probe} answers bad JSON with 400 when admitted.
     */
    private TestServer server(boolean resumable) {
        return server(resumable, sse -> {
        });
    }

    private TestServer server(boolean resumable, Consumer<PostSse> settings) {
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.requestLogger.http((ctx, millis) -> {
                if (ctx.path().equals("/s")) {
                    streamRequestsFinished.incrementAndGet();
                }
            });
            PostSse.install(config, sse -> {
                sse.heartbeat = null;
                sse.http2 = true;
                sse.maxStreams = 1;
                settings.accept(sse);
                PostRoute route = sse.post("/s", Object.class, (request, events) -> {
                    events.send("ready");
                    events.keepOpen();
                });
                if (resumable) {
                    route.resumable();
                }
                sse.post("/probe", Object.class, (request, events) -> events.send("probe"));
            });
        }).start("127.0.0.1", 0);
        return TestServer.of(app);
    }

    private Session connect(TestServer server) throws Exception {
        return client.connect(new InetSocketAddress("127.0.0.1", server.app.port()), new Session.Listener() {
        }).get(5, TimeUnit.SECONDS);
    }

    /** Opens a POST on the session and sends the body; the whole body ends the request unless {@code more}. */
    private static Stream post(TestServer server, Session session, String body, boolean more,
            Http2Test.Received listener) throws Exception {
        MetaData.Request request = new MetaData.Request("POST", HttpURI.from(server.uri("/s").toString()),
                HttpVersion.HTTP_2, HttpFields.build().put(HttpHeader.CONTENT_TYPE, "application/json"));
        Stream stream = session.newStream(new HeadersFrame(request, null, false), listener).get(5, TimeUnit.SECONDS);
        stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), !more))
                .get(5, TimeUnit.SECONDS);
        return stream;
    }

    private static void reset(Stream stream) throws Exception {
        stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code)).get(5, TimeUnit.SECONDS);
    }

    private static void awaitBody(Http2Test.Received received, Pattern body) throws InterruptedException {
        Waiting.until(() -> body.matcher(received.body).find(), () -> "the stream's first event, got: " + received.body);
    }

    /** Waits for the server's answer to a probe to be {@code status}: 400 once it admits a request, 503 while one is under way. */
    private static void awaitProbe(TestServer server, int status) throws InterruptedException {
        int[] last = new int[1];
        Waiting.until(() -> {
            last[0] = probe(server);
            return last[0] == status;
        }, () -> "a probe answered " + status + "; the last answer was " + last[0]);
    }

    /** The server's answer to a probe: 400 when admitted, 503 while a request is under way. */
    private static int probe(TestServer server) {
        try {
            return server.postJson("/probe", "{not json").statusCode();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Waits for the server to admit a request again, which it does once the one before is done
     * with; then asserts that no thread stays busy, that Javalin logged nothing, and that it
     * finished the request once.
     */
    private void assertRequestDoneAndServerQuiet(TestServer server) throws Exception {
        awaitProbe(server, 400);
        BusyThreads.awaitQuiet();
        List<String> javalin = log.linesWith("io.javalin");
        assertTrue(javalin.isEmpty(), () -> "Javalin logged:\n" + String.join("\n", javalin));
        Waiting.until(() -> streamRequestsFinished.get() > 0, () -> "Javalin's finish of the stream's request");
        assertEquals(1, streamRequestsFinished.getAndSet(0), "Javalin should finish the stream's request once");
    }

    @Test
    void http2ResetOfAStreamLeavesTheServerQuiet() throws Exception {
        try (TestServer server = server(false)) {
            Session session = connect(server);
            Http2Test.Received received = new Http2Test.Received(true);
            Stream stream = post(server, session, "{}", false, received);
            awaitBody(received, Pattern.compile("^data: ready\n\n$"));
            reset(stream);
            log.awaitLine(Pattern.compile(".* Stream \\S+ cancelled after .*: the client went away"));
            assertRequestDoneAndServerQuiet(server);
            assertFalse(session.isClosed(), "the connection should stay open");
        }
    }

    @Test
    void http2ResetOfAResumableStreamLeavesTheServerQuiet() throws Exception {
        try (TestServer server = server(true)) {
            Session session = connect(server);
            Http2Test.Received received = new Http2Test.Received(true);
            Stream stream = post(server, session, "{}", false, received);
            awaitBody(received, Pattern.compile("^id: \\S+:1\ndata: ready\n\n$"));
            reset(stream);
            assertRequestDoneAndServerQuiet(server);
        }
    }

    @Test
    void http2ResetWhileTheBodyIsReadLeavesTheServerQuiet() throws Exception {
        AtomicReference<CountDownLatch> admitting = new AtomicReference<>();
        try (TestServer server = server(false, sse -> sse.clientKey = ctx -> {
            if (ctx.path().equals("/s")) {
                admitting.get().countDown(); // the server names the client of a request just before it admits it
            }
            return ctx.req().getRemoteAddr();
        })) {
            Session session = connect(server);
            Stream stream = null;
            // No probe before the request reaches the admission, for the probe would take its place.
            // It may still come first, between the naming and the admission, on a loaded machine:
            // the request is then refused (503), and sent again.
            for (int attempt = 1; stream == null; attempt++) {
                admitting.set(new CountDownLatch(1));
                Http2Test.Received received = new Http2Test.Received(true);
                Stream sent = post(server, session, "{\"half\":", true, received);
                assertTrue(admitting.get().await(10, TimeUnit.SECONDS), "the request should reach the route");
                int[] probe = new int[1];
                Waiting.until(() -> {
                    probe[0] = probe(server);
                    return probe[0] == 503 || received.response.get() != null;
                }, () -> "a probe answered 503, or the request was refused; the last probe: " + probe[0]);
                if (probe[0] == 503) {
                    stream = sent; // the request is under way, its body being read
                } else {
                    assertEquals(503, received.response.get().getStatus(), "the request could only be refused");
                    assertTrue(attempt < 5, "the probe came first 5 times");
                    Waiting.until(() -> streamRequestsFinished.get() == 1, () -> "Javalin's finish of the refused request");
                    streamRequestsFinished.set(0);
                }
            }
            reset(stream);
            assertRequestDoneAndServerQuiet(server);
        }
    }

    @Test
    void http1ClientThatClosesItsConnectionLeavesTheServerQuiet() throws Exception {
        for (boolean resumable : new boolean[] {false, true}) {
            try (TestServer server = server(resumable)) {
                try (Socket socket = server.openRawPost("/s", "{}", 0)) {
                    TestServer.readUntil(socket, "data: ready\n");
                }
                assertRequestDoneAndServerQuiet(server);
            }
        }
    }
}
