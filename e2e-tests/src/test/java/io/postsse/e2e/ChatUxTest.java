package io.postsse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.ConsoleMessage;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.LoadState;
import io.javalin.Javalin;
import io.postsse.demo.ChatBackend;
import io.postsse.demo.ChatMessage;
import io.postsse.demo.DemoServer;
import io.postsse.demo.OfflineBackend;
import io.postsse.demo.ReplyGenerator;
import io.postsse.demo.UpstreamException;
import io.postsse.testing.InBothBrowsers;
import io.postsse.testing.TestBrowser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The chat page for its reader, in both browsers: it follows the reply unless they scrolled up, Esc
 * stops it, the prompt has the focus, a failed reply can be retried, a screen reader hears the reply
 * by the sentence, and the page has its icon.
 */
class ChatUxTest {
    private static final double TIMEOUT_MS = 15_000;
    /**
     * Records, from the page's first script on, what a screen reader is given to say: each text
     * added to any live region of the page (by default, they say additions), and each change of a
     * text in one. Every addition is recorded, even several in one task.
     */
    private static final String RECORD_LIVE_REGIONS = "window.said = [];"
            + " document.addEventListener('DOMContentLoaded', () => {"
            + "   for (const region of document.querySelectorAll('[aria-live], [role=status], [role=alert], [role=log]')) {"
            + "     new MutationObserver(records => { for (const record of records) {"
            + "       if (record.type === 'characterData') window.said.push([region.id, record.target.textContent]);"
            + "       for (const node of record.addedNodes) window.said.push([region.id, node.textContent]);"
            + "     } }).observe(region, {childList: true, characterData: true, subtree: true});"
            + "   }"
            + " });";

    /** A backend that replies with what the test feeds it, token by token, until {@link #END}. */
    private static final class FedBackend implements ChatBackend {
        static final String END = "\u0000end";
        final BlockingQueue<String> tokens = new LinkedBlockingQueue<>();

        @Override
        public Completion reply(List<ChatMessage> conversation, TokenSink sink) throws Exception {
            for (String token = tokens.poll(30, TimeUnit.SECONDS); token != null && !token.equals(END);
                    token = tokens.poll(30, TimeUnit.SECONDS)) {
                sink.token(token);
            }
            return new Completion("stop", Map.of());
        }

        void lines(int from, int to) {
            for (int i = from; i < to; i++) {
                tokens.add("line " + i + "\n");
            }
        }
    }

    private static Javalin start(ChatBackend backend) {
        return DemoServer.create(backend).start("127.0.0.1", 0);
    }

    private static String base(Javalin server) {
        return "http://127.0.0.1:" + server.port();
    }

    private static void waitForReplyText(Page page, String text) {
        page.waitForFunction("text => { const turns = document.querySelectorAll('article.turn.assistant');"
                + " return turns.length > 0 && turns[turns.length - 1].querySelector('.text').textContent.includes(text); }",
                text, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
    }

    private static boolean scrolledToEnd(Page page) {
        return (Boolean) page.evaluate("() => innerHeight + scrollY >= document.documentElement.scrollHeight - 2");
    }

    private static double scrollY(Page page) {
        return ((Number) page.evaluate("() => scrollY")).doubleValue();
    }

    /** Waits until the page has stopped scrolling (a wheel may scroll smoothly): ten frames in a row at one place. */
    private static void waitForScrollToSettle(Page page) {
        page.waitForFunction("() => new Promise(settled => { let y = scrollY, still = 0;"
                + " const frame = () => { if (scrollY === y) { if (++still === 10) return settled(true); }"
                + " else { y = scrollY; still = 0; } requestAnimationFrame(frame); }; requestAnimationFrame(frame); })",
                null, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
    }

    @InBothBrowsers
    void followsTheReplyToItsEndUnlessTheReaderScrolledUp(TestBrowser browser) {
        FedBackend backend = new FedBackend();
        Javalin server = start(backend);
        try (Page page = browser.newPage()) {
            page.setViewportSize(900, 500);
            page.navigate(base(server) + "/");
            ChatDemoTest.ask(page, "a long reply");
            backend.lines(0, 60);
            waitForReplyText(page, "line 59\n");
            assertTrue(scrolledToEnd(page), "the page follows the reply as it grows");

            // The reader scrolls up to read: the reply goes on below, and the page stays where they are.
            page.mouse().move(450, 200);
            page.mouse().wheel(0, -600);
            page.waitForFunction("() => innerHeight + scrollY < document.documentElement.scrollHeight - 300", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            waitForScrollToSettle(page);
            double readingAt = scrollY(page);
            backend.lines(60, 90);
            waitForReplyText(page, "line 89\n");
            assertEquals(readingAt, scrollY(page), 1.0, "the page must not pull the reader down");
            assertFalse(scrolledToEnd(page));

            // Back at the end, the page follows again.
            page.mouse().wheel(0, 100_000);
            page.waitForCondition(() -> scrolledToEnd(page), new Page.WaitForConditionOptions().setTimeout(TIMEOUT_MS));
            waitForScrollToSettle(page);
            backend.lines(90, 120);
            waitForReplyText(page, "line 119\n");
            assertTrue(scrolledToEnd(page), "back at the end, the page follows the reply again");
            backend.tokens.add(FedBackend.END);
            ChatDemoTest.waitForState(page, "done");
            assertTrue(scrolledToEnd(page), "the reply's last line, and the line under it, are in view");
        } finally {
            server.stop();
        }
    }

    @InBothBrowsers
    void escapeStopsTheReplyAndTheServerStopsProducing(TestBrowser browser) throws Exception {
        CountDownLatch producerStopped = new CountDownLatch(1);
        Javalin server = start(TickingBackend.untilStopped(producerStopped));
        try (Page page = browser.newPage()) {
            page.navigate(base(server) + "/");
            ChatDemoTest.ask(page, "never-ending");
            waitForReplyText(page, "tick 2 ");
            page.locator("article.turn.user").click(); // the focus leaves the prompt: Esc works wherever it is
            page.keyboard().press("Escape");
            ChatDemoTest.waitForState(page, "stopped");
            assertTrue(producerStopped.await(5, TimeUnit.SECONDS), "the server's producer should be stopped");
            assertEquals("Stopped.", ChatDemoTest.lastReply(page).locator(".meta").textContent());
            assertTrue(page.isEnabled("#send"));
            assertTrue(page.isDisabled("#stop"));
        } finally {
            server.stop();
        }
    }

    @InBothBrowsers
    void thePromptHasTheFocusOnLoadAndTypingReplacesItsSuggestion(TestBrowser browser) {
        Javalin server = start(new OfflineBackend(Duration.ofMillis(1)));
        try (Page page = browser.newPage()) {
            page.navigate(base(server) + "/");
            page.waitForFunction("() => document.getElementById('status').textContent === 'Ready.'", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            assertEquals("prompt", page.evaluate("() => document.activeElement.id"));
            page.keyboard().type("typed at once");
            assertEquals("typed at once", page.inputValue("#prompt"), "the suggested question is replaced, not added to");
            page.keyboard().press("Enter");
            ChatDemoTest.waitForState(page, "done");
            assertEquals(List.of("typed at once"), page.locator("article.turn.user .text").allTextContents());
            assertEquals("prompt", page.evaluate("() => document.activeElement.id"), "ready for the next question");
        } finally {
            server.stop();
        }
    }

    @InBothBrowsers
    void aFailedReplyPutsItsQuestionBackAndRetryAsksItAgain(TestBrowser browser) {
        String question = "a question asked twice";
        AtomicInteger runs = new AtomicInteger();
        List<List<ChatMessage>> conversations = new CopyOnWriteArrayList<>();
        OfflineBackend offline = new OfflineBackend(Duration.ofMillis(1));
        Javalin server = start((conversation, sink) -> {
            conversations.add(conversation);
            if (runs.incrementAndGet() == 1) {
                throw new UpstreamException("The model server is not answering.");
            }
            return offline.reply(conversation, sink);
        });
        try (Page page = browser.newPage()) {
            page.navigate(base(server) + "/");
            ChatDemoTest.ask(page, question);
            ChatDemoTest.waitForState(page, "error");
            assertEquals("Bad Gateway: The model server is not answering.",
                    ChatDemoTest.lastReply(page).locator(".meta").textContent());
            assertEquals(question, page.inputValue("#prompt"), "the question is back in the prompt");

            ChatDemoTest.lastReply(page).getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Retry")).click();
            ChatDemoTest.waitForState(page, "done");
            assertEquals(String.join("", ReplyGenerator.tokens(question)),
                    ChatDemoTest.lastReply(page).locator(".text").textContent());
            assertEquals(List.of(question), page.locator("article.turn.user .text").allTextContents(),
                    "the retried question takes the failed one's place");
            assertEquals(2, page.locator("article.turn").count());
            assertEquals("", page.inputValue("#prompt"), "the question was sent: the prompt is free again");
            assertEquals(0, page.locator("button.retry").count());
            assertEquals(List.of(ChatMessage.user(question)), conversations.get(1), "asked again, alone");
            assertEquals(2, runs.get());

            page.reload(); // the failed exchange is gone from the kept conversation too
            ChatDemoTest.waitForState(page, "done");
            assertEquals(List.of(question), page.locator("article.turn.user .text").allTextContents());
        } finally {
            server.stop();
        }
    }

    @InBothBrowsers
    void theReplyIsBusyWhileItStreamsAndOutsideAnyLiveRegion(TestBrowser browser) {
        FedBackend backend = new FedBackend();
        Javalin server = start(backend);
        try (Page page = browser.newPage()) {
            page.navigate(base(server) + "/");
            ChatDemoTest.ask(page, "a reply, slowly");
            backend.tokens.add("Half a ");
            waitForReplyText(page, "Half a ");
            assertEquals("true", ChatDemoTest.lastReply(page).getAttribute("aria-busy"));
            assertNull(ChatDemoTest.lastReply(page).evaluate("turn => { for (let n = turn; n; n = n.parentElement) {"
                    + " if (n.hasAttribute('aria-live') || ['status', 'alert', 'log', 'marquee', 'timer'].includes(n.getAttribute('role')))"
                    + " return n.outerHTML.slice(0, 120); } return null; }"),
                    "the reply must not be in a live region, which would read it token by token");
            backend.tokens.add("sentence.");
            backend.tokens.add(FedBackend.END);
            ChatDemoTest.waitForState(page, "done");
            assertNull(ChatDemoTest.lastReply(page).getAttribute("aria-busy"));
        } finally {
            server.stop();
        }
    }

    @InBothBrowsers
    void aScreenReaderHearsTheReplyBySentenceNotByToken(TestBrowser browser) {
        String prompt = "how is it said";
        List<String> tokens = ReplyGenerator.tokens(prompt);
        String reply = String.join("", tokens);
        List<String> sentences = Arrays.asList(reply.split("(?<=[.!?])\\s+"));
        Javalin server = start(new OfflineBackend(Duration.ofMillis(5)));
        try (Page page = browser.newPage()) {
            page.addInitScript(RECORD_LIVE_REGIONS);
            page.navigate(base(server) + "/");
            page.waitForFunction("() => document.getElementById('status').textContent === 'Ready.'", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            page.evaluate("() => { window.said = []; }"); // from the question on
            ChatDemoTest.ask(page, prompt);
            ChatDemoTest.waitForState(page, "done");
            page.waitForFunction("() => document.getElementById('status').textContent === 'Ready.'", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));

            @SuppressWarnings("unchecked")
            List<List<String>> said = (List<List<String>>) page.evaluate("() => window.said");
            List<String> reading = new ArrayList<>();
            List<String> statuses = new ArrayList<>();
            for (List<String> change : said) {
                (change.get(0).equals("status") ? statuses : reading).add(change.get(1));
            }
            assertTrue(sentences.size() >= 2 && tokens.size() >= 5 * sentences.size(), "the reply has " + sentences);
            assertEquals(sentences, reading, "the whole reply, said once, a sentence at a time");
            assertEquals(List.of("Streaming\u2026", "Ready."), statuses, "the status says each change once");
        } finally {
            server.stop();
        }
    }

    @InBothBrowsers
    void thePagesHaveAnIconAndNoRequestOfThemIsMissing(TestBrowser browser) {
        Javalin server = start(new OfflineBackend(Duration.ofMillis(1)));
        List<String> problems = new CopyOnWriteArrayList<>();
        try (Page page = browser.newPage()) {
            page.addInitScript("window.violations = []; document.addEventListener('securitypolicyviolation',"
                    + " e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));");
            page.onConsoleMessage((ConsoleMessage message) -> {
                if (message.type().equals("error")) {
                    problems.add("console: " + message.text());
                }
            });
            page.onResponse(response -> {
                if (response.status() >= 400) {
                    problems.add(response.status() + " " + response.url());
                }
            });
            for (String path : List.of("/", "/inspector.html")) {
                page.navigate(base(server) + path);
                page.waitForLoadState(LoadState.NETWORKIDLE);
                String icon = (String) page.evaluate("() => { const link = document.querySelector('link[rel=icon]');"
                        + " return link && link.href; }");
                assertEquals(base(server) + "/favicon.svg", icon, path);
                // The icon loads as an image under the page's own policy.
                assertEquals(64, page.evaluate("href => new Promise(loaded => { const image = new Image();"
                        + " image.onload = () => loaded(image.naturalWidth); image.onerror = () => loaded(-1);"
                        + " image.src = href; })", icon), path);
                assertEquals(List.of(), page.evaluate("() => window.violations"), path);
            }
            // Whatever asks for the conventional icon gets this one.
            assertEquals(List.of(200, base(server) + "/favicon.svg", "image/svg+xml"), page.evaluate(
                    "() => fetch('/favicon.ico').then(r => [r.status, r.url, r.headers.get('Content-Type').split(';')[0]])"));
            assertEquals(List.of(), problems);
        } finally {
            server.stop();
        }
    }
}
