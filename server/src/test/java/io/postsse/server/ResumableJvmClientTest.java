package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.postsse.client.EventStreamCall;
import io.postsse.client.EventStreamClient;
import io.postsse.client.EventStreamException;
import io.postsse.client.EventStreamListener;
import io.postsse.client.EventStreamRequest;
import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.protocol.StreamError;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The JVM client against resumable routes: what its cancel, a cut and a vanished stream do on the server. */
class ResumableJvmClientTest {
    record Job(String name) {
    }

    /** Records one stream as the JVM client reports it. */
    private static final class Recording implements EventStreamListener {
        final List<String> data = new CopyOnWriteArrayList<>();
        final List<CloseReason> closes = new CopyOnWriteArrayList<>();
        final AtomicReference<EventStreamException> error = new AtomicReference<>();
        final AtomicReference<String> streamHeader = new AtomicReference<>();
        final CountDownLatch firstEvent = new CountDownLatch(1);

        @Override
        public void onOpen(int status, HttpHeaders headers) {
            streamHeader.compareAndSet(null, headers.firstValue("Postsse-Stream").orElse(null));
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            data.add(event.data());
            firstEvent.countDown();
        }

        @Override
        public void onError(EventStreamException e) {
            error.set(e);
        }

        @Override
        public void onClosed(CloseReason reason) {
            closes.add(reason);
        }
    }

    @Test
    void cancelStopsTheProducerOnTheServer() throws Exception {
        CountDownLatch cancelled = new CountDownLatch(1);
        try (TestServer server = TestServer.start(sse -> sse.post("/job", Job.class, (job, events) -> {
            events.onCancel(cancelled::countDown);
            events.send("started");
            Thread.sleep(60_000);
        }).resumable())) {
            Recording recording = new Recording();
            EventStreamCall call = EventStreamClient.create().open(
                    EventStreamRequest.post(server.uri("/job")).jsonBody("{\"name\":\"a\"}"), recording);
            assertTrue(recording.firstEvent.await(10, TimeUnit.SECONDS));
            call.cancel();
            assertTrue(call.awaitClosed(Duration.ofSeconds(10)));
            assertTrue(cancelled.await(10, TimeUnit.SECONDS), "the producer is cancelled by the client's cancel");
            assertEquals(List.of(CloseReason.CANCELLED), recording.closes);
        }
    }

    @Test
    void cancelBeforeAnyEventStillStopsTheProducer() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        try (TestServer server = TestServer.start(sse -> sse.post("/job", Job.class, (job, events) -> {
            events.onCancel(cancelled::countDown);
            started.countDown();
            Thread.sleep(60_000);
        }).resumable())) {
            Recording recording = new Recording();
            EventStreamCall call = EventStreamClient.create().open(
                    EventStreamRequest.post(server.uri("/job")).jsonBody("{\"name\":\"a\"}"), recording);
            assertTrue(started.await(10, TimeUnit.SECONDS));
            call.cancel();
            assertTrue(call.awaitClosed(Duration.ofSeconds(10)));
            assertTrue(cancelled.await(10, TimeUnit.SECONDS), "the producer is cancelled by the client's cancel");
        }
    }

    @Test
    void failedClientDoesNotStopTheProducer() throws Exception {
        CountDownLatch goOn = new CountDownLatch(1);
        AtomicInteger cancels = new AtomicInteger();
        AtomicReference<String> finished = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        try (TestServer server = TestServer.start(sse -> sse.post("/job", Job.class, (job, events) -> {
            events.onCancel(cancels::incrementAndGet);
            events.send("one");
            goOn.await(10, TimeUnit.SECONDS);
            events.send("two");
            finished.set("yes");
            done.countDown();
        }).resumable());
                io.postsse.testing.FaultInjectingProxy proxy =
                        new io.postsse.testing.FaultInjectingProxy(server.app.port(), 7, 0, 0)) {
            Recording recording = new Recording();
            // No retries: the first broken read fails the stream, as a client that went away would.
            EventStreamCall call = EventStreamClient.create().open(
                    EventStreamRequest.post(proxy.uri("/job")).jsonBody("{\"name\":\"a\"}").maxRetries(0), recording);
            assertTrue(recording.firstEvent.await(10, TimeUnit.SECONDS));
            proxy.close();
            proxy.breakAll();
            assertTrue(call.awaitClosed(Duration.ofSeconds(10)));
            assertEquals(List.of(CloseReason.FAILED), recording.closes);
            goOn.countDown();
            assertTrue(done.await(10, TimeUnit.SECONDS), "the producer runs on after its client failed");
            assertEquals(0, cancels.get());
            // ...and the rest is there for a client that resumes.
            Recording resumed = new Recording();
            EventStreamCall again = EventStreamClient.create().open(EventStreamRequest.of("GET", server.uri("/job"))
                    .lastEventId(recording.streamHeader.get() + ":1"), resumed);
            assertTrue(again.awaitClosed(Duration.ofSeconds(10)));
            assertEquals(List.of("two"), resumed.data);
            assertEquals(List.of(CloseReason.COMPLETED), resumed.closes);
        }
    }

    @Test
    void goneStreamIsATypedErrorAndNothingRunsAgain() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (TestServer server = TestServer.start(sse -> sse.post("/job", Job.class, (job, events) -> {
            runs.incrementAndGet();
            events.send("x");
        }).resumable())) {
            Recording recording = new Recording();
            EventStreamCall call = EventStreamClient.create().open(EventStreamRequest.post(server.uri("/job"))
                    .jsonBody("{\"name\":\"a\"}").lastEventId("AAAAAAAAAAAAAAAAAAAAAA:3"), recording);
            assertTrue(call.awaitClosed(Duration.ofSeconds(10)));
            assertNotNull(recording.error.get());
            assertEquals(StreamError.Kind.GONE, recording.error.get().kind());
            assertEquals(410, recording.error.get().status());
            assertFalse(recording.error.get().retrying());
            assertEquals(List.of(CloseReason.FAILED), recording.closes);
            assertEquals(0, runs.get(), "a stream the server does not hold is never started afresh");
        }
    }
}
