package io.postsse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Page;
import io.javalin.Javalin;
import io.postsse.demo.DemoServer;
import io.postsse.demo.OpenAiRelay;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The chat relaying an OpenAI-compatible server written here, all on real HTTP, in Chromium. */
class RelayTest {

    /** Runs one question through the page against the fake upstream. */
    private static void withChat(FakeOpenAi upstream, PageCheck check) throws Exception {
        Javalin server = DemoServer.create(new OpenAiRelay(upstream.baseUrl(), "test-key", "fake-model"))
                .start("127.0.0.1", 0);
        try (Page page = Chromium.newPage()) {
            page.navigate("http://127.0.0.1:" + server.port() + "/");
            check.run(page);
        } finally {
            server.stop();
        }
    }

    private interface PageCheck {
        void run(Page page) throws Exception;
    }

    @Test
    void contentArrivesExactlyAndUsageReachesTheDoneEvent() throws Exception {
        List<String> contents = List.of("Line one\nline two", "\r\nafter CRLF", " h\u00e9llo \uD83C\uDF0D",
                " <b>markup</b> & <script>alert(1)</script>", "", "  two spaces");
        List<String> payloads = new java.util.ArrayList<>();
        payloads.add("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}");
        contents.forEach(content -> payloads.add(FakeOpenAi.delta(content)));
        payloads.add("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        payloads.add("{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":6,\"total_tokens\":18}}");
        payloads.add("[DONE]");
        try (FakeOpenAi upstream = new FakeOpenAi(FakeOpenAi.streaming(payloads))) {
            withChat(upstream, page -> {
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

    @Test
    void errorInTheStreamIsShownInThePage() throws Exception {
        try (FakeOpenAi upstream = new FakeOpenAi(FakeOpenAi.streaming(List.of(FakeOpenAi.delta("partial answer"),
                "{\"error\":{\"message\":\"model overloaded\",\"type\":\"server_error\"}}")))) {
            withChat(upstream, page -> {
                ChatDemoTest.ask(page, "tell me");
                ChatDemoTest.waitForState(page, "error");
                assertEquals("partial answer", ChatDemoTest.lastReply(page).locator(".text").textContent());
                assertEquals("Bad Gateway: The model server reported an error: model overloaded",
                        ChatDemoTest.lastReply(page).locator(".meta").textContent());
            });
        }
    }

    @Test
    void upstreamRefusalIsShownInThePage() throws Exception {
        try (FakeOpenAi upstream = new FakeOpenAi(exchange -> {
            byte[] body = "{\"error\":{\"message\":\"invalid api key\"}}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(401, body.length);
            exchange.getResponseBody().write(body);
        })) {
            withChat(upstream, page -> {
                ChatDemoTest.ask(page, "tell me");
                ChatDemoTest.waitForState(page, "error");
                String meta = ChatDemoTest.lastReply(page).locator(".meta").textContent();
                assertTrue(meta.startsWith("Bad Gateway: The model server answered HTTP 401"), meta);
                assertEquals(1, upstream.requests.size(), "a failed completion is not re-sent");
            });
        }
    }

    @Test
    void stopClosesTheUpstreamConnection() throws Exception {
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
            withChat(upstream, page -> {
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
