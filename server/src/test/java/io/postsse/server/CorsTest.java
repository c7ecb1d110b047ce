package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CorsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static TestServer serverAllowing(boolean credentials) {
        return TestServer.start(sse -> {
            sse.allowedOrigins = Set.of("https://app.example");
            sse.allowCredentials = credentials;
            sse.post("/stream", Object.class, (request, events) -> events.send("x"));
        });
    }

    private static HttpResponse<String> postFrom(TestServer server, String origin) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.uri("/stream"))
                .header("Content-Type", "application/json").header("Origin", origin)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void allowedOriginIsEchoedNeverStar() throws Exception {
        try (TestServer server = serverAllowing(false)) {
            HttpResponse<String> response = postFrom(server, "https://app.example");
            assertEquals(200, response.statusCode());
            assertEquals("https://app.example", response.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
            assertEquals("Origin", response.headers().firstValue("Vary").orElseThrow());
            assertTrue(response.headers().firstValue("Access-Control-Allow-Credentials").isEmpty());
            assertEquals("data: x\n\n", response.body());
        }
    }

    @Test
    void credentialsAreAllowedOnlyWhenConfigured() throws Exception {
        try (TestServer server = serverAllowing(true)) {
            HttpResponse<String> response = postFrom(server, "https://app.example");
            assertEquals("true", response.headers().firstValue("Access-Control-Allow-Credentials").orElseThrow());
            assertEquals("https://app.example", response.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
        }
    }

    @Test
    void otherOriginIsRefusedBeforeTheProducerRuns() throws Exception {
        try (TestServer server = serverAllowing(false)) {
            HttpResponse<String> response = postFrom(server, "https://evil.example");
            assertEquals(403, response.statusCode());
            assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
            assertTrue(response.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        }
    }

    @Test
    void sameOriginNeedsNoConfiguration() throws Exception {
        try (TestServer server = TestServer.start(sse -> sse.post("/stream", Object.class,
                (request, events) -> events.send("x")))) {
            HttpResponse<String> response = postFrom(server, "http://127.0.0.1:" + server.app.port());
            assertEquals(200, response.statusCode());
            assertEquals("data: x\n\n", response.body());
        }
    }

    @Test
    void preflightForJsonPostIsAnswered() throws Exception {
        try (TestServer server = serverAllowing(false)) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(server.uri("/stream"))
                    .header("Origin", "https://app.example")
                    .header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "content-type,authorization")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, response.statusCode());
            assertEquals("https://app.example", response.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
            assertEquals("POST", response.headers().firstValue("Access-Control-Allow-Methods").orElseThrow());
            assertEquals("content-type,authorization",
                    response.headers().firstValue("Access-Control-Allow-Headers").orElseThrow());
        }
    }

    @Test
    void allowedOriginsTakeAnyCollection() throws Exception {
        try (TestServer server = TestServer.start(sse -> {
            sse.allowedOrigins = List.of("https://app.example", "http://localhost:5173");
            sse.post("/stream", Object.class, (request, events) -> events.send("x"));
        })) {
            assertEquals(200, postFrom(server, "https://app.example").statusCode());
            assertEquals(200, postFrom(server, "http://localhost:5173").statusCode());
            assertEquals(403, postFrom(server, "https://evil.example").statusCode());
        }
    }

    @Test
    void anEntryThatIsNoOriginIsRefusedAtInstall() {
        List<String> notOrigins = Arrays.asList("https://app.example/", "*", "app.example", "https://App.example",
                "https://app.example/path", "https://user@app.example", "null", null);
        for (String notOrigin : notOrigins) {
            List<String> origins = new ArrayList<>(List.of("https://app.example"));
            origins.add(notOrigin);
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> TestServer.start(sse -> sse.allowedOrigins = origins), String.valueOf(notOrigin));
            assertTrue(refused.getMessage().startsWith("allowedOrigins: "
                    + (notOrigin == null ? "null" : '"' + notOrigin + '"') + " is not an origin"), refused.getMessage());
        }
        List<String> valid = List.of("https://app.example", "http://127.0.0.1:8080", "http://[::1]:7070");
        TestServer.start(sse -> sse.allowedOrigins = valid).close();
    }
}
