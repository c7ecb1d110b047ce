package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Exact raw bodies for each kind of frame a producer can send. */
class FramingTest {
    private static String streamOf(EventProducer<Object> producer) throws Exception {
        try (TestServer server = TestServer.start(sse -> sse.post("/stream", Object.class, producer))) {
            HttpResponse<String> response = server.postJson("/stream", "{}");
            assertEquals(200, response.statusCode());
            return response.body();
        }
    }

    @Test
    void stringDataIsSentAsIs() throws Exception {
        assertEquals("data: hello\n\n", streamOf((request, events) -> events.send("hello")));
    }

    @Test
    void multiLineDataBecomesOneDataLinePerLine() throws Exception {
        assertEquals("data: one\ndata: two\ndata: three\ndata:\ndata: five\n\n",
                streamOf((request, events) -> events.send("one\ntwo\r\nthree\r\rfive")));
    }

    @Test
    void objectDataIsSentAsJson() throws Exception {
        Map<String, Object> token = new LinkedHashMap<>();
        token.put("text", "a \"quoted\"\nline");
        token.put("n", 3);
        assertEquals("data: {\"text\":\"a \\\"quoted\\\"\\nline\",\"n\":3}\n\n",
                streamOf((request, events) -> events.send(token)));
    }

    @Test
    void customTypeIsSentAsEventField() throws Exception {
        assertEquals("event: token\ndata: hi\n\n", streamOf((request, events) -> events.send("token", "hi")));
    }

    @Test
    void idIsSentWithTheEvent() throws Exception {
        assertEquals("event: token\nid: 42\ndata: hi\n\n",
                streamOf((request, events) -> events.send(OutboundEvent.of("hi").type("token").id("42"))));
    }

    @Test
    void retryIsSentInMilliseconds() throws Exception {
        assertEquals("retry: 2500\n\n", streamOf((request, events) -> events.retry(Duration.ofMillis(2500))));
    }

    @Test
    void commentIsSentAsCommentLine() throws Exception {
        assertEquals(": still working\n\n", streamOf((request, events) -> events.comment("still working")));
    }

    @Test
    void typeWithLineBreakIsRefusedAndNothingOfItIsSent() throws Exception {
        String body = streamOf((request, events) -> {
            try {
                events.send("token\ndata: forged", "x");
            } catch (IllegalArgumentException expected) {
                events.send("refused");
            }
        });
        assertEquals("data: refused\n\n", body);
    }

    @Test
    void producerThatThrowsEndsWithOneErrorEventAndNoInternals() throws Exception {
        String body = streamOf((request, events) -> {
            events.send("token", "first");
            throw new IllegalStateException("database password is hunter2");
        });
        assertEquals("event: token\ndata: first\n\n"
                + "event: error\ndata: {\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,"
                + "\"detail\":\"The stream failed on the server.\"}\n\n", body);
    }

    @Test
    void sendAfterCloseThrowsAndSendsNothing() throws Exception {
        String body = streamOf((request, events) -> {
            events.send("last");
            events.close();
            try {
                events.send("too late");
            } catch (StreamClosedException expected) {
                return;
            }
            throw new AssertionError("send after close should throw");
        });
        assertEquals("data: last\n\n", body);
    }

    @Test
    void producerMayKeepTheStreamOpenAndEndItFromAnotherThread() throws Exception {
        String body = streamOf((request, events) -> {
            EventEmitter held = events.keepOpen();
            new Thread(() -> {
                held.send("from elsewhere");
                held.close();
            }).start();
        });
        assertEquals("data: from elsewhere\n\n", body);
    }

    @Test
    void responseHeadersMarkAnUncompressedUncachedEventStream() throws Exception {
        try (TestServer server = TestServer.start(sse -> sse.post("/stream", Object.class,
                (request, events) -> events.send("x")))) {
            HttpResponse<String> response = server.postJson("/stream", "{}");
            assertEquals("text/event-stream; charset=utf-8",
                    response.headers().firstValue("Content-Type").orElseThrow().toLowerCase());
            assertEquals("no-cache", response.headers().firstValue("Cache-Control").orElseThrow());
            assertEquals("no", response.headers().firstValue("X-Accel-Buffering").orElseThrow());
            assertNull(response.headers().firstValue("Content-Encoding").orElse(null));
        }
    }

    @Test
    void streamsWhateverTheAcceptHeaderSays() throws Exception {
        try (TestServer server = TestServer.start(sse -> sse.post("/stream", Object.class,
                (request, events) -> events.send("x")))) {
            for (String accept : new String[] {"*/*", "application/json", "text/html"}) {
                HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                        java.net.http.HttpRequest.newBuilder(server.uri("/stream"))
                                .header("Content-Type", "application/json")
                                .header("Accept", accept)
                                .header("Accept-Encoding", "gzip")
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals("data: x\n\n", response.body(), "Accept: " + accept);
                assertTrue(response.headers().firstValue("Content-Encoding").isEmpty());
            }
        }
    }

    @Test
    void lastEventIdHeaderReachesTheProducer() throws Exception {
        try (TestServer server = TestServer.start(sse -> sse.post("/stream", Object.class,
                (request, events) -> events.send("after " + events.lastEventId())))) {
            HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(server.uri("/stream"))
                            .header("Content-Type", "application/json")
                            .header("Last-Event-ID", "17")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("data: after 17\n\n", response.body());
        }
    }
}
