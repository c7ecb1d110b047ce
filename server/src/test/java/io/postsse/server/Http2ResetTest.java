package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
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
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/** What the server does once an HTTP/2 client has reset its streams. */
class Http2ResetTest {
    private static final int STREAMS = 4;

    @Test
    void resetStreamsLeaveTheServerIdle() throws Exception {
        CountDownLatch streaming = new CountDownLatch(STREAMS);
        CountDownLatch cancelled = new CountDownLatch(STREAMS);
        CountDownLatch producersReturned = new CountDownLatch(STREAMS);
        HTTP2Client client = new HTTP2Client();
        client.start();
        try (TestServer server = TestServer.start(sse -> {
            sse.http2 = true;
            sse.post("/wait", Object.class, (request, events) -> {
                try {
                    events.onCancel(cancelled::countDown);
                    events.send("ready");
                    streaming.countDown();
                    Thread.sleep(Duration.ofMinutes(1).toMillis());
                } catch (InterruptedException e) {
                    // the reset cancelled the stream: the producer ends
                } finally {
                    producersReturned.countDown();
                }
            });
        })) {
            Session session = client.connect(new InetSocketAddress("127.0.0.1", server.app.port()),
                    new Session.Listener() {
                    }).get(5, TimeUnit.SECONDS);
            List<Stream> streams = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                streams.add(post(server, session));
            }
            assertTrue(streaming.await(10, TimeUnit.SECONDS), "every stream should be streaming");
            for (Stream stream : streams) {
                stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP);
            }
            assertTrue(cancelled.await(10, TimeUnit.SECONDS), "every producer should be cancelled");
            // Where the request's finishing spins, it may spin on a producer's thread: that one never returns.
            boolean returned = producersReturned.await(10, TimeUnit.SECONDS);

            // Nothing is left to do: the process should soon be nearly idle. A thread stuck finishing a reset
            // request again and again keeps it busy for good, while a quiet server has a quiet second within
            // ten (the JIT compiler and the collector may still work at first). The process's CPU time
            // counts virtual threads too, which per-thread times miss.
            List<String> seen = new ArrayList<>();
            boolean quiet = false;
            for (int window = 0; window < 10 && !quiet; window++) {
                long wallStart = System.nanoTime();
                long cpuStart = processCpuNanos();
                Thread.sleep(1000); // a measuring window, not a wait for an event
                long cpu = processCpuNanos() - cpuStart;
                long wall = System.nanoTime() - wallStart;
                seen.add(String.format("%.0f ms in %.0f ms", cpu / 1e6, wall / 1e6));
                quiet = cpu < wall / 5;
            }
            System.out.println("CPU after the resets, a second at a time: " + seen);
            assertTrue(quiet, "the process should have a second with under 20% of a core's CPU after the resets; "
                    + "it used, a second at a time: " + seen);
            assertTrue(returned, "every producer should return");
        } finally {
            client.stop();
        }
    }

    private static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    }

    /** Opens a POST stream on the session, sends its JSON body, and reads what comes. */
    private static Stream post(TestServer server, Session session) throws Exception {
        HttpFields fields = HttpFields.build().put(HttpHeader.CONTENT_TYPE, "application/json");
        MetaData.Request request = new MetaData.Request("POST", HttpURI.from(server.uri("/wait").toString()),
                HttpVersion.HTTP_2, fields);
        Stream stream = session.newStream(new HeadersFrame(request, null, false), new Http2Test.Received(true))
                .get(5, TimeUnit.SECONDS);
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(body), true)).get(5, TimeUnit.SECONDS);
        return stream;
    }
}
