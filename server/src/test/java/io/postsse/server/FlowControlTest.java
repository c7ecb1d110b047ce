package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Heartbeats on a silent stream, and the cut-off of a client that stops reading. */
class FlowControlTest {
    @Test
    void silentStreamGetsHeartbeatComments() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestServer server = TestServer.start(sse -> {
            sse.heartbeat = Duration.ofMillis(100);
            sse.post("/quiet", Object.class, (request, events) -> {
                release.await(10, TimeUnit.SECONDS);
                events.send("finally");
            });
        }); Socket socket = server.openRawPost("/quiet", "{}", 0)) {
            String seen = TestServer.readUntil(socket, ":\n\n");
            assertTrue(seen.contains("text/event-stream"), seen);
            release.countDown();
            TestServer.readUntil(socket, "data: finally\n\n");
        }
    }

    @Test
    void clientThatStopsReadingIsCutOffAndItsProducerCancelled() throws Exception {
        int eventBytes = 16 * 1024;
        String payload = "x".repeat(eventBytes);
        AtomicLong sentBytes = new AtomicLong();
        AtomicReference<Throwable> stoppedBy = new AtomicReference<>();
        CountDownLatch producerStopped = new CountDownLatch(1);
        CountDownLatch cancelCallbackRan = new CountDownLatch(1);
        try (TestServer server = TestServer.start(sse -> {
            sse.maxBufferedBytes = 64 * 1024;
            sse.sendTimeout = Duration.ofMillis(300);
            sse.post("/firehose", Object.class, (request, events) -> {
                events.onCancel(cancelCallbackRan::countDown);
                try {
                    while (true) {
                        events.send(payload);
                        sentBytes.addAndGet(eventBytes);
                    }
                } catch (StreamClosedException e) {
                    stoppedBy.set(e);
                } finally {
                    producerStopped.countDown();
                }
            });
        }); Socket socket = server.openRawPost("/firehose", "{}", 4096)) {
            TestServer.readUntil(socket, "\r\n\r\n");
            // ... and read no more.
            assertTrue(producerStopped.await(20, TimeUnit.SECONDS), "the producer should be stopped");
            assertEquals(StreamClosedException.class, stoppedBy.get().getClass());
            assertTrue(cancelCallbackRan.await(1, TimeUnit.SECONDS), "the cancel callback should run");
            // What left the producer is bounded by the stream's buffer plus the sockets' buffers,
            // not by how long the producer kept trying.
            assertTrue(sentBytes.get() < 32L * 1024 * 1024, "sent " + sentBytes.get() + " bytes");
        }
    }

    @Test
    void aSlowReaderHoldsNoMoreThanTheStreamsBufferAndTheKernelsSendBuffer() throws Exception {
        int eventBytes = 1024;
        int streamBuffer = 32 * 1024;
        int socketSendBuffer = 32 * 1024;
        int clientReceiveBuffer = 4096;
        String payload = "x".repeat(eventBytes);
        AtomicLong sentBytes = new AtomicLong();
        CountDownLatch producerStopped = new CountDownLatch(1);
        try (TestServer server = TestServer.start(sse -> {
            sse.maxBufferedBytes = streamBuffer;
            sse.socketSendBufferBytes = socketSendBuffer;
            sse.sendTimeout = Duration.ofMillis(500);
            sse.post("/firehose", Object.class, (request, events) -> {
                try {
                    while (true) {
                        events.send(payload);
                        sentBytes.addAndGet(eventBytes);
                    }
                } catch (StreamClosedException e) {
                    // cut off: the client took nothing for the send timeout
                } finally {
                    producerStopped.countDown();
                }
            });
        }); Socket socket = server.openRawPost("/firehose", "{}", clientReceiveBuffer)) {
            TestServer.readUntil(socket, "\r\n\r\n");
            // ... and read no more.
            assertTrue(producerStopped.await(20, TimeUnit.SECONDS), "the producer should be stopped");
            // Taken from the producer, at most: the stream's buffer, a batch of it handed to the
            // connection, the kernel's send buffer (Linux doubles what it is set to), and the
            // client's receive buffer (doubled too). Left to itself, Linux grows the send buffer of
            // a slow reader to megabytes.
            long bound = 2L * streamBuffer + 2L * socketSendBuffer + 2L * clientReceiveBuffer + eventBytes;
            assertTrue(sentBytes.get() <= bound, "sent " + sentBytes.get() + " bytes, more than " + bound);
        }
    }
}
