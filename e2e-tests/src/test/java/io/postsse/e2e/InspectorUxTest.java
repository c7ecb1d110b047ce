package io.postsse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.BoundingBox;
import io.javalin.Javalin;
import io.postsse.demo.DemoServer;
import io.postsse.testing.InBothBrowsers;
import io.postsse.testing.TestBrowser;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The inspector for its user, in both browsers: fields that show their values as values, and every
 * failure said once, in words, with what to check.
 */
class InspectorUxTest {
    private static final double TIMEOUT_MS = 20_000;
    /** The client's names for errors and endings, which are not words for the page's user. */
    private static final Pattern INTERNAL_NAMES = Pattern.compile(
            "\\b(NETWORK|HTTP_STATUS|CONTENT_TYPE|PARSER_LIMIT|HANDLER_FAILED|GONE|COMPLETED|CANCELLED|FAILED)\\b");

    private static Javalin start(Duration tokenDelay) {
        return DemoServer.create(tokenDelay).start("127.0.0.1", 0);
    }

    private static String base(Javalin server) {
        return "http://127.0.0.1:" + server.port();
    }

    /** Sends the request the fields describe and waits for its end: completed, stopped or failed. */
    private static void send(Page page) {
        page.click("#send");
        waitForEnd(page);
    }

    private static void waitForEnd(Page page) {
        // A failure's explanation may take a second request to find: the end is when it is there too.
        page.waitForFunction("() => { const reason = document.getElementById('response-status').dataset.reason;"
                + " return reason && (reason !== 'failed' || document.getElementById('problem').textContent !== ''); }",
                null, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
    }

    /** What the page says about the outcome: the summary line and the problem below it. */
    private static String outcome(Page page) {
        return page.textContent(".summary") + "\n" + page.textContent("#problem");
    }

    private static int count(String text, String word) {
        Matcher matcher = Pattern.compile(Pattern.quote(word), Pattern.CASE_INSENSITIVE).matcher(text);
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }

    @InBothBrowsers
    void theFieldsShowRealValuesUnderVisibleLabels(TestBrowser browser) {
        Javalin server = start(Duration.ofMillis(1));
        try (Page page = browser.newPage()) {
            page.navigate(base(server) + "/inspector.html");
            assertEquals(0, page.locator(".request [placeholder]").count(), "no grey example stands in for a value");
            String ink = (String) page.evaluate("() => getComputedStyle(document.body).color");
            for (String id : List.of("method", "url", "headers", "body")) {
                BoundingBox label = page.locator("label[for=" + id + "]").boundingBox();
                assertTrue(label != null && label.width > 20 && label.height > 8, id + "'s label is on screen: " + label);
                assertEquals(ink, page.evaluate("id => getComputedStyle(document.getElementById(id)).color", id),
                        id + "'s value is written in the page's ink, not a placeholder's grey");
            }
            assertEquals("POST", page.inputValue("#method"));
            assertEquals("/api/chat", page.inputValue("#url"));
            assertEquals("", page.inputValue("#headers"));
            // The values shown are the request sent: as they stand, they make a working request.
            send(page);
            assertEquals("HTTP 200 \u00b7 completed", page.textContent("#response-status"));
            assertTrue(page.locator("#events tbody tr").count() > 1);
        } finally {
            server.stop();
        }
    }

    @InBothBrowsers
    void aNetworkFailureSaysFailedOnceWithTheReason(TestBrowser browser) {
        Javalin server = start(Duration.ofMillis(1));
        try (Page page = browser.newPage()) {
            String origin = base(server);
            page.navigate(origin + "/inspector.html");
            server.stop(); // the page is loaded; its server is gone
            send(page);

            assertEquals("Failed", page.textContent("#response-status"));
            assertEquals("false", page.getAttribute("#response-status", "data-ok"));
            String problem = page.textContent("#problem");
            String expectedStart = "Could not connect to " + origin + " (";
            String expectedEnd = "). Check the URL, and that the server is running.";
            assertTrue(problem.startsWith(expectedStart) && problem.endsWith(expectedEnd), problem);
            String reason = problem.substring(expectedStart.length(), problem.length() - expectedEnd.length());
            assertTrue(reason.startsWith("TypeError: "), "the browser's own reason: " + reason);
            assertEquals(1, count(outcome(page).replace(reason, ""), "fail"), "said once: " + outcome(page));
            assertFalse(outcome(page).contains("Trying again"), "the notes of the reconnections are gone");
        }
    }

    @InBothBrowsers
    void aRefusedCrossOriginRequestSaysSoAndWhatToCheck(TestBrowser browser) {
        Javalin server = start(Duration.ofMillis(1));
        Javalin other = start(Duration.ofMillis(1)); // another origin, which allows no other by CORS
        try (Page page = browser.newPage()) {
            page.navigate(base(server) + "/inspector.html");
            page.fill("#url", base(other) + "/api/chat");
            page.fill("#headers", "X-Trace: 1");
            send(page);
            assertEquals("Failed", page.textContent("#response-status"));
            assertEquals("The browser refused the request: " + base(other) + " answers, but did not allow this page's"
                    + " origin, " + base(server) + ", to read it (the request is cross-origin, and needs the server's"
                    + " permission by CORS). Check that the server answers with Access-Control-Allow-Origin: "
                    + base(server) + ", and answers the preflight OPTIONS request with Access-Control-Allow-Headers:"
                    + " X-Trace, Content-Type, Postsse-Stream. The browser's console says which was missing.",
                    page.textContent("#problem"));

            // The control: an origin with no server at all is not taken for a refusal.
            String otherOrigin = base(other);
            other.stop();
            send(page);
            assertTrue(page.textContent("#problem").startsWith("Could not connect to " + otherOrigin + " ("),
                    page.textContent("#problem"));
        } finally {
            other.stop();
            server.stop();
        }
    }

    @InBothBrowsers
    void outcomesAndErrorsAreInWordsNotInternalNames(TestBrowser browser) {
        Javalin server = start(Duration.ofMillis(200)); // slow enough to stop mid-stream
        try (Page page = browser.newPage()) {
            page.navigate(base(server) + "/inspector.html");

            page.fill("#url", "/api/nothing-here");
            send(page);
            assertEquals("HTTP 404 \u00b7 failed", page.textContent("#response-status"));
            assertTrue(page.textContent("#problem").startsWith("The server answered with an error: "),
                    page.textContent("#problem"));
            assertFalse(INTERNAL_NAMES.matcher(outcome(page)).find(), outcome(page));

            page.selectOption("#method", "GET");
            page.fill("#url", "/");
            send(page);
            assertEquals("HTTP 200 \u00b7 failed", page.textContent("#response-status"));
            assertTrue(page.textContent("#problem").startsWith("Not an event stream: expected text/event-stream but got"
                    + " text/html"), page.textContent("#problem"));
            assertFalse(INTERNAL_NAMES.matcher(outcome(page)).find(), outcome(page));

            page.selectOption("#method", "POST");
            page.fill("#url", "/api/chat");
            page.click("#send");
            page.waitForFunction("() => document.querySelectorAll('#events tbody tr').length > 0", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            page.click("#stop");
            waitForEnd(page);
            assertEquals("HTTP 200 \u00b7 stopped", page.textContent("#response-status"));
            assertEquals("", page.textContent("#problem"));
            assertFalse(INTERNAL_NAMES.matcher(outcome(page)).find(), outcome(page));
        } finally {
            server.stop();
        }
    }
}
