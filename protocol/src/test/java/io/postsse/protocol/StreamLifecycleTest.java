package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The connection rules both clients follow, one test a rule, driven as a shell would drive them. */
class StreamLifecycleTest {
    private static final String SSE = "text/event-stream; charset=utf-8";

    /** Records every callback in order as text, and can be told to throw or act from inside one. */
    private static final class Recorder implements StreamLifecycle.Listener {
        final List<String> calls = new ArrayList<>();
        final List<ServerSentEvent> events = new ArrayList<>();
        final List<StreamError> errors = new ArrayList<>();
        final List<CloseReason> closes = new ArrayList<>();
        Consumer<ServerSentEvent> onEventAction = event -> { };
        RuntimeException throwOnOpen;
        RuntimeException throwOnError;
        RuntimeException throwOnClose;

        @Override
        public void onOpen(int status) {
            calls.add("open " + status);
            if (throwOnOpen != null) {
                throw throwOnOpen;
            }
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            calls.add("event " + event.data());
            events.add(event);
            onEventAction.accept(event);
        }

        @Override
        public void onError(StreamError error) {
            calls.add("error " + error.kind() + (error.retrying() ? " retrying" : ""));
            errors.add(error);
            if (throwOnError != null) {
                throw throwOnError;
            }
        }

        @Override
        public void onClose(CloseReason reason) {
            calls.add("close " + reason);
            closes.add(reason);
            if (throwOnClose != null) {
                throw throwOnClose;
            }
        }

        List<String> data() {
            List<String> data = new ArrayList<>();
            for (ServerSentEvent event : events) {
                data.add(event.data());
            }
            return data;
        }
    }

    private final Recorder listener = new Recorder();
    private final StreamLifecycle.Settings settings = new StreamLifecycle.Settings();

    StreamLifecycleTest() {
        settings.retryPolicy = (failures, base, max) -> RetryPolicy.exponential(failures, base, max, 0);
        settings.search = CharSearch.STRING_INDEX_OF;
    }

    private StreamLifecycle lifecycle() {
        return new StreamLifecycle(listener, settings);
    }

    /** A lifecycle already reading its first response. */
    private StreamLifecycle reading() {
        StreamLifecycle lifecycle = lifecycle();
        assertEquals(StreamLifecycle.CONNECT, lifecycle.start());
        assertEquals(StreamLifecycle.READ, lifecycle.onResponse(200, SSE, null));
        return lifecycle;
    }

    // ---- opening ----

    @Test
    void startConnectsWithoutLastEventId() {
        StreamLifecycle lifecycle = lifecycle();
        assertEquals(StreamLifecycle.CONNECT, lifecycle.start());
        assertEquals("", lifecycle.lastEventId());
    }

    @Test
    void startFromAGivenLastEventIdSendsIt() {
        settings.lastEventId = "abc:7";
        StreamLifecycle lifecycle = lifecycle();
        assertEquals(StreamLifecycle.CONNECT, lifecycle.start());
        assertEquals("abc:7", lifecycle.lastEventId());
        lifecycle.onResponse(200, SSE, null);
        lifecycle.onText("data: x\n\n");
        assertEquals("abc:7", listener.events.get(0).lastEventId());
    }

    @Test
    void settingsChangedAfterOpeningChangeNothing() {
        settings.maxRetries = 0;
        StreamLifecycle lifecycle = reading();
        settings.maxRetries = 5; // a builder reused for another stream
        assertEquals(StreamLifecycle.STOP, lifecycle.onBroken("reset", null));
    }

    @Test
    void startingTwiceIsAMistake() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertThrows(IllegalStateException.class, lifecycle::start);
    }

    @Test
    void eventStreamResponseOpensWithItsStatus() {
        reading();
        assertEquals(List.of("open 200"), listener.calls);
    }

    @Test
    void contentTypeIsMatchedInAnyCaseWithParameters() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(StreamLifecycle.READ, lifecycle.onResponse(200, "Text/Event-Stream;charset=UTF-8", null));
    }

    @Test
    void wrongContentTypeFailsWithoutRetry() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(StreamLifecycle.STOP, lifecycle.onResponse(200, "application/json", null));
        assertEquals(List.of("error CONTENT_TYPE", "close FAILED"), listener.calls);
        assertEquals(200, listener.errors.get(0).status());
        assertTrue(listener.errors.get(0).message().contains("application/json"));
    }

    @Test
    void missingContentTypeFails() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(StreamLifecycle.STOP, lifecycle.onResponse(200, null, null));
        assertEquals(StreamError.Kind.CONTENT_TYPE, listener.errors.get(0).kind());
        assertTrue(listener.errors.get(0).message().contains("no content type"));
    }

    @Test
    void noContentCompletesWithNoEvents() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(StreamLifecycle.STOP, lifecycle.onResponse(204, null, null));
        assertEquals(List.of("close COMPLETED"), listener.calls);
    }

    // ---- reading ----

    @Test
    void eventsAreDispatchedInOrder() {
        StreamLifecycle lifecycle = reading();
        assertEquals(StreamLifecycle.READ, lifecycle.onText("data: one\n\nevent: token\ndata: two\n\n"));
        assertEquals(List.of("one", "two"), listener.data());
        assertEquals("token", listener.events.get(1).type());
    }

    @Test
    void bytesAreDecodedAcrossChunks() {
        StreamLifecycle lifecycle = reading();
        byte[] bytes = "data: caf\u00e9\n\n".getBytes(StandardCharsets.UTF_8);
        int split = bytes.length - 3; // inside the two bytes of é
        assertEquals(StreamLifecycle.READ, lifecycle.onBytes(bytes, 0, split));
        assertEquals(StreamLifecycle.READ, lifecycle.onBytes(bytes, split, bytes.length - split));
        assertEquals(List.of("caf\u00e9"), listener.data());
    }

    @Test
    void cleanEndCompletesAndNeverConnectsAgain() {
        StreamLifecycle lifecycle = reading();
        lifecycle.onText("data: one\n\n");
        assertEquals(StreamLifecycle.STOP, lifecycle.onEnd());
        assertEquals(List.of("open 200", "event one", "close COMPLETED"), listener.calls);
        assertTrue(lifecycle.isClosed());
    }

    @Test
    void blockNotEndedByABlankLineIsDiscardedAtTheEnd() {
        StreamLifecycle lifecycle = reading();
        lifecycle.onText("data: one\n\ndata: unfinished\n");
        lifecycle.onEnd();
        assertEquals(List.of("one"), listener.data());
    }

    @Test
    void parserLimitFailsWithoutRetry() {
        settings.maxLength = 10;
        StreamLifecycle lifecycle = reading();
        assertEquals(StreamLifecycle.STOP, lifecycle.onText("data: far more than ten characters"));
        assertEquals(List.of("open 200", "error PARSER_LIMIT", "close FAILED"), listener.calls);
    }

    // ---- errors before the stream ----

    @Test
    void clientErrorFailsAtOnceWithTitleAndDetail() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(StreamLifecycle.READ_ERROR_BODY, lifecycle.onResponse(400, "application/problem+json", null));
        assertEquals(StreamLifecycle.STOP, lifecycle.onErrorBody("Bad Request", "prompt is required"));
        StreamError error = listener.errors.get(0);
        assertEquals(StreamError.Kind.HTTP_STATUS, error.kind());
        assertEquals(400, error.status());
        assertEquals("Bad Request", error.message());
        assertEquals("prompt is required", error.detail());
        assertFalse(error.retrying());
        assertEquals(List.of(CloseReason.FAILED), listener.closes);
    }

    @Test
    void tooManyRequestsIsRetried() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(429, "text/plain", null);
        assertEquals(StreamLifecycle.WAIT, lifecycle.onErrorBody("HTTP 429", ""));
        assertEquals(List.of("error HTTP_STATUS retrying"), listener.calls);
        assertEquals(StreamLifecycle.CONNECT, lifecycle.onRetryTimer());
    }

    @Test
    void serverErrorIsRetried() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(503, "text/plain", null);
        assertEquals(StreamLifecycle.WAIT, lifecycle.onErrorBody("HTTP 503", "down"));
        assertEquals(503, listener.errors.get(0).status());
    }

    @Test
    void redirectOrOtherStatusFails() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(302, null, null);
        assertEquals(StreamLifecycle.STOP, lifecycle.onErrorBody("HTTP 302", ""));
        assertEquals(List.of(CloseReason.FAILED), listener.closes);
    }

    @Test
    void retryAfterSecondsIsTheWait() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(503, null, " 7 ");
        lifecycle.onErrorBody("HTTP 503", "");
        assertEquals(7000, lifecycle.retryDelayMillis());
    }

    @Test
    void retryAfterIsTheWaitEvenAboveTheLongestBackoff() {
        settings.maxRetryMillis = 1000;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(429, null, "60");
        lifecycle.onErrorBody("HTTP 429", "");
        assertEquals(60_000, lifecycle.retryDelayMillis());
    }

    @Test
    void hugeRetryAfterIsCappedNotOverflowed() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(503, null, "99999999999999");
        lifecycle.onErrorBody("HTTP 503", "");
        assertEquals(Integer.MAX_VALUE, lifecycle.retryDelayMillis());
    }

    @Test
    void retryAfterDateIsReadByThePlatform() {
        settings.httpDates = date -> date.equals("Wed, 21 Oct 2026 07:28:00 GMT") ? 4321 : -1;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(503, null, "Wed, 21 Oct 2026 07:28:00 GMT");
        lifecycle.onErrorBody("HTTP 503", "");
        assertEquals(4321, lifecycle.retryDelayMillis());
    }

    @Test
    void unreadableRetryAfterLeavesTheWaitToThePolicy() {
        settings.initialRetryMillis = 250;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(503, null, "soon");
        lifecycle.onErrorBody("HTTP 503", "");
        assertEquals(250, lifecycle.retryDelayMillis());
    }

    @Test
    void retryAfterIsIgnoredOnAStatusThatIsNotRetried() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(403, null, "1");
        assertEquals(StreamLifecycle.STOP, lifecycle.onErrorBody("HTTP 403", ""));
    }

    // ---- network failures ----

    @Test
    void refusedFirstConnectionIsRetried() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(StreamLifecycle.WAIT, lifecycle.onConnectFailed("refused", null));
        assertEquals(List.of("error NETWORK retrying"), listener.calls);
        assertEquals(StreamLifecycle.CONNECT, lifecycle.onRetryTimer());
    }

    @Test
    void refusedReconnectionIsRetried() {
        StreamLifecycle lifecycle = reading();
        lifecycle.onText("id: 1\ndata: one\n\n");
        assertEquals(StreamLifecycle.WAIT, lifecycle.onBroken("reset", null));
        assertEquals(StreamLifecycle.CONNECT, lifecycle.onRetryTimer());
        assertEquals(StreamLifecycle.WAIT, lifecycle.onConnectFailed("refused", null));
        assertEquals(StreamLifecycle.CONNECT, lifecycle.onRetryTimer());
        assertEquals(StreamLifecycle.READ, lifecycle.onResponse(200, SSE, null));
    }

    @Test
    void brokenReadReconnectsWithTheLastEventId() {
        StreamLifecycle lifecycle = reading();
        lifecycle.onText("id: 41\ndata: one\n\nid: 42\ndata: two\n\n");
        assertEquals(StreamLifecycle.WAIT, lifecycle.onBroken("connection reset", null));
        assertEquals(StreamLifecycle.CONNECT, lifecycle.onRetryTimer());
        assertEquals("42", lifecycle.lastEventId());
    }

    @Test
    void brokenReadIsANetworkErrorWithItsCause() {
        StreamLifecycle lifecycle = reading();
        Exception cause = new java.io.IOException("chunked transfer cut short");
        lifecycle.onBroken("the connection broke", cause);
        assertEquals(StreamError.Kind.NETWORK, listener.errors.get(0).kind());
        assertSame(cause, listener.errors.get(0).cause());
        assertTrue(listener.errors.get(0).retrying());
    }

    @Test
    void halfALineDoesNotLeakIntoTheNextConnection() {
        StreamLifecycle lifecycle = reading();
        lifecycle.onText("event: token\ndata: {\"text\":\" asked");
        lifecycle.onBroken("reset", null);
        lifecycle.onRetryTimer();
        lifecycle.onResponse(200, SSE, null);
        lifecycle.onText("event: token\ndata: {\"text\":\"You\"}\n\n");
        assertEquals(List.of("{\"text\":\"You\"}"), listener.data());
        assertEquals("token", listener.events.get(0).type());
    }

    @Test
    void halfACharacterDoesNotLeakIntoTheNextConnection() {
        StreamLifecycle lifecycle = reading();
        byte[] euro = "\u20ac".getBytes(StandardCharsets.UTF_8);
        lifecycle.onBytes(("data: " ).getBytes(StandardCharsets.UTF_8), 0, 6);
        lifecycle.onBytes(euro, 0, 2); // two of the three bytes
        lifecycle.onBroken("reset", null);
        lifecycle.onRetryTimer();
        lifecycle.onResponse(200, SSE, null);
        byte[] next = "data: ok\n\n".getBytes(StandardCharsets.UTF_8);
        lifecycle.onBytes(next, 0, next.length);
        assertEquals(List.of("ok"), listener.data());
    }

    @Test
    void lastEventIdSurvivesConnectionsThatSetNone() {
        StreamLifecycle lifecycle = reading();
        lifecycle.onText("id: 7\ndata: one\n\n");
        lifecycle.onBroken("reset", null);
        lifecycle.onRetryTimer();
        assertEquals("7", lifecycle.lastEventId());
        lifecycle.onResponse(200, SSE, null);
        lifecycle.onText("data: two\n\n"); // no id: the event still carries 7
        assertEquals("7", listener.events.get(1).lastEventId());
        lifecycle.onBroken("reset", null);
        lifecycle.onRetryTimer();
        assertEquals("7", lifecycle.lastEventId()); // the third connection sends it too
    }

    @Test
    void idOnlyBlockMovesTheLastEventId() {
        StreamLifecycle lifecycle = reading();
        lifecycle.onText("id: 9\n\n");
        lifecycle.onBroken("reset", null);
        lifecycle.onRetryTimer();
        assertEquals("9", lifecycle.lastEventId());
    }

    @Test
    void emptyIdClearsTheLastEventId() {
        StreamLifecycle lifecycle = reading();
        lifecycle.onText("id: 9\ndata: a\n\nid\ndata: b\n\n");
        lifecycle.onBroken("reset", null);
        lifecycle.onRetryTimer();
        assertEquals("", lifecycle.lastEventId());
    }

    // ---- how long, and how often ----

    @Test
    void firstWaitIsTheClientsFirstDelay() {
        settings.initialRetryMillis = 300;
        StreamLifecycle lifecycle = reading();
        lifecycle.onBroken("reset", null);
        assertEquals(300, lifecycle.retryDelayMillis());
    }

    @Test
    void serversRetryFieldReplacesTheFirstDelay() {
        StreamLifecycle lifecycle = reading();
        lifecycle.onText("retry: 1500\n\n");
        lifecycle.onBroken("reset", null);
        assertEquals(1500, lifecycle.retryDelayMillis());
    }

    @Test
    void serversRetryFieldIsCappedAtTheLongestIntNotOverflowed() {
        settings.retryPolicy = (failures, base, max) -> base;
        String[][] cases = {{"0042", "42"}, {"2147483646", "2147483646"}, {"2147483647", "2147483647"},
            {"2147483648", "2147483647"}, {"21474836470", "2147483647"}, {"99999999999999999999999", "2147483647"}};
        for (String[] retry : cases) {
            StreamLifecycle lifecycle = reading();
            lifecycle.onText("retry: " + retry[0] + "\n\n");
            lifecycle.onBroken("reset", null);
            assertEquals(Integer.parseInt(retry[1]), lifecycle.retryDelayMillis(), retry[0]);
        }
    }

    @Test
    void serversRetryFieldOutlivesItsConnection() {
        StreamLifecycle lifecycle = reading();
        lifecycle.onText("retry: 1500\n\n");
        lifecycle.onBroken("reset", null);
        lifecycle.onRetryTimer();
        lifecycle.onResponse(200, SSE, null);
        lifecycle.onBroken("reset", null);
        assertEquals(3000, lifecycle.retryDelayMillis()); // second failure in a row: doubled
    }

    @Test
    void waitDoublesForEachFailureInARowUpToTheLongest() {
        settings.initialRetryMillis = 1000;
        settings.maxRetryMillis = 5000;
        settings.maxRetries = 10;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        List<Integer> waits = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            lifecycle.onConnectFailed("refused", null);
            waits.add(lifecycle.retryDelayMillis());
            lifecycle.onRetryTimer();
        }
        assertEquals(List.of(1000, 2000, 4000, 5000, 5000), waits);
    }

    @Test
    void jitterAddsUpToAQuarterAndNeverLess() {
        assertEquals(1000, RetryPolicy.exponential(1, 1000, 30_000, 0));
        assertEquals(1249, RetryPolicy.exponential(1, 1000, 30_000, 0.999));
        assertEquals(4000, RetryPolicy.exponential(3, 1000, 30_000, 0));
        assertEquals(37_496, RetryPolicy.exponential(30, 1000, 30_000, 0.9995));
        assertEquals(0, RetryPolicy.exponential(4, 0, 30_000, 0.5));
    }

    @Test
    void defaultPolicyStaysWithinItsBounds() {
        RetryPolicy policy = RetryPolicy.exponentialWithJitter();
        for (int i = 0; i < 1000; i++) {
            int delay = policy.delayMillis(2, 1000, 30_000);
            assertTrue(delay >= 2000 && delay <= 2500, "delay " + delay);
        }
    }

    @Test
    void retryPolicyIsInjectable() {
        settings.retryPolicy = (failures, base, max) -> failures * 11;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onConnectFailed("refused", null);
        assertEquals(11, lifecycle.retryDelayMillis());
        lifecycle.onRetryTimer();
        lifecycle.onConnectFailed("refused", null);
        assertEquals(22, lifecycle.retryDelayMillis());
    }

    @Test
    void negativeDelayFromAPolicyIsNoWait() {
        settings.retryPolicy = (failures, base, max) -> -5;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onConnectFailed("refused", null);
        assertEquals(0, lifecycle.retryDelayMillis());
    }

    @Test
    void failsAfterMaxRetriesInARowWithTheLastError() {
        settings.maxRetries = 2;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(StreamLifecycle.WAIT, lifecycle.onConnectFailed("refused 1", null));
        lifecycle.onRetryTimer();
        assertEquals(StreamLifecycle.WAIT, lifecycle.onConnectFailed("refused 2", null));
        lifecycle.onRetryTimer();
        assertEquals(StreamLifecycle.STOP, lifecycle.onConnectFailed("refused 3", null));
        assertEquals(List.of("error NETWORK retrying", "error NETWORK retrying", "error NETWORK", "close FAILED"),
                listener.calls);
        assertEquals("refused 3", listener.errors.get(2).message());
    }

    @Test
    void anEventRestartsTheCount() {
        settings.maxRetries = 1;
        StreamLifecycle lifecycle = reading();
        for (int i = 0; i < 5; i++) {
            lifecycle.onText("data: " + i + "\n\n");
            assertEquals(StreamLifecycle.WAIT, lifecycle.onBroken("reset", null));
            lifecycle.onRetryTimer();
            lifecycle.onResponse(200, SSE, null);
        }
        assertEquals(StreamLifecycle.STOP, lifecycle.onBroken("reset", null)); // no event since the last failure
        assertEquals(5, listener.events.size());
    }

    @Test
    void openingWithoutAnEventDoesNotRestartTheCount() {
        settings.maxRetries = 1;
        StreamLifecycle lifecycle = reading();
        assertEquals(StreamLifecycle.WAIT, lifecycle.onBroken("reset", null));
        lifecycle.onRetryTimer();
        lifecycle.onResponse(200, SSE, null);
        assertEquals(StreamLifecycle.STOP, lifecycle.onBroken("reset", null));
    }

    @Test
    void zeroRetriesNeverReconnects() {
        settings.maxRetries = 0;
        StreamLifecycle lifecycle = reading();
        assertEquals(StreamLifecycle.STOP, lifecycle.onBroken("reset", null));
        assertEquals(List.of("open 200", "error NETWORK", "close FAILED"), listener.calls);
    }

    // ---- closing ----

    @Test
    void closeCancelsOnce() {
        StreamLifecycle lifecycle = reading();
        assertEquals(StreamLifecycle.STOP, lifecycle.close());
        assertEquals(StreamLifecycle.STOP, lifecycle.close());
        assertEquals(List.of("open 200", "close CANCELLED"), listener.calls);
    }

    @Test
    void closeWhileWaitingCancels() {
        StreamLifecycle lifecycle = reading();
        lifecycle.onBroken("reset", null);
        assertEquals(StreamLifecycle.STOP, lifecycle.close());
        assertEquals(List.of(CloseReason.CANCELLED), listener.closes);
        assertEquals(StreamLifecycle.STOP, lifecycle.onRetryTimer());
    }

    @Test
    void closeAfterTheEndChangesNothing() {
        StreamLifecycle lifecycle = reading();
        lifecycle.onEnd();
        assertEquals(StreamLifecycle.STOP, lifecycle.close());
        assertEquals(List.of(CloseReason.COMPLETED), listener.closes);
    }

    @Test
    void closeFromAnEventCallbackStopsTheRestOfTheChunk() {
        StreamLifecycle lifecycle = reading();
        listener.onEventAction = event -> lifecycle.close();
        assertEquals(StreamLifecycle.STOP, lifecycle.onText("data: one\n\ndata: two\n\n"));
        assertEquals(List.of("open 200", "event one", "close CANCELLED"), listener.calls);
    }

    @Test
    void reportsAfterTheCloseAreIgnored() {
        StreamLifecycle lifecycle = reading();
        lifecycle.close();
        assertEquals(StreamLifecycle.STOP, lifecycle.onText("data: late\n\n"));
        assertEquals(StreamLifecycle.STOP, lifecycle.onEnd());
        assertEquals(StreamLifecycle.STOP, lifecycle.onBroken("aborted", null));
        assertEquals(StreamLifecycle.STOP, lifecycle.onResponse(200, SSE, null));
        assertEquals(StreamLifecycle.STOP, lifecycle.onConnectFailed("aborted", null));
        assertEquals(List.of("open 200", "close CANCELLED"), listener.calls);
    }

    @Test
    void reportOutOfTurnIsTheShellsMistake() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertThrows(IllegalStateException.class, () -> lifecycle.onText("data: x\n\n"));
        assertThrows(IllegalStateException.class, () -> lifecycle.onErrorBody("t", "d"));
        assertThrows(IllegalStateException.class, lifecycle::onRetryTimer);
    }

    // ---- callbacks that throw ----

    @Test
    void throwingEventCallbackFailsTheStreamAsHandlerFailed() {
        StreamLifecycle lifecycle = reading();
        IllegalArgumentException bug = new IllegalArgumentException("bad token");
        listener.onEventAction = event -> {
            throw bug;
        };
        assertEquals(StreamLifecycle.STOP, lifecycle.onText("data: one\n\ndata: two\n\n"));
        assertEquals(List.of("open 200", "event one", "error HANDLER_FAILED", "close FAILED"), listener.calls);
        assertSame(bug, listener.errors.get(0).cause());
        assertFalse(listener.errors.get(0).retrying());
    }

    @Test
    void throwingOpenCallbackFailsTheStream() {
        listener.throwOnOpen = new IllegalStateException("no page");
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(StreamLifecycle.STOP, lifecycle.onResponse(200, SSE, null));
        assertEquals(List.of("open 200", "error HANDLER_FAILED", "close FAILED"), listener.calls);
    }

    @Test
    void throwingErrorCallbackWhileRetryingFailsTheStream() {
        StreamLifecycle lifecycle = reading();
        listener.throwOnError = new IllegalStateException("bug in onError");
        assertThrows(IllegalStateException.class, () -> lifecycle.onBroken("reset", null));
        assertEquals(List.of("open 200", "error NETWORK retrying", "error HANDLER_FAILED", "close FAILED"),
                listener.calls);
        assertTrue(lifecycle.isClosed());
    }

    @Test
    void throwingCloseCallbackIsPassedOnAfterItRan() {
        StreamLifecycle lifecycle = reading();
        listener.throwOnClose = new IllegalStateException("bug in onClose");
        assertThrows(IllegalStateException.class, lifecycle::onEnd);
        assertEquals(List.of(CloseReason.COMPLETED), listener.closes);
        assertTrue(lifecycle.isClosed());
        assertEquals(StreamLifecycle.STOP, lifecycle.close());
        assertEquals(1, listener.closes.size());
    }

    @Test
    void errorHasNoCauseWhenNothingWasThrown() {
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(404, null, null);
        lifecycle.onErrorBody("HTTP 404", "");
        assertNull(listener.errors.get(0).cause());
    }

    // ---- resumable streams ----

    private static final String ID = "0123456789abcdefABCDEF";

    /** A lifecycle proposing {@link #ID}, reading a response that named it. */
    private StreamLifecycle readingResumable() {
        settings.streamId = ID;
        StreamLifecycle lifecycle = lifecycle();
        assertEquals(StreamLifecycle.CONNECT, lifecycle.start());
        assertEquals(StreamLifecycle.READ, lifecycle.onResponse(200, SSE, null, ID));
        return lifecycle;
    }

    @Test
    void proposedStreamIdIsSentFromTheFirstRequest() {
        settings.streamId = ID;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(ID, lifecycle.streamId());
        assertFalse(lifecycle.resumable());
    }

    @Test
    void responseNamingTheStreamMakesItResumable() {
        StreamLifecycle lifecycle = readingResumable();
        assertTrue(lifecycle.resumable());
        assertEquals(ID, lifecycle.streamId());
    }

    @Test
    void streamNamedByTheServerReplacesTheProposedOne() {
        settings.streamId = ID;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(200, SSE, null, "serverChosenId_0123456789");
        assertEquals("serverChosenId_0123456789", lifecycle.streamId());
    }

    @Test
    void resumePointBeforeAnyEventIsTheStreamsStart() {
        StreamLifecycle lifecycle = readingResumable();
        assertEquals(ID + ":0", lifecycle.lastEventId());
        assertEquals(StreamLifecycle.WAIT, lifecycle.onBroken("reset", null));
        assertEquals(StreamLifecycle.CONNECT, lifecycle.onRetryTimer());
        assertEquals(ID + ":0", lifecycle.lastEventId());
    }

    @Test
    void resumePointFollowsTheEventIds() {
        StreamLifecycle lifecycle = readingResumable();
        lifecycle.onText("id: " + ID + ":1\ndata: a\n\nid: " + ID + ":2\ndata: b\n\n");
        lifecycle.onBroken("reset", null);
        lifecycle.onRetryTimer();
        assertEquals(ID + ":2", lifecycle.lastEventId());
        assertEquals(StreamLifecycle.READ, lifecycle.onResponse(200, SSE, null, ID));
        lifecycle.onText("id: " + ID + ":3\ndata: c\n\nevent: postsse.end\ndata: completed\n\n");
        assertEquals(List.of("a", "b", "c"), listener.data());
    }

    @Test
    void endMarkerCompletesAndIsNotDispatched() {
        StreamLifecycle lifecycle = readingResumable();
        assertEquals(StreamLifecycle.STOP, lifecycle.onText("data: a\n\nevent: postsse.end\ndata: completed\n\n"));
        assertEquals(List.of("open 200", "event a", "close COMPLETED"), listener.calls);
        assertEquals(StreamLifecycle.STOP, lifecycle.onEnd());
    }

    @Test
    void endMarkerOfAFailedProducerCompletes() {
        StreamLifecycle lifecycle = readingResumable();
        lifecycle.onText("event: error\ndata: {}\n\nevent: postsse.end\ndata: failed\n\n");
        assertEquals(List.of("open 200", "event {}", "close COMPLETED"), listener.calls);
    }

    @Test
    void endMarkerOfAStoppedStreamIsCancelled() {
        StreamLifecycle lifecycle = readingResumable();
        lifecycle.onText("event: postsse.end\ndata: cancelled\n\n");
        assertEquals(List.of(CloseReason.CANCELLED), listener.closes);
    }

    @Test
    void eventsAfterTheEndMarkerAreIgnored() {
        StreamLifecycle lifecycle = readingResumable();
        lifecycle.onText("event: postsse.end\ndata: completed\n\ndata: late\n\n");
        assertEquals(List.of("open 200", "close COMPLETED"), listener.calls);
    }

    @Test
    void resumableBodyEndingWithoutTheMarkerIsACut() {
        StreamLifecycle lifecycle = readingResumable();
        lifecycle.onText("id: " + ID + ":1\ndata: a\n\n");
        assertEquals(StreamLifecycle.WAIT, lifecycle.onEnd());
        assertEquals(List.of("open 200", "event a", "error NETWORK retrying"), listener.calls);
        assertEquals(StreamLifecycle.CONNECT, lifecycle.onRetryTimer());
        assertEquals(ID + ":1", lifecycle.lastEventId());
    }

    @Test
    void resumableBodyEndingWithoutTheMarkerFailsWhenRetriesAreSpent() {
        settings.maxRetries = 0;
        StreamLifecycle lifecycle = readingResumable();
        assertEquals(StreamLifecycle.STOP, lifecycle.onEnd());
        assertEquals(List.of(CloseReason.FAILED), listener.closes);
    }

    @Test
    void reconnectionThatNamesNoStreamStillNeedsTheMarker() {
        StreamLifecycle lifecycle = readingResumable();
        lifecycle.onBroken("reset", null);
        lifecycle.onRetryTimer();
        lifecycle.onResponse(200, SSE, null, null);
        assertEquals(StreamLifecycle.WAIT, lifecycle.onEnd());
    }

    @Test
    void goneIsTypedAndNeverRetried() {
        StreamLifecycle lifecycle = readingResumable();
        lifecycle.onBroken("reset", null);
        lifecycle.onRetryTimer();
        assertEquals(StreamLifecycle.READ_ERROR_BODY, lifecycle.onResponse(410, "application/problem+json", "1", null));
        assertEquals(StreamLifecycle.STOP, lifecycle.onErrorBody("Gone", "no such stream"));
        StreamError error = listener.errors.get(listener.errors.size() - 1);
        assertEquals(StreamError.Kind.GONE, error.kind());
        assertEquals(410, error.status());
        assertFalse(error.retrying());
        assertEquals(List.of(CloseReason.FAILED), listener.closes);
    }

    @Test
    void closingAResumableStreamTellsTheServer() {
        StreamLifecycle lifecycle = readingResumable();
        assertEquals(StreamLifecycle.CANCEL, lifecycle.close());
        assertEquals(List.of(CloseReason.CANCELLED), listener.closes);
        assertEquals(StreamLifecycle.STOP, lifecycle.close());
    }

    @Test
    void closingBeforeAnyResponseTellsTheServer() {
        settings.streamId = ID;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(StreamLifecycle.CANCEL, lifecycle.close());
    }

    @Test
    void closingWhileWaitingToResumeTellsTheServer() {
        StreamLifecycle lifecycle = readingResumable();
        lifecycle.onBroken("reset", null);
        assertEquals(StreamLifecycle.CANCEL, lifecycle.close());
    }

    @Test
    void closingAPlainStreamDoesNotTellTheServer() {
        settings.streamId = ID;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(200, SSE, null, null);
        assertEquals(StreamLifecycle.STOP, lifecycle.close());
    }

    @Test
    void closingAnEndedStreamDoesNotTellTheServer() {
        StreamLifecycle lifecycle = readingResumable();
        lifecycle.onText("event: postsse.end\ndata: completed\n\n");
        assertEquals(StreamLifecycle.STOP, lifecycle.close());
    }

    @Test
    void closingAStreamNeverStartedDoesNotTellTheServer() {
        settings.streamId = ID;
        assertEquals(StreamLifecycle.STOP, lifecycle().close());
    }

    // A browser takes a response head cut short for a whole one, with an empty body.

    @Test
    void headWithoutAContentTypeIsACutWhenAnIdWasProposed() {
        settings.streamId = ID;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(StreamLifecycle.WAIT, lifecycle.onResponse(200, null, null, null));
        assertEquals(List.of("error NETWORK retrying"), listener.calls);
        assertEquals(StreamLifecycle.CONNECT, lifecycle.onRetryTimer());
        assertEquals("", lifecycle.lastEventId(), "no response named the stream: the request is sent again as it was");
        assertEquals(ID, lifecycle.streamId());
    }

    @Test
    void headNamingTheStreamWithItsTypeCutOffIsACut() {
        settings.streamId = ID;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(StreamLifecycle.WAIT, lifecycle.onResponse(200, "text/ev", null, ID));
        assertEquals(StreamError.Kind.NETWORK, listener.errors.get(0).kind());
    }

    @Test
    void resumableReconnectionWithoutAContentTypeIsACut() {
        StreamLifecycle lifecycle = readingResumable();
        lifecycle.onBroken("reset", null);
        lifecycle.onRetryTimer();
        assertEquals(StreamLifecycle.WAIT, lifecycle.onResponse(200, "", null, null));
        assertEquals(StreamLifecycle.CONNECT, lifecycle.onRetryTimer());
        assertEquals(ID + ":0", lifecycle.lastEventId());
    }

    @Test
    void wrongContentTypeNamingNoStreamStillFailsWhenAnIdWasProposed() {
        settings.streamId = ID;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        assertEquals(StreamLifecycle.STOP, lifecycle.onResponse(200, "text/html", null, null));
        assertEquals(List.of("error CONTENT_TYPE", "close FAILED"), listener.calls);
    }

    @Test
    void missingContentTypeFailsOnceAResponseShowedTheServerPlain() {
        settings.streamId = ID;
        StreamLifecycle lifecycle = lifecycle();
        lifecycle.start();
        lifecycle.onResponse(200, SSE, null, null);
        lifecycle.onBroken("reset", null);
        lifecycle.onRetryTimer();
        assertEquals(StreamLifecycle.STOP, lifecycle.onResponse(200, null, null, null));
        assertEquals(StreamError.Kind.CONTENT_TYPE, listener.errors.get(listener.errors.size() - 1).kind());
    }
}
