package io.postsse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Page;
import io.javalin.Javalin;
import io.postsse.demo.DemoServer;
import io.postsse.demo.ReplyGenerator;
import java.time.Duration;
import io.postsse.testing.InBothBrowsers;
import io.postsse.testing.TestBrowser;

/** The inspector page pointed at the chat endpoint. */
class InspectorTest {
    @InBothBrowsers
    void listsEachEventOfTheChatEndpointAsARow(TestBrowser browser) {
        Javalin server = DemoServer.create(Duration.ofMillis(5)).start("127.0.0.1", 0);
        try (Page page = browser.newPage()) {
            page.navigate("http://127.0.0.1:" + server.port() + "/inspector.html");
            page.fill("#body", "{\"prompt\": \"inspect <i>this</i>\"}");
            page.click("#send");
            page.waitForFunction("() => document.getElementById('response-status').dataset.reason === 'completed'",
                    null, new Page.WaitForFunctionOptions().setTimeout(15_000));
            int tokens = ReplyGenerator.tokens("inspect <i>this</i>").size();
            assertEquals(tokens + 1, page.locator("#events tbody tr").count());
            assertEquals("token", page.locator("#events tbody tr").first().locator("td.type").textContent());
            assertEquals("done", page.locator("#events tbody tr").last().locator("td.type").textContent());
            assertTrue(page.textContent("#response-status").startsWith("HTTP 200"));
            assertTrue(page.textContent("#response-headers").contains("text/event-stream"));
            assertEquals((tokens + 1) + " events (token: " + tokens + ", done: 1)", page.textContent("#counts"));
            assertEquals(0, page.locator("#events i").count(), "data stays text");
            page.locator("#events tbody tr").first().locator("button").click();
            assertTrue(page.locator("#events tbody tr").first().locator("td.data").textContent().startsWith("{\n  \"text\""));
            if (browser == TestBrowser.CHROMIUM) {
                Screenshots.save(page, "inspector.png");
            }
        } finally {
            server.stop();
        }
    }
}
