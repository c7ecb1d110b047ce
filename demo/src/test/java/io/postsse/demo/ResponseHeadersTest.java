package io.postsse.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javalin.Javalin;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo's responses, every kind of them, carry {@code X-Content-Type-Options: nosniff}; its pages
 * a Content-Security-Policy that allows no inline script and no framing, and nothing inline that
 * such a policy would block.
 */
class ResponseHeadersTest {
    private static Javalin server;
    private static String host;

    @BeforeAll
    static void start() {
        server = DemoServer.create(new OfflineBackend(Duration.ZERO)).start("127.0.0.1", 0);
        host = "127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static RawExchange.Response get(String path) throws Exception {
        return RawExchange.get(server.port(), path, host);
    }

    @Test
    void everyKindOfResponseSaysNosniff() throws Exception {
        RawExchange.Response page = get("/");
        RawExchange.Response script = get("/js/demo.js");
        RawExchange.Response clientScript = get("/postsse.js");
        RawExchange.Response styles = get("/style.css");
        RawExchange.Response missing = get("/no-such-file.js");
        RawExchange.Response stream = RawExchange.postJson(server.port(), "/api/chat", host, "{\"prompt\":\"hi\"}",
                Duration.ofSeconds(10));
        RawExchange.Response problem = RawExchange.postJson(server.port(), "/api/chat", host, "{\"prompt\":",
                Duration.ofSeconds(10));
        RawExchange.Response refused = RawExchange.postJson(server.port(), "/api/chat", "evil.example",
                "{\"prompt\":\"hi\"}", Duration.ofSeconds(10));

        assertEquals(200, page.status());
        assertTrue(page.header("content-type").startsWith("text/html"), page.headers().toString());
        assertEquals(200, script.status());
        assertTrue(script.header("content-type").contains("javascript"), script.headers().toString());
        assertEquals(200, clientScript.status());
        assertEquals(200, styles.status());
        assertEquals(404, missing.status());
        assertEquals(200, stream.status());
        assertTrue(stream.header("content-type").startsWith("text/event-stream"), stream.headers().toString());
        assertEquals(400, problem.status());
        assertTrue(problem.header("content-type").startsWith("application/problem+json"), problem.headers().toString());
        assertEquals(403, refused.status());
        for (RawExchange.Response response : List.of(page, script, clientScript, styles, missing, stream, problem, refused)) {
            assertEquals("nosniff", response.header("X-Content-Type-Options"), response.headers().toString());
        }
    }

    @Test
    void theChatPageAllowsOnlyItsOwnScriptsAndNoFraming() throws Exception {
        for (String path : List.of("/", "/index.html")) {
            RawExchange.Response page = get(path);
            assertEquals(200, page.status(), path);
            String policy = page.header("Content-Security-Policy");
            assertNotNull(policy, path + ": " + page.headers());
            assertEquals(List.of("default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
                    "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"),
                    directives(policy), path);
            assertEquals("DENY", page.header("X-Frame-Options"), path);
        }
    }

    @Test
    void theInspectorMayConnectAnywhereButIsOtherwiseAsStrict() throws Exception {
        RawExchange.Response page = get("/inspector.html");
        assertEquals(200, page.status());
        String policy = page.header("Content-Security-Policy");
        assertNotNull(policy, page.headers().toString());
        // The inspector's purpose is to send requests to any endpoint the user types.
        assertEquals(List.of("default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
                "connect-src *", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"), directives(policy));
        assertEquals("DENY", page.header("X-Frame-Options"));
    }

    @Test
    void thePagesHaveNothingInlineThatThePolicyWouldBlock() throws Exception {
        Pattern scriptTag = Pattern.compile("<script\\b([^>]*)>(.*?)</script>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
        Pattern handler = Pattern.compile("<[^>]*\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE);
        Pattern inlineStyle = Pattern.compile("<style\\b|<[^>]*\\sstyle\\s*=", Pattern.CASE_INSENSITIVE);
        for (String path : List.of("/", "/inspector.html")) {
            String html = get(path).body();
            Matcher scripts = scriptTag.matcher(html);
            int count = 0;
            while (scripts.find()) {
                count++;
                assertTrue(scripts.group(1).matches("(?s).*\\ssrc=\"/[^\"]+\".*"), path + ": a script without src: " + scripts.group());
                assertEquals("", scripts.group(2).trim(), path + ": an inline script: " + scripts.group());
            }
            assertTrue(count > 0, path + " loads its scripts");
            assertFalse(handler.matcher(html).find(), path + " has an inline event handler");
            assertFalse(inlineStyle.matcher(html).find(), path + " has an inline style");
            assertFalse(html.contains("javascript:"), path + " has a javascript: URL");
        }
    }

    /** The policy's directives, in order, each with single spaces. */
    static List<String> directives(String policy) {
        return Pattern.compile(";").splitAsStream(policy).map(String::trim).filter(d -> !d.isEmpty())
                .map(d -> d.replaceAll("\\s+", " ")).toList();
    }
}
