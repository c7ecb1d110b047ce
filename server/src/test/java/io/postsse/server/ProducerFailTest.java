package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A producer that ends its stream as failed, for a reason the client may know. */
class ProducerFailTest {
    private static final String ID = "stream-id-for-the-fail-tests";
    private static final String PROBLEM = "{\"type\":\"about:blank\",\"title\":\"Bad Gateway\",\"status\":502,"
            + "\"detail\":\"The model server answered 401.\"}";

    @Test
    void failSendsOneErrorEventWithTheProblemThenEnds() throws Exception {
        CompletableFuture<Throwable> sendAfter = new CompletableFuture<>();
        try (TestServer server = TestServer.start(sse -> sse.post("/s", Object.class, (request, events) -> {
            events.send("a");
            events.fail(502, "The model server answered 401.");
            sendAfter.complete(assertThrows(StreamClosedException.class, () -> events.send("b")));
        })); RawHttp post = RawHttp.post(server, "/s", "{}")) {
            assertEquals("data: a\n\nevent: error\ndata: " + PROBLEM + "\n\n", post.readToEnd());
            assertTrue(sendAfter.get(10, TimeUnit.SECONDS) instanceof StreamClosedException);
        }
    }

    @Test
    void failEndsAResumableStreamFailed() throws Exception {
        try (TestServer server = TestServer.start(sse -> sse.post("/s", Object.class, (request, events) -> {
            events.send("a");
            events.fail(502, "The model server answered 401.");
        }).resumable()); RawHttp post = RawHttp.post(server, "/s", "{}", "Postsse-Stream", ID)) {
            assertEquals("id: " + ID + ":1\ndata: a\n\nevent: error\nid: " + ID + ":2\ndata: " + PROBLEM
                    + "\n\nevent: postsse.end\ndata: failed\n\n", post.readToEnd());
        }
    }
}
