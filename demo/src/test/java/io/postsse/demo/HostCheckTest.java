package io.postsse.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stream routes answer only requests addressed to the server by a name it knows: a page that
 * rebinds its own name to 127.0.0.1 (DNS rebinding) is refused before any stream byte, and the
 * model never runs for it.
 */
class HostCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger replies = new AtomicInteger();
    private static Javalin server;

    @BeforeAll
    static void start() {
        OfflineBackend offline = new OfflineBackend(Duration.ZERO);
        server = DemoServer.create((conversation, sink) -> {
            replies.incrementAndGet();
            return offline.reply(conversation, sink);
        }).start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static RawExchange.Response chat(String host) throws Exception {
        return RawExchange.postJson(server.port(), "/api/chat", host, "{\"prompt\":\"hi\"}", Duration.ofSeconds(10));
    }

    @Test
    void anotherHostIsRefusedWithAProblemBeforeAnyStreamByte() throws Exception {
        int before = replies.get();
        for (String host : List.of("evil.example", "evil.example:" + server.port(), "localhost.evil.example:" + server.port(),
                "127.0.0.1.nip.io:" + server.port(), "0.0.0.0:" + server.port())) {
            RawExchange.Response response = chat(host);
            assertEquals(403, response.status(), host);
            assertEquals("application/problem+json", response.header("content-type").split(";")[0].trim(), host);
            assertFalse(response.body().contains("event:"), host + ": " + response.body());
            JsonNode problem = JSON.readTree(response.body());
            assertEquals("about:blank", problem.path("type").asText(), response.body());
            assertEquals("Forbidden", problem.path("title").asText(), response.body());
            assertEquals(403, problem.path("status").asInt(), response.body());
            assertTrue(problem.path("detail").asText().contains("Host"), response.body());
        }
        assertEquals(before, replies.get(), "the model never runs for a refused request");
    }

    @Test
    void everyMethodOfTheStreamRouteIsChecked() throws Exception {
        String head = " /api/chat HTTP/1.1\r\nHost: evil.example\r\nPostsse-Stream: aaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
                + "Last-Event-ID: aaaaaaaaaaaaaaaaaaaaaaaaaa:0\r\nConnection: close\r\n\r\n";
        for (String method : List.of("GET", "DELETE")) {
            RawExchange.Response response = RawExchange.exchange(server.port(), method + head, null, Duration.ofSeconds(10));
            assertEquals(403, response.status(), method + ": " + response.body());
        }
    }

    @Test
    void theLoopbackNamesWithTheServersPortAreServed() throws Exception {
        int before = replies.get();
        for (String host : List.of("localhost:" + server.port(), "127.0.0.1:" + server.port(), "[::1]:" + server.port(),
                "LocalHost:" + server.port())) {
            RawExchange.Response response = chat(host);
            assertEquals(200, response.status(), host + ": " + response.body());
            assertTrue(response.header("content-type").startsWith("text/event-stream"), host);
            assertTrue(response.body().contains("event: done"), host + ": " + response.body());
        }
        assertEquals(before + 4, replies.get());
    }

    @Test
    void theLoopbackNamesOnAnotherPortAreNot() throws Exception {
        int other = server.port() == 65535 ? 65534 : server.port() + 1;
        RawExchange.Response response = chat("localhost:" + other);
        assertEquals(403, response.status(), response.body());
    }
}
