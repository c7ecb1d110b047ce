package io.postsse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import io.javalin.Javalin;
import io.postsse.demo.ChatBackend;
import io.postsse.demo.ChatMessage;
import io.postsse.demo.DemoServer;
import io.postsse.demo.OfflineBackend;
import io.postsse.demo.ReplyGenerator;
import io.postsse.testing.InBothBrowsers;
import io.postsse.testing.TestBrowser;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The demo's chat page in real browsers, against the demo server started in this JVM. */
class ChatDemoTest {
    private static final double TIMEOUT_MS = 15_000;


    private static Javalin start(ChatBackend backend) {
        return DemoServer.create(backend).start("127.0.0.1", 0);
    }

    private static String base(Javalin server) {
        return "http://127.0.0.1:" + server.port();
    }

    static Locator lastReply(Page page) {
        return page.locator("article.turn.assistant").last();
    }

    static void waitForState(Page page, String state) {
        page.waitForFunction("state => { const turns = document.querySelectorAll('article.turn.assistant');"
                + " return turns.length > 0 && turns[turns.length - 1].dataset.state === state; }",
                state, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
    }

    static void ask(Page page, String question) {
        page.fill("#prompt", question);
        page.press("#prompt", "Enter");
    }

    @InBothBrowsers
    void replyGrowsTokenByTokenAndEndsComplete(TestBrowser browser) {
        String prompt = "streaming <b>markup</b> & more";
        String expected = String.join("", ReplyGenerator.tokens(prompt));
        Javalin server = start(new OfflineBackend(Duration.ofMillis(30)));
        try (Page page = browser.newPage()) {
            page.navigate(base(server) + "/");
            // Record every text the reply shows while it streams, before the done event lands.
            page.evaluate("() => {"
                    + " window.partials = [];"
                    + " new MutationObserver(() => {"
                    + "   const turn = document.querySelector('article.turn.assistant');"
                    + "   if (turn && turn.dataset.state === 'streaming') window.partials.push(turn.querySelector('.text').textContent);"
                    + " }).observe(document.getElementById('conversation'), {childList: true, characterData: true, subtree: true});"
                    + "}");
            ask(page, prompt);
            page.waitForFunction("() => { const t = document.querySelector('article.turn.assistant .text');"
                    + " return t && t.textContent.length > 40; }", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            if (browser == TestBrowser.CHROMIUM) {
                Screenshots.save(page, "demo.png");
            }
            waitForState(page, "done");

            assertEquals(expected, lastReply(page).locator(".text").textContent());
            assertEquals(0, page.locator("article b").count(), "server text must not become markup");
            assertEquals(prompt, page.locator("article.turn.user .text").textContent());
            String meta = lastReply(page).locator(".meta").textContent();
            assertTrue(meta.matches(ReplyGenerator.tokens(prompt).size() + " tokens \u00b7 \\d+\\.\\d s"), meta);
            @SuppressWarnings("unchecked")
            List<String> partials = (List<String>) page.evaluate("() => window.partials");
            Set<String> distinctPartials = new LinkedHashSet<>(partials);
            distinctPartials.remove("");
            distinctPartials.remove(expected);
            assertTrue(distinctPartials.size() >= 2,
                    "expected the reply to grow in at least two visible steps, saw " + distinctPartials);
            for (String partial : distinctPartials) {
                assertTrue(expected.startsWith(partial), "a partial reply must be a prefix of the whole: " + partial);
            }
        } finally {
            server.stop();
        }
    }

    @InBothBrowsers
    void secondTurnSendsTheConversationSoFar(TestBrowser browser) {
        List<List<ChatMessage>> conversations = new CopyOnWriteArrayList<>();
        OfflineBackend offline = new OfflineBackend(Duration.ofMillis(1));
        Javalin server = start((conversation, sink) -> {
            conversations.add(conversation);
            return offline.reply(conversation, sink);
        });
        try (Page page = browser.newPage()) {
            page.navigate(base(server) + "/");
            ask(page, "first question");
            waitForState(page, "done");
            String firstReply = lastReply(page).locator(".text").textContent();
            ask(page, "second question");
            page.waitForFunction("() => document.querySelectorAll('article.turn.assistant[data-state=done]').length === 2",
                    null, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            assertEquals(List.of(ChatMessage.user("first question"), ChatMessage.assistant(firstReply),
                    ChatMessage.user("second question")), conversations.get(1));
            assertEquals(4, page.locator("article.turn").count(), "both turns stay on screen");
            if (browser == TestBrowser.CHROMIUM) {
                Screenshots.save(page, "chat.png");
            }
        } finally {
            server.stop();
        }
    }

    @InBothBrowsers
    void stopAbortsTheRequestAndTheServerCancelsItsProducer(TestBrowser browser) throws Exception {
        CountDownLatch producerInterrupted = new CountDownLatch(1);
        Javalin server = start(TickingBackend.untilStopped(producerInterrupted));
        try (Page page = browser.newPage()) {
            page.navigate(base(server) + "/");
            ask(page, "never-ending");
            page.waitForFunction("() => { const t = document.querySelector('article.turn.assistant .text');"
                    + " return t && t.textContent.includes('tick 2'); }", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            page.click("#stop");
            waitForState(page, "stopped");
            assertTrue(producerInterrupted.await(2, TimeUnit.SECONDS), "the server's producer should be cancelled");
            assertEquals("Stopped.", lastReply(page).locator(".meta").textContent());
            assertTrue(page.isEnabled("#send"));
        } finally {
            server.stop();
        }
    }

    @InBothBrowsers
    void reloadMidReplyShowsTheWholeReplyOnceAndTheModelRunsOnce(TestBrowser browser) throws Exception {
        String prompt = "a reply that outlives its page";
        List<String> tokens = ReplyGenerator.tokens(prompt);
        AtomicInteger runs = new AtomicInteger();
        List<List<ChatMessage>> conversations = new CopyOnWriteArrayList<>();
        CountDownLatch reloaded = new CountDownLatch(1);
        // Five tokens, then the rest once the page has been reloaded.
        Javalin server = start((conversation, sink) -> {
            runs.incrementAndGet();
            conversations.add(conversation);
            List<String> reply = ReplyGenerator.tokens(conversation);
            for (int i = 0; i < reply.size(); i++) {
                if (i == 5) {
                    reloaded.await(10, TimeUnit.SECONDS);
                }
                sink.token(reply.get(i));
            }
            return new ChatBackend.Completion("stop", Map.of());
        });
        try (Page page = browser.newPage()) {
            page.navigate(base(server) + "/");
            ask(page, prompt);
            String firstFive = String.join("", tokens.subList(0, 5));
            page.waitForFunction("text => { const t = document.querySelector('article.turn.assistant .text');"
                    + " return t && t.textContent === text; }", firstFive,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));

            page.reload();
            // The reloaded page shows the reply as far as it had come, still streaming.
            page.waitForFunction("text => { const t = document.querySelector('article.turn.assistant');"
                    + " return t && t.dataset.state === 'streaming' && t.querySelector('.text').textContent === text; }",
                    firstFive, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            reloaded.countDown();
            waitForState(page, "done");

            assertEquals(String.join("", tokens), lastReply(page).locator(".text").textContent());
            assertEquals(List.of(prompt), page.locator("article.turn.user .text").allTextContents());
            assertEquals(2, page.locator("article.turn").count());
            assertEquals(1, runs.get(), "the model runs once");
            assertEquals(Arrays.asList(null, null), page.evaluate(
                    "() => [sessionStorage.getItem('postsse:chat-reply'), sessionStorage.getItem('postsse-demo:pending')]"));
            assertEquals("Ready.", page.textContent("#status"));

            // The finished conversation outlives another reload, and goes on from there.
            page.reload();
            waitForState(page, "done");
            assertEquals(String.join("", tokens), lastReply(page).locator(".text").textContent());
            assertEquals(2, page.locator("article.turn").count());
            ask(page, "and then?");
            page.waitForFunction("() => document.querySelectorAll('article.turn.assistant[data-state=done]').length === 2",
                    null, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            assertEquals(List.of(ChatMessage.user(prompt), ChatMessage.assistant(String.join("", tokens)),
                    ChatMessage.user("and then?")), conversations.get(1));
        } finally {
            server.stop();
        }
    }

    @InBothBrowsers
    void badRequestIsShownInThePage(TestBrowser browser) {
        Javalin server = start(new OfflineBackend(Duration.ofMillis(1)));
        try (Page page = browser.newPage()) {
            page.navigate(base(server) + "/");
            // A conversation the server refuses: its last message is not the user's.
            page.evaluate("() => { window.fetch = ((fetch) => (url, init) => fetch(url, {...init,"
                    + " body: JSON.stringify({messages: [{role: 'assistant', content: 'x'}]})}))(window.fetch); }");
            ask(page, "anything");
            waitForState(page, "error");
            assertEquals("Bad Request: The last message must be the user's.", lastReply(page).locator(".meta").textContent());
        } finally {
            server.stop();
        }
    }
}
