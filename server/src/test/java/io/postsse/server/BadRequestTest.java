package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each bad request gets its status and problem JSON, and never starts the producer. */
class BadRequestTest {
    /** A request body with a required field. */
    public record Chat(String prompt, int maxTokens) {
    }

    private final AtomicInteger producerRuns = new AtomicInteger();
    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(sse -> {
            sse.maxBodyBytes = 64;
            sse.post("/chat", Chat.class, chat -> chat.prompt() == null ? "The field \"prompt\" is required." : null,
                    (chat, events) -> {
                        producerRuns.incrementAndGet();
                        events.send("ok");
                    });
        });
    }

    @AfterEach
    void stop() {
        server.close();
        assertEquals(0, producerRuns.get(), "no producer may run for a bad request");
    }

    private static void assertProblem(HttpResponse<String> response, int status, String title, String detail) {
        assertEquals(status, response.statusCode());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status
                + ",\"detail\":\"" + detail + "\"}", response.body());
    }

    @Test
    void malformedJsonIs400() throws Exception {
        assertProblem(server.postJson("/chat", "{\"prompt\": "), 400, "Bad Request",
                "The request body is not valid JSON (line 1, column 12).");
    }

    @Test
    void jsonOfTheWrongShapeIs400() throws Exception {
        assertProblem(server.postJson("/chat", "[1, 2]"), 400, "Bad Request",
                "The request body does not have the expected shape: send a JSON object.");
    }

    @Test
    void fieldOfTheWrongTypeIs400NamingTheField() throws Exception {
        assertProblem(server.postJson("/chat", "{\"prompt\":\"x\",\"maxTokens\":\"many\"}"), 400, "Bad Request",
                "The request body's field \\\"maxTokens\\\" does not have the expected type.");
    }

    @Test
    void emptyBodyIs400() throws Exception {
        assertProblem(server.postJson("/chat", ""), 400, "Bad Request", "The request body is empty: send a JSON object.");
    }

    @Test
    void validationFailureIs400WithTheValidatorsMessage() throws Exception {
        assertProblem(server.postJson("/chat", "{\"maxTokens\":3}"), 400, "Bad Request",
                "The field \\\"prompt\\\" is required.");
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        assertProblem(server.postJson("/chat", "{\"prompt\":\"" + "x".repeat(100) + "\"}"), 413, "Content Too Large",
                "The request body is larger than the limit of 64 bytes.");
    }

    @Test
    void chunkedBodyOverTheLimitIs413() throws Exception {
        byte[] body = ("{\"prompt\":\"" + "x".repeat(100) + "\"}").getBytes();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri("/chat"))
                        .header("Content-Type", "application/json")
                        // A publisher of unknown length makes the client send the body chunked.
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(response, 413, "Content Too Large", "The request body is larger than the limit of 64 bytes.");
    }

    @Test
    void contentTypeThatIsNotJsonIs415() throws Exception {
        assertProblem(server.post("/chat", "text/plain", "{\"prompt\":\"x\"}"), 415, "Unsupported Media Type",
                "Send the request body as JSON, with Content-Type: application/json (not text/plain).");
    }

    @Test
    void missingContentTypeIs415() throws Exception {
        assertProblem(server.post("/chat", null, "{\"prompt\":\"x\"}"), 415, "Unsupported Media Type",
                "Send the request body as JSON, with Content-Type: application/json.");
    }

    @Test
    void jsonWithCharsetParameterIsAccepted() throws Exception {
        HttpResponse<String> response = server.post("/chat", "application/json; charset=utf-8", "{\"prompt\":\"x\"}");
        assertEquals(200, response.statusCode());
        assertEquals("data: ok\n\n", response.body());
        producerRuns.set(0);
    }

    private HttpResponse<String> postBytes(String contentType, byte[] body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri("/chat"))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void invalidUtf8Is400NotReplacedWithU00fffd() throws Exception {
        byte[] body = {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xC3, '"', '}'};
        assertProblem(postBytes("application/json", body), 400, "Bad Request",
                "The request body is not valid UTF-8 (at byte 11).");
    }

    @Test
    void aCharsetOtherThanUtf8Is415() throws Exception {
        HttpResponse<String> response = postBytes("application/json; charset=iso-8859-1",
                "{\"prompt\":\"hi\"}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertEquals(415, response.statusCode());
        assertEquals(true, response.body().contains("UTF-8"), response.body());
    }

    @Test
    void contentAfterTheJsonValueIs400() throws Exception {
        HttpResponse<String> response = server.postJson("/chat", "{\"prompt\":\"hi\"} xyz");
        assertEquals(400, response.statusCode());
        assertEquals(true, response.body().contains("content after the JSON value"), response.body());
    }

    @Test
    void aFieldTwiceIs400() throws Exception {
        assertProblem(server.postJson("/chat", "{\"prompt\":\"a\",\"prompt\":\"b\"}"), 400, "Bad Request",
                "The request body has the field \\\"prompt\\\" twice.");
    }
}
