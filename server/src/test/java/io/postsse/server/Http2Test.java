package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
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

/** Stream routes over HTTP/2 without TLS (h2c, prior knowledge), many streams on one connection. */
class Http2Test {
    /** What a response stream brought: its headers, its body so far, and how it ended. */
    static final class Received implements Stream.Listener {
        final StringBuffer body = new StringBuffer();
        final AtomicReference<MetaData.Response> response = new AtomicReference<>();
        final CountDownLatch ended = new CountDownLatch(1);
        final CountDownLatch reset = new CountDownLatch(1);
        final boolean reading;

        Received(boolean reading) {
            this.reading = reading;
        }

        @Override
        public void onHeaders(Stream stream, HeadersFrame frame) {
            response.set((MetaData.Response) frame.getMetaData());
            if (frame.isEndStream()) {
                ended.countDown();
            } else if (reading) {
                stream.demand();
            }
        }

        @Override
        public void onDataAvailable(Stream stream) {
            while (true) {
                Stream.Data data = stream.readData();
                if (data == null) {
                    stream.demand();
                    return;
                }
                body.append(StandardCharsets.UTF_8.decode(data.frame().getByteBuffer()));
                data.release();
                if (data.frame().isEndStream()) {
                    ended.countDown();
                    return;
                }
            }
        }

        @Override
        public void onReset(Stream stream, ResetFrame frame, org.eclipse.jetty.util.Callback callback) {
            reset.countDown();
            callback.succeeded();
        }
    }

    private HTTP2Client client;

    @BeforeEach
    void startClient() throws Exception {
        client = new HTTP2Client();
        client.start();
    }

    @AfterEach
    void stopClient() throws Exception {
        client.stop();
    }

    private static TestServer start(java.util.function.Consumer<PostSse> setup) {
        return TestServer.start(sse -> {
            sse.http2 = true;
            setup.accept(sse);
        });
    }

    private Session connect(TestServer server) throws Exception {
        return client.connect(new InetSocketAddress("127.0.0.1", server.app.port()), new Session.Listener() {
        }).get(5, TimeUnit.SECONDS);
    }

    /** Opens a POST stream on the session and sends its JSON body. */
    private static Stream post(TestServer server, Session session, String path, String json, Received listener)
            throws Exception {
        HttpFields fields = HttpFields.build().put(HttpHeader.CONTENT_TYPE, "application/json");
        MetaData.Request request = new MetaData.Request("POST", HttpURI.from(server.uri(path).toString()),
                HttpVersion.HTTP_2, fields);
        Stream stream = session.newStream(new HeadersFrame(request, null, false), listener).get(5, TimeUnit.SECONDS);
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(body), true)).get(5, TimeUnit.SECONDS);
        return stream;
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertTrue(latch.await(5, TimeUnit.SECONDS), what);
    }

    /** Waits, up to 5 s, for the condition to hold. */
    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(5);
        }
    }

    @Test
    void eventsArriveByteExactOverH2c() throws Exception {
        try (TestServer server = start(sse -> sse.post("/words", Object.class, (request, events) -> {
            events.send("hello");
            events.send("token", "one\ntwo");
            events.send(OutboundEvent.of(Map.of("n", 3)).id("7"));
            events.comment("done");
        }))) {
            Session session = connect(server);
            Received received = new Received(true);
            post(server, session, "/words", "{}", received);
            await(received.ended, "the stream should end");
            MetaData.Response response = received.response.get();
            assertEquals(200, response.getStatus());
            assertEquals(HttpVersion.HTTP_2, response.getHttpVersion());
            assertEquals("text/event-stream; charset=utf-8", response.getHttpFields().get(HttpHeader.CONTENT_TYPE));
            assertEquals("no-cache", response.getHttpFields().get(HttpHeader.CACHE_CONTROL));
            assertNull(response.getHttpFields().get(HttpHeader.CONNECTION));
            assertEquals("data: hello\n\nevent: token\ndata: one\ndata: two\n\nid: 7\ndata: {\"n\":3}\n\n: done\n\n",
                    received.body.toString());
        }
    }

    @Test
    void badRequestIsStillAProblemOverH2c() throws Exception {
        try (TestServer server = start(sse -> sse.post("/words", Object.class, (request, events) -> events.send("x")))) {
            Session session = connect(server);
            Received received = new Received(true);
            post(server, session, "/words", "{not json", received);
            await(received.ended, "the response should end");
            assertEquals(400, received.response.get().getStatus());
            assertTrue(received.body.toString().contains("\"status\":400"), received.body.toString());
        }
    }

    @Test
    void twoStreamsOnOneConnectionRunConcurrently() throws Exception {
        // Each producer sends its second event only once both have started: one at a time, neither ends.
        CountDownLatch bothStarted = new CountDownLatch(2);
        try (TestServer server = start(sse -> sse.post("/pair", Map.class, (request, events) -> {
            Object name = request.get("name");
            events.send(name + " first");
            bothStarted.countDown();
            assertTrue(bothStarted.await(5, TimeUnit.SECONDS));
            events.send(name + " second");
        }))) {
            Session session = connect(server);
            Received a = new Received(true);
            Received b = new Received(true);
            Stream streamA = post(server, session, "/pair", "{\"name\":\"a\"}", a);
            Stream streamB = post(server, session, "/pair", "{\"name\":\"b\"}", b);
            assertSame(streamA.getSession(), streamB.getSession());
            await(a.ended, "stream a should end");
            await(b.ended, "stream b should end");
            assertEquals("data: a first\n\ndata: a second\n\n", a.body.toString());
            assertEquals("data: b first\n\ndata: b second\n\n", b.body.toString());
        }
    }

    @Test
    void resetOfOneStreamCancelsItsProducerAloneAndTheConnectionGoesOn() throws Exception {
        Map<String, CountDownLatch> cancelled = new ConcurrentHashMap<>();
        Map<String, CountDownLatch> interrupted = new ConcurrentHashMap<>();
        CountDownLatch releaseB = new CountDownLatch(1);
        try (TestServer server = start(sse -> sse.post("/named", Map.class, (request, events) -> {
            String name = (String) request.get("name");
            events.onCancel(() -> cancelled.get(name).countDown());
            events.send(name + " ready");
            try {
                if (name.equals("a")) {
                    Thread.sleep(Duration.ofMinutes(1).toMillis());
                } else {
                    releaseB.await();
                    events.send(name + " goes on");
                }
            } catch (InterruptedException e) {
                interrupted.get(name).countDown();
            }
        }))) {
            for (String name : new String[] {"a", "b"}) {
                cancelled.put(name, new CountDownLatch(1));
                interrupted.put(name, new CountDownLatch(1));
            }
            Session session = connect(server);
            Received a = new Received(true);
            Received b = new Received(true);
            Stream streamA = post(server, session, "/named", "{\"name\":\"a\"}", a);
            post(server, session, "/named", "{\"name\":\"b\"}", b);
            awaitTrue(() -> a.body.toString().equals("data: a ready\n\n"), "a should be streaming");
            awaitTrue(() -> b.body.toString().equals("data: b ready\n\n"), "b should be streaming");

            long resetAt = System.nanoTime();
            streamA.reset(new ResetFrame(streamA.getId(), ErrorCode.CANCEL_STREAM_ERROR.code)).get(5, TimeUnit.SECONDS);
            assertTrue(cancelled.get("a").await(1, TimeUnit.SECONDS), "a's cancel callback should run within 1 s");
            assertTrue(interrupted.get("a").await(1, TimeUnit.SECONDS), "a's producer should be interrupted within 1 s");
            System.out.printf("h2 stream cancelled %.1f ms after its reset%n", (System.nanoTime() - resetAt) / 1e6);

            releaseB.countDown();
            await(b.ended, "b should end normally");
            assertEquals("data: b ready\n\ndata: b goes on\n\n", b.body.toString());
            assertEquals(1, cancelled.get("b").getCount(), "b should not be cancelled");
            assertFalse(session.isClosed(), "the connection should stay open");

            // The same connection still takes new streams.
            Received c = new Received(true);
            cancelled.put("c", new CountDownLatch(1));
            interrupted.put("c", new CountDownLatch(1));
            post(server, session, "/named", "{\"name\":\"c\"}", c);
            await(c.ended, "c should end");
            assertEquals("data: c ready\n\ndata: c goes on\n\n", c.body.toString());
        }
    }

    @Test
    void clientThatStopsReadingIsCutOffAloneAndOthersOnItsConnectionGoOn() throws Exception {
        client.stop();
        client = new HTTP2Client();
        client.setInitialStreamRecvWindow(64 * 1024); // what the server may send before the client reads
        client.start();
        String payload = "x".repeat(16 * 1024);
        CountDownLatch producerStopped = new CountDownLatch(1);
        CountDownLatch cancelCallbackRan = new CountDownLatch(1);
        AtomicReference<Throwable> stoppedBy = new AtomicReference<>();
        AtomicInteger sent = new AtomicInteger();
        try (TestServer server = start(sse -> {
            sse.maxBufferedBytes = 64 * 1024;
            sse.sendTimeout = Duration.ofMillis(300);
            sse.post("/firehose", Map.class, (request, events) -> {
                if (!"a".equals(request.get("name"))) {
                    events.send("b here");
                    return;
                }
                events.onCancel(cancelCallbackRan::countDown);
                try {
                    while (true) {
                        events.send(payload);
                        sent.incrementAndGet();
                    }
                } catch (StreamClosedException e) {
                    stoppedBy.set(e);
                } finally {
                    producerStopped.countDown();
                }
            });
        })) {
            Session session = connect(server);
            Received a = new Received(false); // never reads
            Stream streamA = post(server, session, "/firehose", "{\"name\":\"a\"}", a);
            await(producerStopped, "the producer should be stopped");
            assertEquals(StreamClosedException.class, stoppedBy.get().getClass());
            await(cancelCallbackRan, "the cancel callback should run");
            await(a.reset, "the server should reset the stream");
            assertTrue(streamA.isReset());
            assertTrue(sent.get() < 64, "sent " + sent.get() + " events");

            Received b = new Received(true);
            post(server, session, "/firehose", "{\"name\":\"b\"}", b);
            await(b.ended, "a stream on the same connection should still work");
            assertEquals("data: b here\n\n", b.body.toString());
            assertFalse(session.isClosed(), "the connection should stay open");
        }
    }

    @Test
    void http1StreamsAreUnchangedWithHttp2On() throws Exception {
        try (TestServer server = start(sse -> sse.post("/one", Object.class, (request, events) -> events.send("hi")));
                Socket socket = server.openRawPost("/one", "{}", 0)) {
            String seen = TestServer.readUntil(socket, "data: hi\n\n");
            assertTrue(seen.startsWith("HTTP/1.1 200 OK\r\n"), seen);
            assertTrue(seen.contains("\r\nConnection: close\r\n"), seen);
        }
    }
}
