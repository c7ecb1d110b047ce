package io.postsse.web.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Page;
import io.postsse.testing.InBothBrowsers;
import io.postsse.testing.TestBrowser;
import java.util.List;
import java.util.Map;

/**
 * The Java API of the browser client ({@code io.postsse.web}), compiled by TeaVM with the test
 * page's harness {@link ClientTestPage}, in Chromium and Firefox: the behaviours it shares with
 * postsse.js (inherited), and the methods only the Java API has.
 */
class WebClientTest extends ClientBehaviourTests {
    @Override
    String client() {
        return "javaClient";
    }

    // Bodies and JSON.

    @InBothBrowsers
    void jsonBodyWritesEveryKindOfValue(TestBrowser browser) {
        String json = "{\"text\":\"quote \\\" backslash \\\\ newline \\n return \\r tab \\t bell \\u0007"
                + " separators \\u2028\\u2029 caf\u00e9 \ud83d\ude00 </script>\","
                + "\"int\":42,\"long\":9007199254740993,\"double\":2.5,\"yes\":true,\"nothing\":null,"
                + "\"list\":[1,\"two\",null,false],\"array\":[\"a\",[\"nested\"]],\"keys\":{\"7\":\"a number as a key\"},"
                + "\"other\":\"c\"}";
        try (Page page = open(browser)) {
            stream(page, "/echo?headers=content-type", Map.of("jsonSample", true));
            assertEquals(List.of("open 200", "event message POST content-type=application/json body=" + json + " #",
                    "close completed"), awaitClose(page));
        }
    }

    /** Regression: NaN and the infinities were written as they are, a body no JSON parser takes. */
    @InBothBrowsers
    void jsonBodyRefusesANumberJsonCannotHold(TestBrowser browser) {
        try (Page page = open(browser)) {
            for (String number : List.of("NaN", "Infinity", "-Infinity")) {
                page.evaluate("() => { window.log.length = 0; }");
                stream(page, "/echo", Map.of("jsonNumber", number));
                List<String> log = log(page);
                assertEquals(1, log.size(), log.toString());
                assertTrue(log.get(0).startsWith("threw ") && log.get(0).contains(number), log.toString());
            }
            assertEquals(List.of(), fetches(page));
        }
    }

    @InBothBrowsers
    void jsonQuoteMakesALiteralThatParsesBackToTheText(TestBrowser browser) {
        try (Page page = open(browser)) {
            assertEquals("\"a\\\"b\\\\c\\n\\u0001\\u2028\"",
                    page.evaluate("() => javaClient.jsonQuote('a\"b\\\\c\\n\\u0001\\u2028')"));
            // Every control character, the separators JavaScript source cannot hold raw, and more.
            Object failures = page.evaluate("() => {"
                    + " var controls = ''; for (var i = 0; i < 32; i++) controls += String.fromCharCode(i);"
                    + " var texts = ['', 'plain', controls, '\"\\\\/', '\\u2028\\u2029', 'caf\\u00e9 \\ud83d\\ude00', '</script>'];"
                    + " return texts.filter(function (text) { var literal = javaClient.jsonQuote(text);"
                    + "   return JSON.parse(literal) !== text || /[\\u0000-\\u001f\\u2028\\u2029]/.test(literal); });"
                    + "}");
            assertEquals(List.of(), failures);
        }
    }

    @InBothBrowsers
    void bodyIsSentAsItIsWithItsContentType(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/echo?headers=content-type", Map.of("rawBody", "a=1&b=two",
                    "contentType", "application/x-www-form-urlencoded"));
            assertEquals("event message POST content-type=application/x-www-form-urlencoded body=a=1&b=two #",
                    awaitClose(page).get(1));
        }
    }

    // Limits and reconnection.

    @InBothBrowsers
    void anEventOverMaxLengthFailsTheStream(TestBrowser browser) {
        String key = key(browser, "max-length");
        String nine = "x".repeat(9);
        try (Page page = open(browser)) {
            // 19 characters of data in the first event, 29 in the second.
            stream(page, "/sized?key=" + key + "&lines=2,3&width=9", Map.of("maxLength", 20));
            assertEquals(List.of("open 200", "event message " + nine + "\n" + nine + " #",
                    "error parser_limit 0 an event's data is longer than 20 characters |  retrying=false",
                    "close failed"), awaitClose(page));
            assertEquals(1, server.calls("/sized", key));
        }
    }

    @InBothBrowsers
    void maxLengthMustBePositive(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/echo", Map.of("maxLength", 0));
            assertEquals(List.of("threw maxLength must be positive"), log(page));
            assertEquals(List.of(), fetches(page));
        }
    }

    @InBothBrowsers
    void retryPolicyIsGivenTheFailuresInARowTheFirstDelayAndTheLongest(TestBrowser browser) {
        String key = key(browser, "policy");
        try (Page page = open(browser)) {
            stream(page, "/status?key=" + key + "&status=503&failures=3", Map.of("recordRetryPolicy", 0,
                    "initialRetryMillis", 123, "maxRetryMillis", 4567));
            assertEquals(List.of(
                    "policy 1 123 4567", "error http_status 503 HTTP 503 | failure 1 retrying=true",
                    "policy 2 123 4567", "error http_status 503 HTTP 503 | failure 2 retrying=true",
                    "policy 3 123 4567", "error http_status 503 HTTP 503 | failure 3 retrying=true",
                    "open 200", "event message ok #", "close completed"), awaitClose(page));
        }
    }

    /** The route sends {@code retry: 77} and cuts each connection after an event. */
    @InBothBrowsers
    void serversRetryFieldIsThePolicysFirstDelay(TestBrowser browser) {
        String key = key(browser, "retry-field");
        try (Page page = open(browser)) {
            stream(page, "/cuts?key=" + key, Map.of("recordRetryPolicy", 0, "initialRetryMillis", 5000));
            for (int call = 1; call <= 3; call++) {
                awaitLog(page, "line === 'event message part " + call + " #" + call + "'");
                server.latch(key + " cut " + call).countDown();
            }
            List<String> log = awaitClose(page);
            assertEquals(List.of("policy 1 77 30000", "policy 1 77 30000", "policy 1 77 30000"),
                    log.stream().filter(line -> line.startsWith("policy ")).toList(), log.toString());
            assertEquals("close completed", log.get(log.size() - 1));
        }
    }

    // Listeners.

    @InBothBrowsers
    void aSecondListenerForATypeReplacesTheFirst(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/events", Map.of("typedTwice", "token", "types", List.of("token")));
            assertEquals(List.of("open 200", "event message text/event-stream|null|null| #1", "on:token b #2",
                    "event token b #2", "event done c #3", "close completed"), awaitClose(page));
        }
    }

    @InBothBrowsers
    void openReturnsBeforeAnyCallback(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/no-content", Map.of("logReturn", true));
            assertEquals(List.of("returned", "close completed"), awaitClose(page));
        }
    }

    @InBothBrowsers
    void responseHeadersCanBeListed(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/headers", Map.of("listHeaders", "x-test"));
            assertEquals(List.of("open 200", "header x-test-one=first value", "header x-test-two=second value",
                    "event message ok #", "close completed"), awaitClose(page));
        }
    }

    // The stream's state.

    @InBothBrowsers
    void lastEventIdIsTheLastIdTheStreamSet(TestBrowser browser) {
        try (Page page = open(browser)) {
            assertEquals("", page.evaluate("() => { javaClient.stream('/events', {}); return currentStream.lastEventId(); }"));
            awaitClose(page);
            assertEquals("3", page.evaluate("() => currentStream.lastEventId()"));
        }
    }

    @InBothBrowsers
    void streamIdIsTheProposedOneUntilTheServerNamesItsOwn(TestBrowser browser) {
        String key = key(browser, "stream-id");
        try (Page page = open(browser)) {
            String proposed = (String) page.evaluate("key => { javaClient.stream('/named?key=' + key, {});"
                    + " return currentStream.streamId(); }", key);
            assertTrue(proposed.matches("[0-9a-f]{32}"), proposed);
            assertEquals("close completed", awaitClose(page).get(4));
            assertEquals(proposed, server.seen.get(key + " proposed"));
            assertEquals(ClientTestServer.SERVER_STREAM_ID, page.evaluate("() => currentStream.streamId()"));
        }
    }

    @InBothBrowsers
    void isClosedOnceTheStreamEnded(TestBrowser browser) {
        try (Page page = open(browser)) {
            assertEquals(false, page.evaluate("() => { javaClient.stream('/events', {}); return currentStream.isClosed(); }"));
            awaitClose(page);
            assertEquals(true, page.evaluate("() => currentStream.isClosed()"));

            stream(page, "/slow?key=" + key(browser, "is-closed"), Map.of());
            awaitLog(page, "line === 'event message first #1'");
            assertEquals(List.of(false, true), page.evaluate("() => { var before = currentStream.isClosed();"
                    + " currentStream.close(); return [before, currentStream.isClosed()]; }"));
        }
    }

    // Rendering.

    @InBothBrowsers
    void appendToAddsEachEventsDataAsAText(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/xss", Map.of("appendTo", "out"));
            awaitClose(page);
            assertEquals(List.of(MARKUP, "plain <b>text</b>"), page.evaluate("() => Array.from("
                    + "document.getElementById('out').childNodes, node => node.nodeType === Node.TEXT_NODE ? node.data : 'not text')"));
            assertNull(page.evaluate("() => window.pwned"));
        }
    }

    @InBothBrowsers
    void renderIntoAddsAnElementPerEventNamedByItsType(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/xss", Map.of("renderInto", "out", "renderTag", "li"));
            awaitClose(page);
            assertEquals(List.of("LI message 0 " + MARKUP, "LI note 0 plain <b>text</b>"), page.evaluate("() => Array.from("
                    + "document.getElementById('out').children, child => child.tagName + ' ' + child.dataset.type + ' '"
                    + " + child.children.length + ' ' + child.textContent)"));
            assertNull(page.evaluate("() => window.pwned"));
        }
    }
}
