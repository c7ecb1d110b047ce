package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/** A server that stops while a stream is open breaks the stream: its client sees a failure, not an end. */
class ServerStopTest {
    /** A producer that sends one event, then stays silent until it is cancelled. */
    private static TestServer startSilentAfterOneEvent(boolean http2, CountDownLatch cancelled) {
        return TestServer.start(sse -> {
            sse.http2 = http2;
            sse.post("/stream", Object.class, (request, events) -> {
                events.onCancel(cancelled::countDown);
                events.send("first");
                Thread.sleep(Duration.ofMinutes(1).toMillis());
            });
        });
    }

    /** Reads what the connection brings until it closes, or is reset, for at most 20 s. */
    private static String readToClose(Socket socket) throws IOException {
        socket.setSoTimeout(20_000);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        try {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                all.write(buffer, 0, read);
            }
        } catch (SocketException reset) {
            // a reset is a break too
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void stopBreaksOpenHttp11StreamsWithoutTheirLastChunk() throws Exception {
        // Several streams: each races the server's closing of its connection, and none may end
        // with the last chunk first.
        int streams = 6;
        CountDownLatch cancelled = new CountDownLatch(streams);
        TestServer server = startSilentAfterOneEvent(false, cancelled);
        List<Socket> sockets = new ArrayList<>();
        try {
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                Socket socket = server.openRawPost("/stream", "{}", 0);
                sockets.add(socket);
                seen.add(TestServer.readUntil(socket, "data: first\n\n"));
                assertTrue(seen.get(i).contains("\r\nTransfer-Encoding: chunked\r\n"), seen.get(i));
            }
            server.app.stop();
            assertTrue(cancelled.await(5, TimeUnit.SECONDS), "the producers should be cancelled");
            for (int i = 0; i < streams; i++) {
                String rest = readToClose(sockets.get(i));
                assertFalse((seen.get(i) + rest).endsWith("0\r\n\r\n"), "the stream should not end: " + seen.get(i) + rest);
                assertEquals("", rest, "nothing should follow the event");
            }
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
            server.close();
        }
    }

    @Test
    void stopFailsTheJvmClientsStreamInsteadOfCompletingIt() throws Exception {
        CountDownLatch cancelled = new CountDownLatch(1);
        TestServer server = startSilentAfterOneEvent(false, cancelled);
        try {
            ClientStream stream = new ClientStream(server.uri("/stream"), 1);
            try {
                stream.awaitEvents(20);
                server.app.stop();
            } catch (RuntimeException | AssertionError | InterruptedException e) {
                stream.cancel();
                throw e;
            }
            stream.assertEndsAsANetworkFailure(20);
        } finally {
            server.close();
        }
    }

    /** One HTTP/2 response stream: whether its first event came, and whether it ended or broke. */
    private static final class H2Stream implements Stream.Listener {
        final CountDownLatch firstEvent = new CountDownLatch(1);
        final CountDownLatch ended = new CountDownLatch(1);
        final CountDownLatch broken = new CountDownLatch(1);

        @Override
        public void onHeaders(Stream stream, HeadersFrame frame) {
            if (frame.isEndStream()) {
                ended.countDown();
            } else {
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
                if (StandardCharsets.UTF_8.decode(data.frame().getByteBuffer()).toString().contains("first")) {
                    firstEvent.countDown();
                }
                data.release();
                if (data.frame().isEndStream()) {
                    ended.countDown();
                    return;
                }
            }
        }

        @Override
        public void onReset(Stream stream, ResetFrame frame, Callback callback) {
            broken.countDown();
            callback.succeeded();
        }

        @Override
        public void onFailure(Stream stream, int error, String reason, Throwable failure, Callback callback) {
            broken.countDown();
            callback.succeeded();
        }
    }

    @Test
    void stopResetsOpenHttp2StreamsInsteadOfEndingThem() throws Exception {
        // Several streams on one connection: each races the server's closing of the connection, and
        // none may end normally first.
        int streams = 6;
        CountDownLatch cancelled = new CountDownLatch(streams);
        TestServer server = startSilentAfterOneEvent(true, cancelled);
        HTTP2Client client = new HTTP2Client();
        client.start();
        try {
            Session session = client.connect(new InetSocketAddress("127.0.0.1", server.app.port()),
                    new Session.Listener() {
                    }).get(5, TimeUnit.SECONDS);
            List<H2Stream> opened = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                H2Stream listener = new H2Stream();
                MetaData.Request request = new MetaData.Request("POST", HttpURI.from(server.uri("/stream").toString()),
                        HttpVersion.HTTP_2, HttpFields.build().put(HttpHeader.CONTENT_TYPE, "application/json"));
                Stream stream = session.newStream(new HeadersFrame(request, null, false), listener)
                        .get(5, TimeUnit.SECONDS);
                stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap("{}".getBytes(StandardCharsets.UTF_8)), true))
                        .get(5, TimeUnit.SECONDS);
                opened.add(listener);
            }
            for (H2Stream stream : opened) {
                assertTrue(stream.firstEvent.await(5, TimeUnit.SECONDS), "the first event should arrive");
            }

            server.app.stop();
            assertTrue(cancelled.await(5, TimeUnit.SECONDS), "the producers should be cancelled");
            for (H2Stream stream : opened) {
                assertTrue(stream.broken.await(20, TimeUnit.SECONDS), "the stream should be reset or fail");
                assertEquals(1, stream.ended.getCount(), "the stream should not end normally");
            }
        } finally {
            client.stop();
            server.close();
        }
    }
}
