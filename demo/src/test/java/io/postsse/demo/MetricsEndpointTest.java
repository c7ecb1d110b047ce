package io.postsse.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javalin.Javalin;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics}: the chat's stream meters and the JVM's, in Prometheus's text format. */
class MetricsEndpointTest {
    private static final String ROUTE = "route=\"/api/chat\"";

    /** The value of the sample with that name and exactly these labels, as Prometheus's text format writes it. */
    private static String sample(String metrics, String name, String labels) {
        String prefix = name + "{" + labels + "} ";
        return metrics.lines().filter(line -> line.startsWith(prefix)).map(line -> line.substring(prefix.length()))
                .findFirst().orElse(null);
    }

    /** The metrics, once the sample has that value: a stream's end is counted just after its client saw it. */
    private static String awaitSample(int port, String name, String labels, String value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            RawExchange.Response response = RawExchange.get(port, "/metrics", "127.0.0.1:" + port);
            assertEquals(200, response.status(), response.body());
            if (value.equals(sample(response.body(), name, labels))) {
                return response.body();
            }
            assertTrue(System.nanoTime() < deadline, name + "{" + labels + "} should be " + value + " in:\n" + response.body());
            Thread.sleep(10);
        }
    }

    @Test
    void metricsCountTheChatsStreamsInPrometheusTextFormat() throws Exception {
        Javalin server = DemoServer.create(Duration.ZERO).start("127.0.0.1", 0);
        try {
            int port = server.port();
            RawExchange.Response before = RawExchange.get(port, "/metrics", "127.0.0.1:" + port);
            assertEquals(200, before.status());
            assertEquals(DemoServer.METRICS_CONTENT_TYPE, before.header("content-type"));
            assertEquals("0.0", sample(before.body(), "postsse_streams_started_total", ROUTE), before.body());

            RawExchange.Response chat = RawExchange.postJson(port, "/api/chat", "127.0.0.1:" + port,
                    "{\"prompt\":\"hi\"}", Duration.ofSeconds(10));
            assertEquals(200, chat.status(), chat.body());
            List<RelayFailuresTest.Event> events = RelayFailuresTest.events(chat.body());
            long sent = events.stream().filter(event -> !event.type().equals("postsse.end")).count();
            assertTrue(sent >= 2, chat.body()); // tokens, then done

            String metrics = awaitSample(port, "postsse_streams_ended_total", "outcome=\"completed\"," + ROUTE, "1.0");
            assertEquals("1.0", sample(metrics, "postsse_streams_started_total", ROUTE));
            assertEquals("0.0", sample(metrics, "postsse_streams_active", ROUTE));
            assertEquals(sent + ".0", sample(metrics, "postsse_sent_events_total", ROUTE));
            assertEquals(chat.body().getBytes(StandardCharsets.UTF_8).length + ".0", sample(metrics, "postsse_sent_bytes_total", ROUTE));
            assertEquals("1", sample(metrics, "postsse_stream_duration_seconds_count", "outcome=\"completed\"," + ROUTE));
            assertEquals("1", sample(metrics, "postsse_stream_first_event_seconds_count", ROUTE));
            assertEquals("0.0", sample(metrics, "postsse_stream_resumes_total", ROUTE));
            assertEquals("0.0", sample(metrics, "postsse_stream_stops_total", ROUTE));
            assertTrue(metrics.contains("\njvm_memory_used_bytes{"), "the JVM's meters too");
            assertTrue(metrics.contains("\nprocess_uptime_seconds "), "the JVM's meters too");
        } finally {
            server.stop();
        }
    }

    @Test
    void metricsAnswerOnlyTheServersOwnNames() throws Exception {
        Javalin server = DemoServer.create(Duration.ZERO).start("127.0.0.1", 0);
        try {
            RawExchange.Response response = RawExchange.get(server.port(), "/metrics", "evil.example:" + server.port());
            assertEquals(403, response.status(), response.body());
            assertFalse(response.body().contains("postsse_"), response.body());
            assertEquals(200, RawExchange.get(server.port(), "/metrics", "localhost:" + server.port()).status());
        } finally {
            server.stop();
        }
    }
}
