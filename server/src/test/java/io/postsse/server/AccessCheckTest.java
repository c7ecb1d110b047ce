package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The access check: bearer-token auth in a few lines, refusals as problem JSON before any stream
 * byte, preflights still answered, and the producer knowing who asked.
 */
class AccessCheckTest {
    private static final String ID = "stream-id-for-the-access-tests";

    record Question(String prompt) {
    }

    private static TestServer server() {
        return TestServer.start(sse -> {
            sse.allowedOrigins = Set.of("https://app.example");
            sse.accessCheck = request -> {
                String authorization = request.header("Authorization");
                if (authorization == null || !authorization.startsWith("Bearer ")) {
                    throw AccessDenied.unauthorized("Send a bearer token.", "Bearer");
                }
                String user = authorization.substring("Bearer ".length());
                if (user.equals("mallory")) {
                    throw AccessDenied.forbidden("You may not ask.");
                }
                return user;
            };
            sse.post("/ask", Question.class,
                    (question, request) -> question.prompt().isEmpty() ? "Ask something, " + request.principal() + "." : null,
                    (question, events) -> {
                        events.send(events.request().<String>principal() + " asked " + question.prompt()
                                + " from " + events.request().remoteAddress()
                                + " with trace " + events.request().header("x-trace"));
                    });
            sse.post("/job", Object.class, (request, events) -> {
                events.send("for " + events.request().principal());
            }).resumable();
        });
    }

    @Test
    void aRequestWithoutCredentialsIs401ProblemJsonWithAChallenge() throws Exception {
        try (TestServer server = server(); RawHttp post = RawHttp.post(server, "/ask", "{\"prompt\":\"hi\"}")) {
            assertTrue(post.problem(401).contains("Send a bearer token."));
            assertEquals("Bearer", post.header("WWW-Authenticate"));
        }
    }

    @Test
    void aRequestFromSomeoneRefusedIs403ProblemJson() throws Exception {
        try (TestServer server = server();
                RawHttp post = RawHttp.post(server, "/ask", "{\"prompt\":\"hi\"}", "Authorization", "Bearer mallory")) {
            assertTrue(post.problem(403).contains("You may not ask."));
        }
    }

    @Test
    void theProducerKnowsWhoAskedAndSeesTheHeaders() throws Exception {
        try (TestServer server = server(); RawHttp post = RawHttp.post(server, "/ask", "{\"prompt\":\"hi\"}",
                "Authorization", "Bearer alice", "X-Trace", "t-1")) {
            assertEquals(200, post.status());
            assertEquals("data: alice asked hi from 127.0.0.1 with trace t-1\n\n", post.readToEnd());
        }
    }

    @Test
    void theBodysCheckSeesTheRequestHead() throws Exception {
        try (TestServer server = server();
                RawHttp post = RawHttp.post(server, "/ask", "{\"prompt\":\"\"}", "Authorization", "Bearer alice")) {
            assertTrue(post.problem(400).contains("Ask something, alice."));
        }
    }

    @Test
    void aPreflightIsAnsweredWithoutCredentials() throws Exception {
        try (TestServer server = server(); RawHttp preflight = RawHttp.send(server, "OPTIONS", "/ask", null,
                "Origin", "https://app.example", "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "authorization, content-type")) {
            assertEquals(204, preflight.status());
            assertEquals("authorization, content-type", preflight.header("Access-Control-Allow-Headers"));
        }
    }

    @Test
    void attachingAndStoppingAreCheckedToo() throws Exception {
        try (TestServer server = server()) {
            try (RawHttp post = RawHttp.post(server, "/job", "{}", "Authorization", "Bearer alice", "Postsse-Stream", ID)) {
                assertEquals("id: " + ID + ":1\ndata: for alice\n\nevent: postsse.end\ndata: completed\n\n", post.readToEnd());
            }
            try (RawHttp get = RawHttp.get(server, "/job", "Last-Event-ID", ID + ":0")) {
                get.problem(401);
            }
            try (RawHttp delete = RawHttp.send(server, "DELETE", "/job", null, "Postsse-Stream", ID)) {
                delete.problem(401);
            }
            try (RawHttp get = RawHttp.get(server, "/job", "Last-Event-ID", ID + ":0", "Authorization", "Bearer bob")) {
                assertEquals(200, get.status(), "the producer's principal is the starter's, whoever attaches");
                assertTrue(get.readToEnd().contains("data: for alice"));
            }
        }
    }
}
