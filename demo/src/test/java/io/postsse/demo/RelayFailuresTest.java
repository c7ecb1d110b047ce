package io.postsse.demo;

import io.postsse.testing.CapturedLog;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The relay against upstreams that fail in the ways real ones do, through the demo's stream route
 * on real HTTP: each failure ends the reply promptly with one {@code error} event in the relay's own
 * words, never the upstream's text, which goes to the server's log as one escaped, capped line.
 */
class RelayFailuresTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What an upstream's error answers have been seen to hold. */
    private static final String SECRET = "sk-live-7f3a9c1e2b4d";
    private static final String INTERNAL = "10.31.4.159:8443";
    /** Far beyond every timeout the tests set: the bound on how long a reply may take to end. */
    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    /** One event of the demo's answer. */
    record Event(String type, String data) {
    }

    private static OpenAiRelay.Builder relay(ScriptedUpstream upstream) {
        return OpenAiRelay.builder(upstream.baseUrl()).apiKey("test-key").model("fake-model")
                .connectTimeout(Duration.ofSeconds(2)).firstByteTimeout(Duration.ofSeconds(3)).idleTimeout(Duration.ofSeconds(3));
    }

    /** Asks the demo, relaying with {@code relay}, one question; its whole answer, within {@link #PROMPTLY}. */
    private static RawExchange.Response ask(ChatBackend relay) throws Exception {
        Javalin server = DemoServer.create(relay).start("127.0.0.1", 0);
        try {
            return RawExchange.postJson(server.port(), "/api/chat", "127.0.0.1:" + server.port(),
                    "{\"prompt\":\"tell me\"}", PROMPTLY);
        } finally {
            server.stop();
        }
    }

    /** The events of an answer, in order, the end marker included. */
    static List<Event> events(String body) {
        List<Event> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            String type = "message";
            StringBuilder data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("event:")) {
                    type = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    String value = line.substring(line.startsWith("data: ") ? 6 : 5);
                    data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                }
            }
            if (data != null) {
                events.add(new Event(type, data.toString()));
            }
        }
        return events;
    }

    /** The answer's events without the end marker, each as type, or type=data for errors. */
    private static List<String> shape(RawExchange.Response response) {
        assertEquals(200, response.status(), response.body());
        List<Event> events = events(response.body());
        // A reply that failed ends failed, never completed.
        boolean failed = events.stream().anyMatch(event -> event.type().equals("error"));
        assertEquals(new Event("postsse.end", failed ? "failed" : "completed"), events.get(events.size() - 1),
                response.body());
        return events.subList(0, events.size() - 1).stream().map(Event::type).toList();
    }

    /** The answer's one error event, as a problem. */
    private static JsonNode problem(RawExchange.Response response) throws IOException {
        List<Event> errors = events(response.body()).stream().filter(e -> e.type().equals("error")).toList();
        assertEquals(1, errors.size(), response.body());
        return JSON.readTree(errors.get(0).data());
    }

    private static void assertProblem(int status, String title, String detail, RawExchange.Response response)
            throws IOException {
        JsonNode problem = problem(response);
        assertEquals("about:blank", problem.path("type").asText(), problem.toString());
        assertEquals(title, problem.path("title").asText(), problem.toString());
        assertEquals(status, problem.path("status").asInt(), problem.toString());
        assertEquals(detail, problem.path("detail").asText(), problem.toString());
    }

    /** The one line the server logged for the failed reply. */
    private static String failureLine(CapturedLog log) {
        List<String> lines = log.linesWith("the reply failed after");
        assertEquals(1, lines.size(), String.join("\n", log.lines()));
        return lines.get(0);
    }

    @Test
    void anUpstreamThatHangsBeforeItsHeadEndsTheReplyAtTheFirstByteTimeout() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream(ScriptedUpstream.Connection::awaitClose);
                CapturedLog log = new CapturedLog()) {
            RawExchange.Response response = ask(relay(upstream).firstByteTimeout(Duration.ofMillis(400)).build());
            assertEquals(List.of("error"), shape(response));
            assertProblem(504, "Gateway Timeout", "The model server did not start answering within 400 ms.", response);
            assertTrue(response.elapsed().toMillis() >= 400, "ended before the timeout: " + response.elapsed());
            String line = failureLine(log);
            assertTrue(line.contains("WARN"), line);
            assertTrue(line.contains("the model server sent no event within 400 ms of the request (no response head either)"), line);
            assertTrue(log.linesWith("\tat ").isEmpty(), "no stack trace: " + log.lines());
        }
    }

    @Test
    void anUpstreamThatSendsItsHeadThenNothingEndsTheReplyAtTheFirstByteTimeout() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream(connection -> {
            connection.streamHead();
            connection.awaitClose();
        }); CapturedLog log = new CapturedLog()) {
            RawExchange.Response response = ask(relay(upstream).firstByteTimeout(Duration.ofMillis(500)).build());
            assertEquals(List.of("error"), shape(response));
            assertProblem(504, "Gateway Timeout", "The model server did not start answering within 500 ms.", response);
            assertTrue(response.elapsed().toMillis() >= 500, "ended before the timeout: " + response.elapsed());
            assertTrue(upstream.closedByRelay.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS),
                    "the relay closes the upstream connection");
            assertTrue(failureLine(log).contains("the response's head came after"), failureLine(log));
        }
    }

    @Test
    void anUpstreamThatTricklesBytesButNoEventEndsTheReplyAtTheIdleTimeout() throws Exception {
        // A byte every 200 ms, five times within the idle timeout, but never a whole event: what
        // counts is events, so the trickle cannot hold the reply open.
        try (ScriptedUpstream upstream = new ScriptedUpstream(connection -> {
            connection.streamHead();
            connection.event(ScriptedUpstream.delta("Hello"));
            connection.chunk("data: {");
            try {
                for (int i = 0; i < 300; i++) {
                    Thread.sleep(200); // the trickle's pace, not a synchronisation
                    connection.chunk(" ");
                }
            } catch (IOException e) {
                connection.closedByRelay();
            }
        }); CapturedLog log = new CapturedLog()) {
            RawExchange.Response response = ask(relay(upstream).idleTimeout(Duration.ofSeconds(1)).build());
            assertEquals(List.of("token", "error"), shape(response));
            assertEquals("{\"text\":\"Hello\"}", events(response.body()).get(0).data());
            assertProblem(504, "Gateway Timeout", "The model server stopped answering: nothing for 1 s.", response);
            assertTrue(response.elapsed().toMillis() >= 1000, "ended before the timeout: " + response.elapsed());
            assertTrue(upstream.closedByRelay.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS),
                    "the relay closes the upstream connection");
            assertTrue(failureLine(log).contains("1 tokens: the model server sent no event for 1000 ms after 1 events"), failureLine(log));
        }
    }

    @Test
    void aBodyThatEndsWithoutDoneIsAnErrorNotADone() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream(connection -> {
            connection.streamHead();
            connection.event(ScriptedUpstream.delta("Hel"));
            connection.event(ScriptedUpstream.delta("lo"));
            connection.endBody();
        }); CapturedLog log = new CapturedLog()) {
            RawExchange.Response response = ask(relay(upstream).build());
            assertEquals(List.of("token", "token", "error"), shape(response));
            assertProblem(502, "Bad Gateway", "The model server's answer ended before it was complete.", response);
            assertTrue(failureLine(log).contains("2 tokens: the model server ended its stream without [DONE] after 2 events"), failureLine(log));
        }
    }

    @Test
    void aBodyThatEndsWithDoneIsDone() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream(connection -> {
            connection.streamHead();
            connection.event(ScriptedUpstream.delta("Hel"));
            connection.event(ScriptedUpstream.delta("lo"));
            connection.event("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
            connection.event("[DONE]");
            connection.endBody();
        })) {
            RawExchange.Response response = ask(relay(upstream).build());
            assertEquals(List.of("token", "token", "done"), shape(response));
            assertTrue(events(response.body()).get(2).data().contains("\"finishReason\":\"stop\""), response.body());
        }
    }

    @Test
    void aRefusalWithASecretInItsBodyReachesTheBrowserAsItsStatusOnly() throws Exception {
        String body = "{\"error\":{\"message\":\"Incorrect API key provided: " + SECRET + ". Checked at " + INTERNAL
                + "\",\"type\":\"invalid_request_error\"}}";
        try (ScriptedUpstream upstream = new ScriptedUpstream(connection -> connection.answer(401, "application/json", body));
                CapturedLog log = new CapturedLog()) {
            RawExchange.Response response = ask(relay(upstream).build());
            assertEquals(List.of("error"), shape(response));
            assertProblem(502, "Bad Gateway", "The model server answered 401.", response);
            assertFalse(response.body().contains(SECRET) || response.body().contains(INTERNAL), response.body());
            // The operator sees what the upstream said, on one line.
            String line = failureLine(log);
            assertTrue(line.contains("the model server answered HTTP 401: {\"error\":{\"message\":\"Incorrect API key provided: "
                    + SECRET), line);
            assertEquals(1, upstream.requests.size(), "a failed completion is not sent again");
        }
    }

    @Test
    void aHugeErrorBodyIsNeitherRelayedNorLoggedWhole() throws Exception {
        StringBuilder html = new StringBuilder("<html><body><h1>Internal Server Error</h1><pre>Traceback (most recent call last):\n");
        while (html.length() < 900_000) {
            html.append("  File \"/srv/gateway/app.py\", line 42, in handle\r\n    key = \"").append(SECRET).append("\"\n");
        }
        try (ScriptedUpstream upstream = new ScriptedUpstream(connection -> connection.answer(500, "text/html", html.toString()));
                CapturedLog log = new CapturedLog()) {
            RawExchange.Response response = ask(relay(upstream).build());
            assertProblem(502, "Bad Gateway", "The model server answered 500.", response);
            assertTrue(response.body().length() < 1_000, "the answer stays short: " + response.body().length());
            assertFalse(response.body().contains(SECRET) || response.body().contains("Traceback"), response.body());
            String line = failureLine(log);
            assertTrue(line.length() < LogText.MAX_CHARS + 300, "the log line is capped: " + line.length());
            assertTrue(line.contains("Traceback (most recent call last):\\n"), "control characters escaped: " + line);
        }
    }

    @Test
    void anErrorInTheStreamIsLoggedOnOneLineAndNotRelayed() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream(connection -> {
            connection.streamHead();
            connection.event(ScriptedUpstream.delta("partial"));
            connection.event("{\"error\":{\"message\":\"overloaded on " + INTERNAL
                    + "\\n[main] INFO forged log line\\u001b[31m" + "x".repeat(10_000) + "\",\"type\":\"server_error\"}}");
            connection.awaitClose();
        }); CapturedLog log = new CapturedLog()) {
            RawExchange.Response response = ask(relay(upstream).build());
            assertEquals(List.of("token", "error"), shape(response));
            assertProblem(502, "Bad Gateway", "The model server reported an error.", response);
            assertFalse(response.body().contains(INTERNAL), response.body());
            String line = failureLine(log);
            assertTrue(line.contains("the model server reported an error in its stream: overloaded on " + INTERNAL + "\\n[main] INFO forged log line\\u001b[31m"), line);
            assertTrue(log.lines().stream().noneMatch(l -> l.startsWith("[main] INFO forged")), "no forged line");
            assertTrue(line.length() < LogText.MAX_CHARS + 300, "the log line is capped: " + line.length());
            assertTrue(line.endsWith(" more characters)"), line);
        }
    }

    @Test
    void anUpstreamThatIsNotListeningFailsAtOnce() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        RawExchange.Response response = ask(OpenAiRelay.builder(URI.create("http://127.0.0.1:" + port + "/v1")).build());
        assertProblem(502, "Bad Gateway", "The model server could not be reached.", response);
        assertTrue(response.elapsed().compareTo(PROMPTLY) < 0);
    }

    @Test
    void anUpstreamThatDoesNotAcceptTheConnectionEndsTheReplyAtTheConnectTimeout() throws Exception {
        // A listening socket whose accept queue is full: the kernel drops further connection
        // attempts, so a connect waits as it would for an unreachable host.
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> queued = new ArrayList<>();
            try {
                boolean dropping = false;
                for (int i = 0; i < 16 && !dropping; i++) {
                    Socket socket = new Socket();
                    queued.add(socket);
                    try {
                        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort()), 300);
                    } catch (SocketTimeoutException e) {
                        dropping = true;
                    }
                }
                Assumptions.assumeTrue(dropping, "this system accepts every connection: no way to make one wait");
                OpenAiRelay relay = OpenAiRelay.builder(URI.create("http://127.0.0.1:" + full.getLocalPort() + "/v1"))
                        .connectTimeout(Duration.ofMillis(600)).build();
                RawExchange.Response response = ask(relay);
                assertProblem(504, "Gateway Timeout", "The model server did not accept the connection within 600 ms.",
                        response);
                assertTrue(response.elapsed().toMillis() >= 600, "ended before the timeout: " + response.elapsed());
            } finally {
                for (Socket socket : queued) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void theRelaySaysWhereItRelaysToButNeverItsKey() {
        OpenAiRelay relay = OpenAiRelay.builder(URI.create("https://user:pass@api.example.com/v1?api-key=" + SECRET))
                .apiKey(SECRET).model("gpt-x").build();
        String described = relay.describe();
        assertEquals("relayed to https://api.example.com/v1/chat/completions, model gpt-x, with an API key;"
                + " timeouts: connect 5 s, first event 30 s, idle 30 s", described);
        assertFalse(described.contains(SECRET) || described.contains("pass"), described);
    }

    @Test
    void timeoutsMustBePositive() {
        OpenAiRelay.Builder builder = OpenAiRelay.builder(URI.create("http://127.0.0.1:1/v1"));
        assertThrows(IllegalArgumentException.class, () -> builder.idleTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> builder.firstByteTimeout(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> builder.connectTimeout(null));
    }
}
