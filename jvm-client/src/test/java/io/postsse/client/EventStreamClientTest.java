package io.postsse.client;

import io.postsse.protocol.CloseReason;
import io.postsse.protocol.StreamError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.postsse.protocol.ServerSentEvent;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class EventStreamClientTest {
    private final EventStreamClient client = EventStreamClient.create();

    /** Sends an event every 10 ms, up to 1,000; counts down the latch when the client closes the connection. */
    private static RawHttpServer.Handler eventsUntilClosed(CountDownLatch serverSawClose) {
        return (request, exchange) -> {
            exchange.startStream();
            try {
                for (int i = 0; i < 1000; i++) {
                    exchange.send("data: " + i + "\n\n");
                    Thread.sleep(10);
                }
            } catch (IOException e) {
                serverSawClose.countDown();
            }
        };
    }

    private static EventStreamRequest fastRetries(RawHttpServer server) {
        return EventStreamRequest.post(server.uri("/stream")).jsonBody("{\"q\":1}").retryDelay(Duration.ofMillis(10));
    }

    @Test
    void eventsArriveInOrderWithTheirTypesAndIds() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            exchange.send("event: token\ndata: one\n\n");
            exchange.send("id: 2\ndata: two\n\n");
            exchange.send("data: three\n\n");
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server), listener);
            assertEquals(CloseReason.COMPLETED, listener.awaitClose());
            assertEquals(List.of("open 200", "event token one ", "event message two 2", "event message three 2",
                    "closed COMPLETED"), listener.calls);
        }
    }

    @Test
    void postSendsTheBodyTheHeadersAndAcceptEventStream() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server).header("Authorization", "Bearer secret"), listener);
            listener.awaitClose();
            RawHttpServer.Request request = server.nextRequest();
            assertEquals("POST", request.method());
            assertEquals("{\"q\":1}", request.body());
            assertEquals("application/json", request.header("Content-Type"));
            assertEquals("text/event-stream", request.header("Accept"));
            assertEquals("Bearer secret", request.header("Authorization"));
            assertEquals(null, request.header("Last-Event-ID"));
        }
    }

    /** As in the browser client: the default JSON content type only when the caller named none. */
    @Test
    void contentTypeGivenAsAHeaderReplacesTheDefault() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server).header("content-type", "application/vnd.api+json"), listener);
            listener.awaitClose();
            assertEquals("application/vnd.api+json", server.nextRequest().header("Content-Type"));
        }
    }

    @Test
    void badRequestFailsAtOnceWithStatusAndTheProblemsTitleAndDetail() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> exchange.respond(400,
                "application/problem+json",
                "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,\"detail\":\"prompt is required\"}"))) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server), listener);
            assertEquals(CloseReason.FAILED, listener.awaitClose());
            EventStreamException error = listener.errors.get(0);
            assertEquals(StreamError.Kind.HTTP_STATUS, error.kind());
            assertEquals(400, error.status());
            assertEquals("HTTP 400: Bad Request", error.getMessage());
            assertEquals("prompt is required", error.detail());
            assertEquals(1, server.requests.size(), "a 4xx is never retried");
        }
    }

    @Test
    void errorBodyIsCutToAShortExcerpt() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) ->
                exchange.respond(404, "text/plain", "x".repeat(5000)))) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server), listener);
            listener.awaitClose();
            assertEquals("x".repeat(200) + "\u2026", listener.errors.get(0).detail());
        }
    }

    @Test
    void wrongContentTypeFailsAtOnce() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) ->
                exchange.respond(200, "text/html", "<html>login</html>"))) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server), listener);
            assertEquals(CloseReason.FAILED, listener.awaitClose());
            assertEquals(StreamError.Kind.CONTENT_TYPE, listener.errors.get(0).kind());
            assertEquals(1, server.requests.size());
        }
    }

    @Test
    void noContentCompletesWithoutEvents() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> exchange.respond(204, null, ""))) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server), listener);
            assertEquals(CloseReason.COMPLETED, listener.awaitClose());
            assertEquals(List.of("closed COMPLETED"), listener.calls);
        }
    }

    @Test
    void serviceUnavailableIsRetriedAfterRetryAfterThenStreams() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            if (attempts.incrementAndGet() == 1) {
                exchange.respond(503, "text/plain", "busy", "Retry-After: 0");
                return;
            }
            exchange.startStream();
            exchange.send("data: finally\n\n");
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server), listener);
            assertEquals(CloseReason.COMPLETED, listener.awaitClose());
            assertEquals(List.of("error HTTP_STATUS retrying", "open 200", "event message finally ", "closed COMPLETED"),
                    listener.calls);
            assertEquals(2, attempts.get());
        }
    }

    @Test
    void droppedConnectionReconnectsAfterTheServersRetryWithLastEventId() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            String lastEventId = request.header("Last-Event-ID");
            if (lastEventId == null) {
                exchange.send("retry: 50\n\nid: 7\ndata: before\n\n");
                exchange.drop();
                return;
            }
            exchange.send("data: resumed after " + lastEventId + "\n\n");
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server).retryDelay(Duration.ofSeconds(30)), listener);
            // With the request's own 30 s delay this would time out: the server's retry: 50 rules.
            assertEquals(CloseReason.COMPLETED, listener.awaitClose());
            assertEquals(List.of("open 200", "event message before 7", "error NETWORK retrying", "open 200",
                    "event message resumed after 7 7", "closed COMPLETED"), listener.calls);
            assertEquals(null, server.nextRequest().header("Last-Event-ID"));
            RawHttpServer.Request reconnection = server.nextRequest();
            assertEquals("7", reconnection.header("Last-Event-ID"));
            assertEquals("{\"q\":1}", reconnection.body());
        }
    }

    @Test
    void streamThatEndsNormallyIsNeverSentAgain() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            exchange.send("retry: 1\n\ndata: only\n\n");
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener();
            EventStreamCall call = client.open(fastRetries(server), listener);
            assertEquals(CloseReason.COMPLETED, listener.awaitClose());
            assertTrue(call.awaitClosed(Duration.ofSeconds(1)));
            assertEquals(1, server.requests.size());
        }
    }

    @Test
    void reconnectionsStopAfterMaxRetriesAndTheStreamFails() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) ->
                exchange.respond(502, "text/plain", "bad gateway"))) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server).maxRetries(2), listener);
            assertEquals(CloseReason.FAILED, listener.awaitClose());
            assertEquals(3, server.requests.size(), "the first request and two retries");
            assertEquals(502, listener.errors.get(0).status());
        }
    }

    @Test
    void refusedConnectionIsRetriedThenFails() throws Exception {
        RawHttpServer closed = new RawHttpServer((request, exchange) -> { });
        EventStreamRequest request = fastRetries(closed).maxRetries(2);
        closed.close();
        RecordingListener listener = new RecordingListener();
        client.open(request, listener);
        assertEquals(CloseReason.FAILED, listener.awaitClose());
        assertEquals(List.of("error NETWORK retrying", "error NETWORK retrying", "error NETWORK", "closed FAILED"),
                listener.calls);
        assertEquals("connection refused by 127.0.0.1:" + closed.port(), listener.errors.get(2).getMessage());
    }

    /** The name is under {@code .invalid}, which never resolves (RFC 2606). */
    @Test
    void unknownHostIsNamedInTheError() throws Exception {
        RecordingListener listener = new RecordingListener();
        client.open(EventStreamRequest.post(URI.create("http://no-such-host.invalid/stream")).maxRetries(0), listener);
        assertEquals(CloseReason.FAILED, listener.awaitClose());
        assertEquals(StreamError.Kind.NETWORK, listener.errors.get(0).kind());
        assertEquals("cannot resolve host no-such-host.invalid", listener.errors.get(0).getMessage());
    }

    @Test
    void connectTimeoutFailsAnAttemptWithNoResponseThenRetries() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch testOver = new CountDownLatch(1);
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            if (attempts.incrementAndGet() == 1) {
                testOver.await(10, TimeUnit.SECONDS); // takes the request, never answers
                return;
            }
            exchange.startStream();
            exchange.send("data: answered\n\n");
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server).connectTimeout(Duration.ofSeconds(1)), listener);
            assertEquals(CloseReason.COMPLETED, listener.awaitClose());
            assertEquals(List.of("error NETWORK retrying", "open 200", "event message answered ", "closed COMPLETED"),
                    listener.calls);
            assertEquals("no response from 127.0.0.1:" + server.port() + " within 1 s (connect timeout)",
                    listener.errors.get(0).getMessage());
        } finally {
            testOver.countDown();
        }
    }

    @Test
    void idleTimeoutClosesASilentConnectionThenReconnects() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch clientClosedTheSilentOne = new CountDownLatch(1);
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            if (attempts.incrementAndGet() == 1) {
                exchange.send("id: 1\ndata: one\n\n");
                if (exchange.awaitClosedByClient(Duration.ofSeconds(10))) { // and sends nothing more
                    clientClosedTheSilentOne.countDown();
                }
                return;
            }
            exchange.send("data: two\n\n");
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server).idleTimeout(Duration.ofMillis(300)), listener);
            assertEquals(CloseReason.COMPLETED, listener.awaitClose());
            assertEquals(List.of("open 200", "event message one 1", "error NETWORK retrying", "open 200",
                    "event message two 1", "closed COMPLETED"), listener.calls);
            assertEquals("nothing from 127.0.0.1:" + server.port() + " for 300 ms (idle timeout)",
                    listener.errors.get(0).getMessage());
            assertTrue(clientClosedTheSilentOne.await(5, TimeUnit.SECONDS), "the silent connection should be closed");
            assertEquals("1", server.requests.stream().skip(1).findFirst().orElseThrow().header("Last-Event-ID"));
        }
    }

    @Test
    void idleTimeoutAlsoEndsASilentErrorBody() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.sendRaw("HTTP/1.1 503 X\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nbusy");
            exchange.awaitClosedByClient(Duration.ofSeconds(10)); // the rest of the body never comes
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server).maxRetries(0).idleTimeout(Duration.ofMillis(300)), listener);
            assertEquals(CloseReason.FAILED, listener.awaitClose());
            assertEquals(503, listener.errors.get(0).status());
            assertEquals("busy", listener.errors.get(0).detail());
        }
    }

    /** Heartbeat comments are bytes: a stream longer than the idle timeout lives on them. */
    @Test
    void heartbeatsKeepTheIdleTimeoutFromFiring() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            for (int i = 0; i < 20; i++) { // 2 s of heartbeats, each 0.1 s apart: 10 times within the timeout
                exchange.send(": heartbeat\n\n");
                Thread.sleep(100);
            }
            exchange.send("data: done\n\n");
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server).maxRetries(0).idleTimeout(Duration.ofSeconds(1)), listener);
            assertEquals(CloseReason.COMPLETED, listener.awaitClose());
            assertEquals(List.of("open 200", "event message done ", "closed COMPLETED"), listener.calls);
        }
    }

    /** A slow application is not a silent server: the bytes it has not read yet are not lost. */
    @Test
    void timeInTheApplicationsCallbackIsNotSilence() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            exchange.send("data: one\n\n");
            exchange.send("data: two\n\n");
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener() {
                @Override
                public void onEvent(ServerSentEvent event) {
                    super.onEvent(event);
                    if (event.data().equals("one")) {
                        try {
                            Thread.sleep(1000); // the application's slow work, three idle timeouts long
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            };
            client.open(fastRetries(server).maxRetries(0).idleTimeout(Duration.ofMillis(300)), listener);
            assertEquals(CloseReason.COMPLETED, listener.awaitClose());
            assertEquals(List.of("open 200", "event message one ", "event message two ", "closed COMPLETED"), listener.calls);
        }
    }

    @Test
    void timeoutsMustNotBeNegative() {
        EventStreamRequest request = EventStreamRequest.post(URI.create("http://127.0.0.1:1/"));
        assertThrows(IllegalArgumentException.class, () -> request.connectTimeout(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> request.idleTimeout(Duration.ofMillis(-1)));
        assertEquals(Duration.ZERO, request.connectTimeout(), "no limit unless asked for");
        assertEquals(Duration.ZERO, request.idleTimeout(), "no limit unless asked for");
    }

    @Test
    void maxLengthMustBePositive() {
        EventStreamRequest request = EventStreamRequest.post(URI.create("http://127.0.0.1:1/"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> request.maxLength(0));
        assertEquals("maxLength must be positive", e.getMessage());
        assertEquals(1, request.maxLength(1).maxLength());
    }

    @Test
    void streamCutShortIsNeverReportedComplete() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            exchange.send("data: first\n\n");
            exchange.drop();
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server).maxRetries(0), listener);
            assertEquals(CloseReason.FAILED, listener.awaitClose());
            assertEquals(List.of("open 200", "event message first ", "error NETWORK", "closed FAILED"), listener.calls);
            assertEquals("127.0.0.1:" + server.port() + " closed the connection before the stream ended",
                    listener.errors.get(0).getMessage());
        }
    }

    /** Regression: one decoder for all connections completed a cut line with the next connection's bytes. */
    @Test
    void halfALineDoesNotLeakIntoTheReconnection() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            if (attempts.incrementAndGet() == 1) {
                exchange.send("event: token\ndata: {\"text\":\" asked");
                exchange.drop();
                return;
            }
            exchange.send("event: token\ndata: {\"text\":\"You\"}\n\n");
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server), listener);
            assertEquals(CloseReason.COMPLETED, listener.awaitClose());
            assertEquals(List.of("{\"text\":\"You\"}"),
                    listener.events.stream().map(ServerSentEvent::data).collect(Collectors.toList()));
        }
    }

    /** Regression: a break before the response head was whole failed at once, as if never connected. */
    @Test
    void connectionResetRightAfterTheRequestIsRetried() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            if (attempts.incrementAndGet() == 1) {
                exchange.sendRaw("HT");
                exchange.drop();
                return;
            }
            exchange.startStream();
            exchange.send("data: second try\n\n");
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server), listener);
            assertEquals(CloseReason.COMPLETED, listener.awaitClose());
            assertEquals(List.of("error NETWORK retrying", "open 200", "event message second try ", "closed COMPLETED"),
                    listener.calls);
        }
    }

    @Test
    void lastEventIdIsSentByEveryLaterConnection() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            int attempt = attempts.incrementAndGet();
            if (attempt == 1) {
                exchange.send("id: 7\ndata: one\n\n");
                exchange.drop();
            } else if (attempt == 2) {
                exchange.send("data: two, no id\n\n");
                exchange.drop();
            } else {
                exchange.send("data: three\n\n");
                exchange.end();
            }
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server), listener);
            assertEquals(CloseReason.COMPLETED, listener.awaitClose());
            assertEquals(null, server.nextRequest().header("Last-Event-ID"));
            assertEquals("7", server.nextRequest().header("Last-Event-ID"));
            assertEquals("7", server.nextRequest().header("Last-Event-ID"));
            assertEquals(List.of("7", "7", "7"),
                    listener.events.stream().map(ServerSentEvent::lastEventId).collect(Collectors.toList()));
        }
    }

    @Test
    void callbackThatThrowsEndsTheStreamAsHandlerFailed() throws Exception {
        CountDownLatch serverSawClose = new CountDownLatch(1);
        try (RawHttpServer server = new RawHttpServer(eventsUntilClosed(serverSawClose))) {
            RecordingListener listener = new RecordingListener() {
                @Override
                public void onEvent(ServerSentEvent event) {
                    super.onEvent(event);
                    throw new IllegalStateException("the application's bug");
                }
            };
            client.open(fastRetries(server), listener);
            assertEquals(CloseReason.FAILED, listener.awaitClose());
            assertEquals(List.of("open 200", "event message 0 ", "error HANDLER_FAILED", "closed FAILED"), listener.calls);
            assertEquals("the application's bug", listener.errors.get(0).getCause().getMessage());
            assertTrue(serverSawClose.await(5, TimeUnit.SECONDS), "the connection should be closed");
            assertEquals(1, server.requests.size());
        }
    }

    @Test
    void eventOverTheParserLimitFailsWithATypedError() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            exchange.send("data: " + "x".repeat(2000) + "\n\n");
            exchange.end();
        })) {
            RecordingListener listener = new RecordingListener();
            client.open(fastRetries(server).maxLength(1000), listener);
            assertEquals(CloseReason.FAILED, listener.awaitClose());
            assertEquals(StreamError.Kind.PARSER_LIMIT, listener.errors.get(0).kind());
            assertTrue(listener.events.isEmpty());
        }
    }

    @Test
    void cancelMidStreamClosesTheConnectionAndReportsCancelledOnce() throws Exception {
        CountDownLatch serverSawClose = new CountDownLatch(1);
        try (RawHttpServer server = new RawHttpServer(eventsUntilClosed(serverSawClose))) {
            RecordingListener listener = new RecordingListener();
            EventStreamCall call = client.open(fastRetries(server), listener);
            listener.awaitFirstEvent();
            call.cancel();
            call.cancel();
            assertEquals(CloseReason.CANCELLED, listener.awaitClose());
            assertTrue(serverSawClose.await(5, TimeUnit.SECONDS), "the server should see the connection closed");
            assertEquals(List.of(CloseReason.CANCELLED), listener.closes);
            assertTrue(listener.errors.isEmpty());
            assertEquals(1, server.requests.size());
        }
    }

    @Test
    void blockingStreamYieldsTheEventsInOrder() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            for (int i = 0; i < 1000; i++) {
                exchange.send("data: " + i + "\n\n");
            }
            exchange.end();
        }); Stream<ServerSentEvent> events = client.stream(fastRetries(server))) {
            List<String> data = events.map(ServerSentEvent::data).collect(Collectors.toList());
            assertEquals(1000, data.size());
            assertEquals("0", data.get(0));
            assertEquals("999", data.get(999));
        }
    }

    @Test
    void blockingStreamThrowsTheFailure() throws Exception {
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> exchange.respond(401, "text/plain", "no"));
             Stream<ServerSentEvent> events = client.stream(fastRetries(server))) {
            EventStreamException error = assertThrows(EventStreamException.class, () -> events.iterator().hasNext());
            assertEquals(401, error.status());
        }
    }

    @Test
    void closingTheBlockingStreamCancelsTheRequest() throws Exception {
        CountDownLatch serverSawClose = new CountDownLatch(1);
        try (RawHttpServer server = new RawHttpServer((request, exchange) -> {
            exchange.startStream();
            try {
                for (int i = 0; i < 100_000; i++) {
                    exchange.send("data: " + i + "\n\n");
                }
            } catch (IOException e) {
                serverSawClose.countDown();
            }
        })) {
            Stream<ServerSentEvent> events = client.stream(fastRetries(server));
            Iterator<ServerSentEvent> iterator = events.iterator();
            assertEquals("0", iterator.next().data());
            events.close();
            assertTrue(serverSawClose.await(5, TimeUnit.SECONDS), "the server should see the connection closed");
        }
    }
}
