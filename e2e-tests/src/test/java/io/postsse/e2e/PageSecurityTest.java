package io.postsse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.ConsoleMessage;
import com.microsoft.playwright.Frame;
import com.microsoft.playwright.Page;
import io.javalin.Javalin;
import io.postsse.demo.DemoServer;
import io.postsse.demo.ReplyGenerator;
import io.postsse.testing.InBothBrowsers;
import io.postsse.testing.TestBrowser;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The demo's pages under their Content-Security-Policy, in real browsers: they work with nothing
 * reported as a violation, the policy is really enforced (an inline script is refused and
 * reported), and no other origin can frame them.
 */
class PageSecurityTest {
    private static final double TIMEOUT_MS = 15_000;
    /** Collects the page's CSP violations, from its first script on, into {@code window.violations}. */
    private static final String RECORD_VIOLATIONS = "window.violations = [];"
            + " document.addEventListener('securitypolicyviolation', e =>"
            + " window.violations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || '')));";

    private static Javalin server;

    @BeforeAll
    static void start() {
        server = DemoServer.create(Duration.ofMillis(2)).start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static String base() {
        return "http://127.0.0.1:" + server.port();
    }

    /**
     * A page that records violations, the console's reports of them, and uncaught errors: Chromium
     * reports a violation on the console, Firefox as an error of the page.
     */
    private static Page recordingPage(TestBrowser browser, List<String> console) {
        Page page = browser.newPage();
        page.addInitScript(RECORD_VIOLATIONS);
        page.onConsoleMessage((ConsoleMessage message) -> {
            if (message.text().contains("Content Security Policy")) {
                console.add(message.type() + ": " + message.text());
            }
        });
        page.onPageError(error -> console.add("page error: " + error));
        return page;
    }

    private static List<?> violations(Page page) {
        return (List<?>) page.evaluate("() => window.violations");
    }

    @InBothBrowsers
    void theChatWorksUnderItsPolicyWithNoViolation(TestBrowser browser) {
        List<String> console = new CopyOnWriteArrayList<>();
        try (Page page = recordingPage(browser, console)) {
            page.navigate(base() + "/");
            ChatDemoTest.ask(page, "under a policy");
            ChatDemoTest.waitForState(page, "done");
            assertEquals(String.join("", ReplyGenerator.tokens("under a policy")),
                    ChatDemoTest.lastReply(page).locator(".text").textContent());
            page.reload(); // the conversation is restored from sessionStorage, by the page's script
            ChatDemoTest.waitForState(page, "done");
            assertEquals("Ready.", page.textContent("#status"));
            assertEquals(List.of(), violations(page));
            assertEquals(List.of(), console);
        }
    }

    @InBothBrowsers
    void theInspectorWorksUnderItsPolicyWithNoViolation(TestBrowser browser) {
        List<String> console = new CopyOnWriteArrayList<>();
        try (Page page = recordingPage(browser, console)) {
            page.navigate(base() + "/inspector.html");
            page.click("#send");
            page.waitForFunction("() => document.getElementById('response-status').dataset.reason === 'completed'",
                    null, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            page.locator("#events tbody tr").first().locator("button").click(); // pretty-prints the data
            assertTrue(page.locator("#events tbody tr").first().locator("td.data").textContent().startsWith("{\n"));
            assertEquals(List.of(), violations(page));
            assertEquals(List.of(), console);
        }
    }

    @InBothBrowsers
    void anInlineScriptIsRefusedAndReported(TestBrowser browser) {
        // The control for the two tests above: were no policy enforced, they would see no violation either.
        List<String> console = new CopyOnWriteArrayList<>();
        for (String path : List.of("/", "/inspector.html")) {
            try (Page page = recordingPage(browser, console)) {
                page.navigate(base() + path);
                page.evaluate("() => { const s = document.createElement('script');"
                        + " s.textContent = 'window.injected = true;'; document.body.appendChild(s); }");
                page.waitForFunction("() => window.violations.length > 0", null,
                        new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
                assertEquals(null, page.evaluate("() => window.injected === undefined ? null : window.injected"), path);
                assertTrue(violations(page).get(0).toString().startsWith("script-src"), path + ": " + violations(page));
            }
        }
    }

    @InBothBrowsers
    void anotherOriginCannotFrameThePages(TestBrowser browser) {
        // A page of another origin (another port) that frames the demo's two pages.
        Javalin framer = Javalin.create(config -> config.routes.get("/", ctx -> ctx.html(
                "<!doctype html><iframe id=chat src='" + base() + "/'></iframe>"
                        + "<iframe id=inspector src='" + base() + "/inspector.html'></iframe>")))
                .start("127.0.0.1", 0);
        List<String> console = new CopyOnWriteArrayList<>();
        try (Page page = recordingPage(browser, console)) {
            page.navigate("http://127.0.0.1:" + framer.port() + "/");
            page.waitForCondition(() -> console.stream().filter(line -> line.contains("frame-ancestors")).count() == 2,
                    new Page.WaitForConditionOptions().setTimeout(TIMEOUT_MS));
            for (String id : List.of("chat", "inspector")) {
                Frame frame = page.locator("#" + id).elementHandle().contentFrame();
                // A frame the browser refused holds its error page, not the demo's.
                assertEquals(0, frame.locator("#send").count(), id + " was framed: " + frame.url());
            }
        } finally {
            framer.stop();
        }
    }
}
