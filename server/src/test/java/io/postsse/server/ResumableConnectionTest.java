package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
import org.junit.jupiter.api.Test;

/** The connections attached to resumable streams: heartbeats, slow readers, the server's stop, CORS, HTTP/2. */
class ResumableConnectionTest {
    private static final String ID = "stream-id-for-connections-1";

    private static String event(int seq, String data) {
        return "id: " + ID + ":" + seq + "\ndata: " + data + "\n\n";
    }

    private static final String FIRST_THREE = event(1, "one") + event(2, "two") + event(3, "three");
    private static final String LAST_TWO = event(4, "four") + event(5, "five");

    private static String end(String outcome) {
        return "event: postsse.end\ndata: " + outcome + "\n\n";
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertTrue(latch.await(10, TimeUnit.SECONDS), what);
    }

    @Test
    void idleAttachmentGetsHeartbeatComments() throws Exception {
        ResumableStreamTest.Scripted producer = new ResumableStreamTest.Scripted();
        try (TestServer server = TestServer.start(sse -> {
            sse.heartbeat = Duration.ofMillis(100);
            sse.post("/r", Object.class, producer).resumable();
        }); RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readUntil(FIRST_THREE + ":\n\n");
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":3")) {
                assertEquals(":\n\n", get.readUntil(":\n\n"));
                producer.gate.countDown();
                assertEquals(LAST_TWO + end("completed"), get.readToEnd().replace(":\n\n", ""));
            }
        }
    }

    @Test
    void closingOneAttachmentLeavesTheOthersAndTheProducerRunning() throws Exception {
        ResumableStreamTest.Scripted producer = new ResumableStreamTest.Scripted();
        try (TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, producer).resumable());
                RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readUntil(FIRST_THREE);
            try (RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":0")) {
                get.readUntil(FIRST_THREE);
            }
            producer.gate.countDown();
            assertEquals(FIRST_THREE + LAST_TWO + end("completed"), post.readToEnd());
            assertEquals(1, producer.cancelled.getCount(), "the producer should not be cancelled");
        }
    }

    @Test
    void readerThatStopsReadingIsCutOffWithoutHoldingTheProducerBack() throws Exception {
        String payload = "x".repeat(64 * 1024);
        int events = 128; // 8 MiB: more than the sockets' buffers hold
        CountDownLatch sentAll = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        try (TestServer server = TestServer.start(sse -> {
            sse.sendTimeout = Duration.ofMillis(300);
            sse.resumeGrace = Duration.ofMillis(100); // after the cut-off, no one is attached: the producer is cancelled
            sse.maxBytesPerStream = 64L << 20;
            sse.post("/r", Object.class, (request, emitter) -> {
                emitter.onCancel(cancelled::countDown);
                for (int i = 0; i < events; i++) {
                    emitter.send(payload);
                }
                sentAll.countDown();
                Thread.sleep(Duration.ofMinutes(1).toMillis());
            }).resumable();
        }); Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", server.app.port()));
            socket.getOutputStream().write(("POST /r HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
            // ... and read nothing.
            await(sentAll, "the producer should send everything while its reader reads nothing");
            await(cancelled, "the reader should be cut off, and then, with no one attached, the producer cancelled");
            socket.setSoTimeout(20_000);
            byte[] all;
            try {
                all = socket.getInputStream().readAllBytes();
            } catch (java.net.SocketException reset) {
                all = new byte[0];
            }
            String seen = new String(all, StandardCharsets.ISO_8859_1);
            assertFalse(seen.endsWith("0\r\n\r\n"), "the cut-off connection should not end normally");
            assertTrue(all.length < events * payload.length(), "read " + all.length + " bytes");
        }
    }

    @Test
    void serverStopBreaksAttachmentsWithoutTheEndMarkerAndCancelsTheProducer() throws Exception {
        ResumableStreamTest.Scripted producer = new ResumableStreamTest.Scripted();
        TestServer server = TestServer.start(sse -> sse.post("/r", Object.class, producer).resumable());
        try (RawHttp post = RawHttp.post(server, "/r", "{}", "Postsse-Stream", ID)) {
            post.readUntil(FIRST_THREE);
            RawHttp get = RawHttp.get(server, "/r", "Last-Event-ID", ID + ":1");
            get.readUntil(event(3, "three"));
            server.app.stop();
            await(producer.cancelled, "the producer should be cancelled");
            await(producer.interrupted, "the producer should be interrupted");
            assertEquals(FIRST_THREE, post.readToCut());
            assertEquals(event(2, "two") + event(3, "three"), get.readToCut());
            get.close();
        } finally {
            server.close();
        }
    }

    @Test
    void preflightAllowsPostGetAndDeleteAndStreamsExposeTheirId() throws Exception {
        ResumableStreamTest.Scripted producer = new ResumableStreamTest.Scripted();
        producer.gate.countDown();
        HttpClient http = HttpClient.newHttpClient();
        try (TestServer server = TestServer.start(sse -> {
            sse.allowedOrigins = Set.of("https://app.example");
            sse.post("/r", Object.class, producer).resumable();
        })) {
            HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(server.uri("/r"))
                    .header("Origin", "https://app.example")
                    .header("Access-Control-Request-Method", "DELETE")
                    .header("Access-Control-Request-Headers", "postsse-stream")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, preflight.statusCode());
            assertEquals("POST, GET, DELETE", preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow());
            assertEquals("postsse-stream", preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow());

            try (RawHttp post = RawHttp.post(server, "/r", "{}", "Origin", "https://app.example", "Postsse-Stream", ID)) {
                assertEquals("https://app.example", post.header("Access-Control-Allow-Origin"));
                assertEquals("Postsse-Stream", post.header("Access-Control-Expose-Headers"));
                assertEquals(ID, post.header("Postsse-Stream"));
                post.readToEnd();
            }
            try (RawHttp get = RawHttp.get(server, "/r", "Origin", "https://app.example", "Last-Event-ID", ID + ":5")) {
                assertEquals("Postsse-Stream", get.header("Access-Control-Expose-Headers"));
                assertEquals(end("completed"), get.readToEnd());
            }
            try (RawHttp delete = RawHttp.send(server, "DELETE", "/r", null, "Origin", "https://evil.example",
                    "Postsse-Stream", ID)) {
                delete.problem(403);
            }
            try (RawHttp get = RawHttp.get(server, "/r", "Origin", "https://evil.example", "Last-Event-ID", ID + ":5")) {
                get.problem(403);
                assertNull(get.header("Access-Control-Allow-Origin"));
            }
        }
    }

    @Test
    void overH2cAResetAttachmentLeavesTheProducerRunningAndAGetResumes() throws Exception {
        ResumableStreamTest.Scripted producer = new ResumableStreamTest.Scripted();
        HTTP2Client client = new HTTP2Client();
        client.start();
        try (TestServer server = TestServer.start(sse -> {
            sse.http2 = true;
            sse.post("/r", Object.class, producer).resumable();
        })) {
            Session session = client.connect(new InetSocketAddress("127.0.0.1", server.app.port()), new Session.Listener() {
            }).get(5, TimeUnit.SECONDS);
            Http2Test.Received first = new Http2Test.Received(true);
            MetaData.Request post = new MetaData.Request("POST", HttpURI.from(server.uri("/r").toString()), HttpVersion.HTTP_2,
                    HttpFields.build().put(HttpHeader.CONTENT_TYPE, "application/json").put("Postsse-Stream", ID));
            Stream stream = session.newStream(new HeadersFrame(post, null, false), first).get(5, TimeUnit.SECONDS);
            stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap("{}".getBytes(StandardCharsets.UTF_8)), true))
                    .get(5, TimeUnit.SECONDS);
            await(producer.sentThree, "the producer should send");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!first.body.toString().equals(FIRST_THREE)) {
                assertTrue(System.nanoTime() < deadline, "the first events should arrive: " + first.body);
                Thread.sleep(5);
            }
            assertEquals(ID, first.response.get().getHttpFields().get("Postsse-Stream"));
            assertNull(first.response.get().getHttpFields().get(HttpHeader.CONNECTION));
            stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code)).get(5, TimeUnit.SECONDS);

            Http2Test.Received resumed = new Http2Test.Received(true);
            MetaData.Request get = new MetaData.Request("GET", HttpURI.from(server.uri("/r").toString()), HttpVersion.HTTP_2,
                    HttpFields.build().put("Last-Event-ID", ID + ":3"));
            session.newStream(new HeadersFrame(get, null, true), resumed).get(5, TimeUnit.SECONDS);
            producer.gate.countDown();
            await(resumed.ended, "the resumed stream should end");
            assertEquals(LAST_TWO + end("completed"), resumed.body.toString());
            assertEquals(1, producer.cancelled.getCount(), "the producer should not be cancelled");
        } finally {
            client.stop();
        }
    }
}
