package io.postsse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Page;
import io.javalin.Javalin;
import io.postsse.server.demo.DemoServer;
import io.postsse.server.demo.ReplyGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo page in real Chromium, against the demo server started in this JVM. */
class ChatDemoTest {
    private static final double TIMEOUT_MS = 15_000;

    private static Javalin server;
    private static Chromium chromium;
    private static String baseUrl;

    @BeforeAll
    static void start() {
        server = DemoServer.create(Duration.ofMillis(30)).start("127.0.0.1", 0);
        baseUrl = "http://127.0.0.1:" + server.port();
        chromium = Chromium.launch();
    }

    @AfterAll
    static void stop() {
        if (chromium != null) {
            chromium.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void replyGrowsTokenByTokenAndEndsComplete() throws Exception {
        String prompt = "streaming <b>markup</b> & more";
        String expected = String.join("", ReplyGenerator.tokens(prompt));
        try (Page page = chromium.browser.newPage()) {
            page.navigate(baseUrl + "/");
            // Record every text the reply shows while it streams, before the done event lands.
            page.evaluate("() => {"
                    + " const reply = document.getElementById('reply');"
                    + " window.partials = [];"
                    + " new MutationObserver(() => {"
                    + "   if (reply.dataset.state === 'streaming') window.partials.push(reply.textContent);"
                    + " }).observe(reply, {childList: true, characterData: true, subtree: true});"
                    + "}");
            page.fill("#prompt", prompt);
            page.click("#send");

            page.waitForFunction("() => document.getElementById('reply').textContent.length > 40",
                    null, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            saveScreenshot(page);

            page.waitForFunction("() => document.getElementById('reply').dataset.state === 'done'",
                    null, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));

            assertEquals(expected, page.textContent("#reply"));
            assertEquals(0, page.locator("#reply b").count(), "server text must not become markup");
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
        }
    }

    private static void saveScreenshot(Page page) throws Exception {
        String docs = System.getProperty("postsse.docs.dir");
        if (docs != null) {
            Path target = Path.of(docs, "demo.png");
            Files.createDirectories(target.getParent());
            page.screenshot(new Page.ScreenshotOptions().setPath(target));
        }
    }
}
