package io.postsse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.microsoft.playwright.Page;
import io.javalin.Javalin;
import io.postsse.demo.DemoServer;
import io.postsse.demo.OpenAiRelay;
import io.postsse.testing.InBothBrowsers;
import io.postsse.testing.TestBrowser;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The chat relaying an OpenAI-compatible server written here, all on real HTTP, in real browsers. */
class RelayTest {
    /** What an upstream's error answers have been seen to hold: key fragments, internal addresses, tracebacks. */
    static final String SECRET = "sk-live-7f3a9c1e2b4d";
    static final String INTERNAL = "10.31.4.159:8443";

    /** Runs one question through the page against the fake upstream. */
    private static void withChat(TestBrowser browser, FakeOpenAi upstream, PageCheck check) throws Exception {
        withChat(browser, new OpenAiRelay(upstream.baseUrl(), "test-key", "fake-model"), check);
    }

    /** Runs one question through the page, relayed by {@code relay}. */
    private static void withChat(TestBrowser browser, OpenAiRelay relay, PageCheck check) throws Exception {
        Javalin server = DemoServer.create(relay).start("127.0.0.1", 0);
        try (Page page = browser.newPage()) {
            page.navigate("http://127.0.0.1:" + server.port() + "/");
            check.run(page);
        } finally {
            server.stop();
        }
    }

    private interface PageCheck {
        void run(Page page) throws Exception;
    }

    @InBothBrowsers
    void contentArrivesExactlyAndUsageReachesTheDoneEvent(TestBrowser browser) throws Exception {
        List<String> contents = List.of("Line one\nline two", "\r\nafter CRLF", " h\u00e9llo \uD83C\uDF0D",
                " <b>markup</b> & <script>alert(1)</script>", "", "  two spaces");
        List<String> payloads = new java.util.ArrayList<>();
        payloads.add("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}");
        contents.forEach(content -> payloads.add(FakeOpenAi.delta(content)));
        payloads.add("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        payloads.add("{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":6,\"total_tokens\":18}}");
        payloads.add("[DONE]");
        try (FakeOpenAi upstream = new FakeOpenAi(FakeOpenAi.streaming(payloads))) {
            withChat(browser, upstream, page -> {
                ChatDemoTest.ask(page, "tell me");
                ChatDemoTest.waitForState(page, "done");
                assertEquals(String.join("", contents), ChatDemoTest.lastReply(page).locator(".text").textContent());
                assertEquals(0, page.locator("article b, article script").count(), "content must stay text");
                assertTrue(ChatDemoTest.lastReply(page).locator(".meta").textContent().endsWith("\u00b7 12 in, 6 out"),
                        ChatDemoTest.lastReply(page).locator(".meta").textContent());
                FakeOpenAi.Request request = upstream.requests.poll(5, TimeUnit.SECONDS);
                assertEquals("Bearer test-key", request.authorization());
                assertTrue(request.body().contains("\"stream\":true"), request.body());
                assertTrue(request.body().contains("\"model\":\"fake-model\""), request.body());
                assertTrue(request.body().contains("\"messages\":[{\"role\":\"user\",\"content\":\"tell me\"}]"),
                        request.body());
                assertTrue(!page.content().contains("test-key"), "the key never reaches the browser");
            });
        }
    }

    @InBothBrowsers
    void errorInTheStreamIsShownInThePage(TestBrowser browser) throws Exception {
        try (FakeOpenAi upstream = new FakeOpenAi(FakeOpenAi.streaming(List.of(FakeOpenAi.delta("partial answer"),
                "{\"error\":{\"message\":\"model overloaded on " + INTERNAL + "\",\"type\":\"server_error\"}}")))) {
            withChat(browser, upstream, page -> {
                ChatDemoTest.ask(page, "tell me");
                ChatDemoTest.waitForState(page, "error");
                assertEquals("partial answer", ChatDemoTest.lastReply(page).locator(".text").textContent());
                assertEquals("Bad Gateway: The model server reported an error.",
                        ChatDemoTest.lastReply(page).locator(".meta").textContent());
                assertFalse(page.content().contains(INTERNAL), "the upstream's own words stay on the server");
            });
        }
    }

    /** A short JSON refusal and a long HTML error page, in each browser. */
    static Stream<Arguments> refusals() {
        return BothBrowsers.with(arguments(401, "application/json", 60), arguments(500, "text/html", 900_000));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("refusals")
    void upstreamRefusalIsShownWithoutItsText(TestBrowser browser, int status, String contentType, int size)
            throws Exception {
        StringBuilder text = new StringBuilder("{\"error\":{\"message\":\"Incorrect API key provided: " + SECRET
                + " (checked by auth at " + INTERNAL + ")\"}}\n<pre>Traceback (most recent call last):\n");
        while (text.length() < size) {
            text.append("  File \"/srv/gateway/app.py\", line 42, in handle key=").append(SECRET).append('\n');
        }
        byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
        try (FakeOpenAi upstream = new FakeOpenAi(exchange -> {
            exchange.getResponseHeaders().add("Content-Type", contentType);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        })) {
            withChat(browser, upstream, page -> {
                // A copy of every response body the page's fetch gets, taken as the client reads it. Not
                // from a clone read on the side: the client aborts its request once the stream has
                // ended, and the abort discards what the clone had not yet read (Firefox often had
                // read nothing by then).
                page.evaluate("() => { window.bodies = []; window.fetch = (fetch => (url, init) => fetch(url, init)"
                        + ".then(response => { if (!response.body) return response;"
                        + " const i = window.bodies.push('') - 1; const decoder = new TextDecoder();"
                        + " const copy = new TransformStream({transform: (chunk, controller) => {"
                        + " window.bodies[i] += decoder.decode(chunk, {stream: true}); controller.enqueue(chunk); }});"
                        + " return new Response(response.body.pipeThrough(copy),"
                        + " {status: response.status, statusText: response.statusText, headers: response.headers});"
                        + " }))(window.fetch); }");
                ChatDemoTest.ask(page, "tell me");
                ChatDemoTest.waitForState(page, "error");
                page.waitForFunction("() => window.bodies.some(b => b.includes('event: postsse.end'))", null,
                        new Page.WaitForFunctionOptions().setTimeout(15_000));
                assertEquals("Bad Gateway: The model server answered " + status + ".",
                        ChatDemoTest.lastReply(page).locator(".meta").textContent());
                assertEquals("The reply failed.", page.textContent("#status"));
                String sse = String.valueOf(page.evaluate("() => window.bodies.join('\\n')"));
                assertTrue(sse.contains("event: error"), sse);
                String everythingThePageHolds = page.content()
                        + page.evaluate("() => JSON.stringify(Object.entries(sessionStorage))");
                for (String leak : List.of(SECRET, INTERNAL, "Traceback", "Incorrect API key")) {
                    assertFalse(sse.contains(leak), "the stream carries " + leak + ": " + sse);
                    assertFalse(everythingThePageHolds.contains(leak), "the page holds " + leak);
                }
                assertTrue(sse.length() < 2_000, "the stream stays short: " + sse.length() + " characters");
                assertEquals(1, upstream.requests.size(), "a failed completion is not re-sent");
            });
        }
    }

    @InBothBrowsers
    void anUpstreamThatSendsNothingEndsTheReplyWithAClearError(TestBrowser browser) throws Exception {
        CountDownLatch testOver = new CountDownLatch(1);
        try (FakeOpenAi upstream = new FakeOpenAi(exchange -> {
            FakeOpenAi.startStream(exchange); // the head, then nothing
            testOver.await(30, TimeUnit.SECONDS);
        })) {
            OpenAiRelay relay = OpenAiRelay.builder(upstream.baseUrl()).firstByteTimeout(Duration.ofMillis(500)).build();
            try {
                withChat(browser, relay, page -> {
                    long started = System.nanoTime();
                    ChatDemoTest.ask(page, "anyone there?");
                    ChatDemoTest.waitForState(page, "error");
                    long tookMillis = (System.nanoTime() - started) / 1_000_000;
                    assertEquals("Gateway Timeout: The model server did not start answering within 500 ms.",
                            ChatDemoTest.lastReply(page).locator(".meta").textContent());
                    assertEquals("The reply failed.", page.textContent("#status"));
                    assertTrue(page.isEnabled("#send"), "the page is ready for the next question");
                    assertTrue(tookMillis >= 500 && tookMillis < 10_000, "ended after " + tookMillis + " ms");
                });
            } finally {
                testOver.countDown();
            }
        }
    }

    @InBothBrowsers
    void stopClosesTheUpstreamConnection(TestBrowser browser) throws Exception {
        CountDownLatch upstreamSawClose = new CountDownLatch(1);
        try (FakeOpenAi upstream = new FakeOpenAi(exchange -> {
            OutputStream out = FakeOpenAi.startStream(exchange);
            try {
                for (int i = 0; i < 600; i++) {
                    FakeOpenAi.send(out, FakeOpenAi.delta("tick " + i + " "));
                    Thread.sleep(50);
                }
            } catch (IOException e) {
                upstreamSawClose.countDown();
            }
        })) {
            withChat(browser, upstream, page -> {
                ChatDemoTest.ask(page, "never-ending");
                page.waitForFunction("() => { const t = document.querySelector('article.turn.assistant .text');"
                        + " return t && t.textContent.includes('tick 2'); }", null,
                        new Page.WaitForFunctionOptions().setTimeout(15_000));
                page.click("#stop");
                ChatDemoTest.waitForState(page, "stopped");
                assertTrue(upstreamSawClose.await(5, TimeUnit.SECONDS), "the upstream should see its connection closed");
            });
        }
    }
}
