package io.postsse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.microsoft.playwright.Page;
import io.postsse.testing.TestBrowser;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The demo server as a real process of its own, killed mid-reply with {@code kill -9} and with a
 * plain {@code kill}: the browser must report a broken stream, never a completed one.
 */
class KilledServerTest {
    private static final double TIMEOUT_MS = 20_000;

    /** The demo app, its runnable jar, in a child JVM on a free loopback port, its output in a file. */
    private static final class DemoProcess implements AutoCloseable {
        final Process process;
        final int port;
        final Path log;

        DemoProcess() throws Exception {
            try (ServerSocket probe = new ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            log = Files.createTempFile("postsse-demo", ".log");
            // The jar the README runs, not the classes: what it packs is what a user gets.
            Path jar = Path.of(System.getProperty("postsse.demo.jar", "../demo/target/postsse-demo.jar"));
            if (!Files.isRegularFile(jar)) {
                throw new AssertionError(jar.toAbsolutePath() + " is missing: package the demo first (mvn -B verify)");
            }
            ProcessBuilder builder = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString());
            builder.environment().put("PORT", String.valueOf(port));
            builder.environment().put("POSTSSE_TOKEN_DELAY_MS", "150"); // a reply that lasts seconds
            builder.environment().remove("POSTSSE_UPSTREAM_URL");
            builder.environment().remove("HOST"); // the default: loopback, which base() names
            builder.environment().remove("POSTSSE_ALLOWED_HOSTS");
            builder.redirectErrorStream(true).redirectOutput(log.toFile());
            process = builder.start();
            awaitServing();
        }

        String base() {
            return "http://127.0.0.1:" + port;
        }

        /** Polls the page until the server answers, for at most 20 s. */
        private void awaitServing() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new AssertionError("the demo server exited: " + Files.readString(log));
                }
                try {
                    HttpURLConnection connection = (HttpURLConnection) URI.create(base() + "/").toURL().openConnection();
                    connection.setConnectTimeout(500);
                    if (connection.getResponseCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                process.waitFor(50, TimeUnit.MILLISECONDS);
            }
            throw new AssertionError("the demo server did not start: " + Files.readString(log));
        }

        /** {@code kill -9} or a plain {@code kill} by the process's PID. */
        void kill(String signal) throws Exception {
            Process kill = new ProcessBuilder("kill", signal, String.valueOf(process.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor(), "kill " + signal);
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the server should be gone");
        }

        @Override
        public void close() throws IOException {
            process.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    /** {@code kill -9} and a plain {@code kill}, in each browser. */
    static Stream<Arguments> signals() {
        return BothBrowsers.with(arguments("-9"), arguments("-TERM"));
    }

    @ParameterizedTest(name = "[{0}] kill {1}")
    @MethodSource("signals")
    void chatShowsAReplyCutByAKilledServerAsInterrupted(TestBrowser browser, String signal) throws Exception {
        try (DemoProcess server = new DemoProcess(); Page page = browser.newPage()) {
            page.navigate(server.base() + "/");
            ChatDemoTest.ask(page, "Tell me about streams");
            page.waitForFunction("() => { const t = document.querySelector('article.turn.assistant .text');"
                    + " return t && t.textContent.length > 0; }", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            server.kill(signal);
            page.waitForFunction("() => document.querySelector('article.turn.assistant').dataset.state !== 'streaming'",
                    null, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            assertEquals("interrupted", ChatDemoTest.lastReply(page).getAttribute("data-state"),
                    ChatDemoTest.lastReply(page).locator(".meta").textContent());
            assertTrue(ChatDemoTest.lastReply(page).locator(".meta").textContent().startsWith("Interrupted"));
            assertEquals("The reply was interrupted.", page.textContent("#status"));
            assertNotEquals("", ChatDemoTest.lastReply(page).locator(".text").textContent(),
                    "what arrived before the cut stays on screen");
        }
    }

    @ParameterizedTest(name = "[{0}] kill {1}")
    @MethodSource("signals")
    void postsseJsReportsAStreamCutByAKilledServerAsFailed(TestBrowser browser, String signal) throws Exception {
        try (DemoProcess server = new DemoProcess(); Page page = browser.newPage()) {
            page.navigate(server.base() + "/inspector.html");
            page.addScriptTag(new Page.AddScriptTagOptions().setUrl("/postsse.js"));
            page.evaluate("() => { window.log = [];"
                    + " postsse.stream('/api/chat', {body: {prompt: 'hi'}, maxRetries: 1, initialRetryMillis: 50,"
                    + "  onEvent: e => { if (!window.log.includes('event')) window.log.push('event'); },"
                    + "  onError: e => window.log.push('error ' + e.kind + ' retrying=' + e.retrying),"
                    + "  onClose: e => window.log.push('close ' + e.reason)}); }");
            page.waitForFunction("() => window.log.includes('event')", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            server.kill(signal);
            page.waitForFunction("() => window.log.some(line => line.startsWith('close '))", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            @SuppressWarnings("unchecked")
            List<String> log = (List<String>) page.evaluate("() => window.log");
            // The cut, then the failed reconnection, then the end. The reconnection is refused once the
            // process is gone; after a plain kill it may instead reach the server while it stops,
            // which answers it with a 5xx status: both are failures, neither an end.
            assertEquals(4, log.size(), log.toString());
            assertEquals(List.of("event", "error network retrying=true"), log.subList(0, 2));
            Set<String> reconnections = signal.equals("-9") ? Set.of("error network retrying=false")
                    : Set.of("error network retrying=false", "error http_status retrying=false");
            assertTrue(reconnections.contains(log.get(2)), log.toString());
            assertEquals("close failed", log.get(3));
        }
    }

}
