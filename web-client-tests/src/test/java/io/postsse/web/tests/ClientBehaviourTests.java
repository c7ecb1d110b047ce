package io.postsse.web.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Page;
import io.javalin.Javalin;
import io.postsse.server.OutboundEvent;
import io.postsse.server.PostSse;
import io.postsse.testing.FaultInjectingProxy;
import io.postsse.testing.InBothBrowsers;
import io.postsse.testing.TestBrowser;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * What the browser client does, the same through either of its APIs, in Chromium and Firefox:
 * {@link WebClientTest} runs these through the Java API, {@link PostsseScriptTest} through
 * {@code postsse.js}. The page is {@code client-test-page/client-test.html}, whose harnesses
 * ({@link ClientTestPage} for the Java API, {@code js/script-client.js} for postsse.js) log every
 * callback as the same lines in {@code window.log}; the servers are {@link ClientTestServer}'s.
 */
abstract class ClientBehaviourTests {
    static final double TIMEOUT_MS = 15_000;
    static final String MARKUP = "<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">";

    static ClientTestServer server;

    @BeforeAll
    static void start() {
        server = new ClientTestServer();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** The harness the tests drive: {@code javaClient} or {@code jsClient}. */
    abstract String client();

    /** A name for one case's requests, of its own to this client and browser. */
    final String key(TestBrowser browser, String name) {
        return name + "-" + client() + "-" + browser.name();
    }

    static Page open(TestBrowser browser) {
        Page page = browser.newPage();
        page.navigate(server.baseUrl() + "/client-test.html");
        awaitHarnesses(page);
        return page;
    }

    static void awaitHarnesses(Page page) {
        page.waitForFunction("() => window.javaClient && window.postsse && window.jsClient", null,
                new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
    }

    final void stream(Page page, String url, Map<String, Object> options) {
        page.evaluate("([client, url, options]) => window[client].stream(url, options)", List.of(client(), url, options));
    }

    final boolean resume(Page page, String key, Map<String, Object> options) {
        return (Boolean) page.evaluate("([client, key, options]) => window[client].resume(key, options)",
                List.of(client(), key, options));
    }

    /** Waits until a line of the log meets the condition, JavaScript on {@code line}. */
    static void awaitLog(Page page, String condition) {
        page.waitForFunction("() => window.log.some(line => " + condition + ")", null,
                new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
    }

    @SuppressWarnings("unchecked")
    static List<String> log(Page page) {
        return (List<String>) page.evaluate("() => window.log.slice()");
    }

    static List<String> awaitClose(Page page) {
        awaitLog(page, "line.startsWith('close ')");
        return log(page);
    }

    /** Every fetch the page made, as {@code METHOD url}. */
    @SuppressWarnings("unchecked")
    static List<String> fetches(Page page) {
        return (List<String>) page.evaluate("() => window.fetchLog.slice()");
    }

    /** What a stream persisted under the key keeps in {@code sessionStorage}, or null. */
    static String persisted(Page page, String key) {
        return (String) page.evaluate("key => sessionStorage.getItem('postsse:' + key)", key);
    }

    static String errorUrl(String key, int status, String type, String body) {
        return "/error?key=" + key + "&status=" + status + "&type=" + encode(type) + "&body=" + encode(body);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    static void await(String latch) throws InterruptedException {
        assertTrue(server.latch(latch).await(10, TimeUnit.SECONDS), "waited for " + latch);
    }

    // The request.

    @InBothBrowsers
    void eventsArriveInOrderWithTypesIdsAndPerTypeHandlers(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/events", Map.of("types", List.of("token"), "body", "{\"q\":1}",
                    "headers", Map.of("Authorization", "Bearer t0k")));
            assertEquals(List.of(
                    "open 200",
                    "event message text/event-stream|Bearer t0k|application/json|{\"q\":1} #1",
                    "on:token b #2",
                    "event token b #2",
                    "event done c #3",
                    "close completed"), awaitClose(page));
        }
    }

    @InBothBrowsers
    void postWithoutABodySendsNoContentType(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/echo?headers=content-type", Map.of());
            assertEquals(List.of("open 200", "event message POST content-type=null body= #", "close completed"),
                    awaitClose(page));
        }
    }

    @InBothBrowsers
    void getRequestHasNoBody(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/echo?headers=content-type", Map.of("method", "GET"));
            assertEquals(List.of("open 200", "event message GET content-type=null body= #", "close completed"),
                    awaitClose(page));
        }
    }

    @InBothBrowsers
    void contentTypeHeaderReplacesTheBodysType(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/echo?headers=content-type", Map.of("body", "{\"a\":1}",
                    "headers", Map.of("Content-Type", "application/vnd.test+json")));
            assertEquals(List.of("open 200",
                    "event message POST content-type=application/vnd.test+json body={\"a\":1} #", "close completed"),
                    awaitClose(page));
        }
    }

    @InBothBrowsers
    void cookiesGoToTheSameOriginOnlyByDefault(TestBrowser browser) {
        try (Page page = open(browser)) {
            page.evaluate("() => { document.cookie = 'session=abc; path=/'; }");
            stream(page, "/echo?headers=cookie", Map.of());
            assertEquals("event message POST cookie=session=abc body= #", awaitClose(page).get(1));
            page.evaluate("() => { window.log.length = 0; }");
            stream(page, server.otherOriginUrl() + "/echo?headers=cookie", Map.of());
            assertEquals("event message POST cookie=null body= #", awaitClose(page).get(1));
        }
    }

    @InBothBrowsers
    void credentialsOmitSendsNoCookie(TestBrowser browser) {
        try (Page page = open(browser)) {
            page.evaluate("() => { document.cookie = 'session=abc; path=/'; }");
            stream(page, "/echo?headers=cookie", Map.of("credentials", "omit"));
            assertEquals("event message POST cookie=null body= #", awaitClose(page).get(1));
        }
    }

    @InBothBrowsers
    void credentialsIncludeSendsCookiesToAnotherOrigin(TestBrowser browser) {
        try (Page page = open(browser)) {
            page.evaluate("() => { document.cookie = 'session=abc; path=/'; }");
            stream(page, server.otherOriginUrl() + "/echo?headers=cookie", Map.of("credentials", "include"));
            assertEquals(List.of("open 200", "event message POST cookie=session=abc body= #", "close completed"),
                    awaitClose(page));
        }
    }

    /**
     * Regression: a URL, method or credentials mode the browser refuses, or a GET with a body, was
     * reported as a network failure and retried, half a minute by default, before the stream failed.
     * A header it refuses threw at once, but kept the stream persisted.
     */
    @InBothBrowsers
    void requestTheBrowserRefusesThrowsAtOnceAndKeepsNothing(TestBrowser browser) {
        String key = key(browser, "refused-request");
        try (Page page = open(browser)) {
            for (Map<String, Object> options : List.of(
                    Map.<String, Object>of("url", "http://[bad/echo"),
                    Map.<String, Object>of("method", "BAD METHOD"),
                    Map.<String, Object>of("method", "GET", "body", "{}"),
                    Map.<String, Object>of("credentials", "sometimes"),
                    Map.<String, Object>of("headers", Map.of("bad name", "x")))) {
                page.evaluate("() => { window.log.length = 0; }");
                Map<String, Object> withPersist = new HashMap<>(options);
                withPersist.put("persist", key);
                stream(page, (String) options.getOrDefault("url", "/echo"), withPersist);
                List<String> log = log(page);
                assertEquals(1, log.size(), options + ": " + log);
                assertTrue(log.get(0).startsWith("threw ") && log.get(0).contains("TypeError"), options + ": " + log);
                assertNull(persisted(page, key), options.toString());
            }
            page.evaluate("() => new Promise(resolve => setTimeout(resolve, 0))");
            assertEquals(1, log(page).size(), "and nothing after: " + log(page));
            assertEquals(List.of(), fetches(page));
        }
    }

    // The response.

    @InBothBrowsers
    void onOpenGetsTheResponseHeaders(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/headers", Map.of("openHeader", "X-Test-One"));
            assertEquals("open 200 X-Test-One=first value", awaitClose(page).get(0));
        }
    }

    @InBothBrowsers
    void noContentCompletesWithNoEvents(TestBrowser browser) {
        String key = key(browser, "no-content");
        try (Page page = open(browser)) {
            stream(page, "/no-content?key=" + key, Map.of());
            assertEquals(List.of("close completed"), awaitClose(page));
            assertEquals(1, server.calls("/no-content", key));
        }
    }

    @InBothBrowsers
    void markupInDataStaysText(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/xss", Map.of("renderInto", "out"));
            awaitClose(page);
            assertEquals(MARKUP + "plain <b>text</b>", page.textContent("#out"));
            assertEquals(0, page.locator("#out img, #out script, #out b").count());
            assertNull(page.evaluate("() => window.pwned"));
        }
    }

    // Errors.

    @InBothBrowsers
    void problemJsonIsATypedHttpErrorWithoutRetry(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/problem", Map.of());
            assertEquals(List.of(
                    "error http_status 400 Bad prompt | prompt is empty retrying=false",
                    "close failed"), awaitClose(page));
        }
    }

    @InBothBrowsers
    void problemWithoutATitleIsNamedByItsStatus(TestBrowser browser) {
        String key = key(browser, "untitled");
        try (Page page = open(browser)) {
            stream(page, errorUrl(key, 422, "application/problem+json", "{\"detail\":\"too long\"}"), Map.of());
            assertEquals(List.of("error http_status 422 HTTP 422 | too long retrying=false", "close failed"),
                    awaitClose(page));
        }
    }

    /** Regression: a JSON error body without a problem's fields was reported with no detail at all. */
    @InBothBrowsers
    void jsonErrorWithoutAProblemsFieldsKeepsAnExcerpt(TestBrowser browser) {
        String key = key(browser, "json-error");
        try (Page page = open(browser)) {
            stream(page, errorUrl(key, 400, "application/json", "{\"error\":\"bad key\"}"), Map.of());
            assertEquals(List.of("error http_status 400 HTTP 400 | {\"error\":\"bad key\"} retrying=false",
                    "close failed"), awaitClose(page));
        }
    }

    /** Regression: a title that was a number became the error's message, a number where text was promised. */
    @InBothBrowsers
    void problemFieldsThatAreNotTextAreIgnored(TestBrowser browser) {
        String key = key(browser, "typed-problem");
        String body = "{\"title\":42,\"detail\":{\"why\":\"nested\"}}";
        try (Page page = open(browser)) {
            stream(page, errorUrl(key, 400, "application/problem+json", body), Map.of());
            assertEquals(List.of("error http_status 400 HTTP 400 | " + body + " retrying=false", "close failed"),
                    awaitClose(page));
        }
    }

    @InBothBrowsers
    void errorBodyIsCutToAnExcerpt(TestBrowser browser) {
        String key = key(browser, "long-error");
        try (Page page = open(browser)) {
            stream(page, errorUrl(key, 400, "text/plain", "  " + "a".repeat(300) + "\n"), Map.of());
            assertEquals(List.of("error http_status 400 HTTP 400 | " + "a".repeat(200) + "\u2026 retrying=false",
                    "close failed"), awaitClose(page));
        }
    }

    @InBothBrowsers
    void goneFailsAtOnce(TestBrowser browser) {
        String key = key(browser, "gone");
        try (Page page = open(browser)) {
            stream(page, errorUrl(key, 410, "application/problem+json", "{\"title\":\"Gone\",\"detail\":\"no such stream\"}"),
                    Map.of("initialRetryMillis", 1));
            assertEquals(List.of("error gone 410 Gone | no such stream retrying=false", "close failed"), awaitClose(page));
            assertEquals(1, server.calls("/error", key));
        }
    }

    @InBothBrowsers
    void wrongContentTypeFailsAtOnce(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/wrongtype", Map.of());
            assertEquals(List.of(
                    "error content_type 200 expected text/event-stream but got text/html |  retrying=false",
                    "close failed"), awaitClose(page));
        }
    }

    /** Regression: a callback that threw left the stream hanging, with neither onError nor onClose. */
    @InBothBrowsers
    void callbackThatThrowsEndsTheStreamAsFailed(TestBrowser browser) throws Exception {
        String key = key(browser, "throwing");
        try (Page page = open(browser)) {
            stream(page, "/throwing?key=" + key, Map.of("types", List.of("token"), "throwOn", "token"));
            List<String> log = awaitClose(page);
            assertEquals(4, log.size(), log.toString());
            assertEquals(List.of("open 200", "on:token first #1"), log.subList(0, 2));
            assertTrue(log.get(2).startsWith("error handler_failed 0 a callback threw: ")
                    && log.get(2).contains("boom in token") && log.get(2).endsWith("retrying=false"), log.get(2));
            assertEquals("close failed", log.get(3));
            await(key + " gone");
        }
    }

    // Reconnection.

    @InBothBrowsers
    void serverErrorIsRetriedThenSucceeds(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/flaky?key=" + key(browser, "flaky"), Map.of("initialRetryMillis", 50));
            assertEquals(List.of(
                    "error http_status 500 HTTP 500 | try again retrying=true",
                    "open 200",
                    "event message ok #1",
                    "close completed"), awaitClose(page));
        }
    }

    /** The first delay is a minute: the stream could only end within the test's time by the server's 0. */
    @InBothBrowsers
    void tooManyRequestsIsRetriedAfterItsRetryAfter(TestBrowser browser) {
        String key = key(browser, "429");
        try (Page page = open(browser)) {
            stream(page, "/status?key=" + key + "&status=429&failures=1&retryAfter=0", Map.of("initialRetryMillis", 60_000));
            assertEquals(List.of("error http_status 429 HTTP 429 | failure 1 retrying=true", "open 200",
                    "event message ok #", "close completed"), awaitClose(page));
        }
    }

    @InBothBrowsers
    void retryAfterInSecondsIsTheWait(TestBrowser browser) {
        String key = key(browser, "retry-after");
        try (Page page = open(browser)) {
            stream(page, "/status?key=" + key + "&status=503&failures=1&retryAfter=1", Map.of("initialRetryMillis", 60_000));
            assertEquals("close completed", awaitClose(page).get(3));
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(server.seenAt.get(key + "#2") - server.seenAt.get(key + "#1"));
            assertTrue(waitedMillis >= 1000, "the client should wait the second it was told: " + waitedMillis + " ms");
        }
    }

    /** A date already past: at once, where the first delay would be a minute. */
    @InBothBrowsers
    void retryAfterAsADateIsTheWait(TestBrowser browser) {
        String key = key(browser, "retry-date");
        try (Page page = open(browser)) {
            stream(page, "/status?key=" + key + "&status=503&failures=1&retryAfter=past-date",
                    Map.of("initialRetryMillis", 60_000));
            assertEquals(List.of("error http_status 503 HTTP 503 | failure 1 retrying=true", "open 200",
                    "event message ok #", "close completed"), awaitClose(page));
        }
    }

    /** A first delay of a minute, capped at a millisecond. */
    @InBothBrowsers
    void maxRetryMillisCapsTheDelay(TestBrowser browser) {
        String key = key(browser, "capped");
        try (Page page = open(browser)) {
            stream(page, "/status?key=" + key + "&status=503&failures=2",
                    Map.of("initialRetryMillis", 60_000, "maxRetryMillis", 1));
            assertEquals("close completed", awaitClose(page).get(4));
            assertEquals(3, server.calls("/status", key));
        }
    }

    @InBothBrowsers
    void maxRetriesFailuresInARowThenTheStreamFails(TestBrowser browser) {
        String key = key(browser, "max-retries");
        try (Page page = open(browser)) {
            stream(page, "/status?key=" + key + "&status=503", Map.of("maxRetries", 2, "initialRetryMillis", 1));
            assertEquals(List.of(
                    "error http_status 503 HTTP 503 | failure 1 retrying=true",
                    "error http_status 503 HTTP 503 | failure 2 retrying=true",
                    "error http_status 503 HTTP 503 | failure 3 retrying=false",
                    "close failed"), awaitClose(page));
            assertEquals(3, server.calls("/status", key));
        }
    }

    @InBothBrowsers
    void zeroMaxRetriesNeverReconnects(TestBrowser browser) {
        String key = key(browser, "no-retries");
        try (Page page = open(browser)) {
            stream(page, "/status?key=" + key + "&status=503", Map.of("maxRetries", 0));
            assertEquals(List.of("error http_status 503 HTTP 503 | failure 1 retrying=false", "close failed"),
                    awaitClose(page));
            assertEquals(1, server.calls("/status", key));
        }
    }

    /** Three cuts with one retry allowed: each connection brought an event, so none is a second failure in a row. */
    @InBothBrowsers
    void failuresInARowAreCountedAgainFromEachEvent(TestBrowser browser) {
        String key = key(browser, "recount");
        try (Page page = open(browser)) {
            stream(page, "/cuts?key=" + key, Map.of("maxRetries", 1, "initialRetryMillis", 1));
            for (int call = 1; call <= 3; call++) {
                awaitLog(page, "line === 'event message part " + call + " #" + call + "'");
                server.latch(key + " cut " + call).countDown();
            }
            List<String> log = awaitClose(page);
            assertEquals(List.of("open 200", "event message whole #4", "close completed"),
                    log.subList(log.size() - 3, log.size()), log.toString());
            assertEquals(3, log.stream().filter(line -> line.startsWith("error network 0 ")
                    && line.endsWith("retrying=true")).count(), log.toString());
            assertEquals("3", server.seen.get(key + "#4"));
        }
    }

    /** A browser takes a head cut short for a whole one with no content type: retried, not failed. */
    @InBothBrowsers
    void headWithoutAContentTypeIsRetriedAsACut(TestBrowser browser) {
        String key = key(browser, "no-type");
        try (Page page = open(browser)) {
            stream(page, "/no-type?key=" + key, Map.of("initialRetryMillis", 1));
            assertEquals(List.of(
                    "error network 0 the response's head was cut short |  retrying=true",
                    "open 200",
                    "event message ok #1",
                    "close completed"), awaitClose(page));
        }
    }

    @InBothBrowsers
    void droppedConnectionReconnectsWithLastEventIdAndNeverAfterANormalEnd(TestBrowser browser) throws Exception {
        // The server sends "retry: 50" before dropping; it must win over the client's own first delay.
        String key = key(browser, "drop");
        try (Page page = open(browser)) {
            stream(page, "/drop?key=" + key, Map.of("initialRetryMillis", 5000));
            awaitLog(page, "line === 'event message two #2'");
            server.latch(key + " drop").countDown();
            List<String> log = awaitClose(page);
            assertEquals("open 200", log.get(0));
            assertEquals("event message one #1", log.get(1));
            assertEquals("event message two #2", log.get(2));
            assertTrue(log.get(3).startsWith("error network 0 ") && log.get(3).endsWith("retrying=true"), log.get(3));
            assertEquals(List.of("open 200", "event message three #3", "close completed"), log.subList(4, log.size()));
            assertEquals(2, server.calls("/drop", key), "a stream that ended normally is never re-sent");
            String[] first = server.seen.get(key + "#1").split(" ");
            String[] second = server.seen.get(key + "#2").split(" ");
            assertEquals("null", first[0], "no Last-Event-ID on the first request");
            assertEquals("2", second[0]);
            assertTrue(first[1].matches("[0-9a-f]{32}"), "a new stream proposes an id: " + first[1]);
            assertEquals(first[1], second[1], "and names it again on reconnecting");
            long gapMillis = TimeUnit.NANOSECONDS.toMillis(server.seenAt.get(key + " reconnected")
                    - server.seenAt.get(key + " dropped"));
            assertTrue(gapMillis >= 50 && gapMillis < 4000,
                    "reconnect should follow the server's retry (50 ms + jitter), not the client's 5 s: " + gapMillis);
        }
    }

    /** Regression: each connection's fresh parser forgot the id, so the third sent no Last-Event-ID. */
    @InBothBrowsers
    void lastEventIdOutlivesAConnectionThatSetNone(TestBrowser browser) {
        String key = key(browser, "ids");
        try (Page page = open(browser)) {
            stream(page, "/ids?key=" + key, Map.of("initialRetryMillis", 10));
            awaitLog(page, "line === 'event message one #7'");
            server.latch(key + " drop 1").countDown();
            awaitLog(page, "line === 'event message two #7'");
            server.latch(key + " drop 2").countDown();
            List<String> log = awaitClose(page);
            assertEquals("event message three #7", log.get(log.size() - 2));
            assertEquals("close completed", log.get(log.size() - 1));
            assertEquals("null", server.seen.get(key + "#1"));
            assertEquals("7", server.seen.get(key + "#2"));
            assertEquals("7", server.seen.get(key + "#3"), "the third connection must send the last id seen");
        }
    }

    /** Regression: a reconnection that fetch rejected (a server restarting) ended the stream as failed. */
    @InBothBrowsers
    void refusedReconnectionIsRetried(TestBrowser browser) {
        String key = key(browser, "refused");
        try (Page page = open(browser)) {
            stream(page, "/refused?key=" + key,
                    Map.of("initialRetryMillis", 10, "maxRetryMillis", 100, "maxRetries", 100));
            awaitLog(page, "line === 'event message one #1'");
            server.latch(key + " drop").countDown();
            page.waitForFunction("() => window.log.filter(line => line.startsWith('error ')).length >= 2", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            server.latch(key + " accept").countDown();
            List<String> log = awaitClose(page);
            assertEquals(List.of("open 200", "event message one #1"), log.subList(0, 2));
            List<String> errors = log.subList(2, log.size() - 3);
            assertTrue(errors.size() >= 2, "the cut, then at least one refused reconnection: " + log);
            for (String error : errors) {
                assertTrue(error.startsWith("error network 0 ") && error.endsWith("retrying=true"), log.toString());
            }
            assertEquals(List.of("open 200", "event message two #2", "close completed"),
                    log.subList(log.size() - 3, log.size()));
            assertEquals("1", server.seen.get(key));
        }
    }

    @InBothBrowsers
    void hiddenTabKeepsItsStreamAndSendsNothingAgain(TestBrowser browser) {
        String key = key(browser, "hidden");
        try (Page page = open(browser)) {
            stream(page, "/hidden?key=" + key, Map.of());
            awaitLog(page, "line === 'event message before hiding #1'");
            // What a browser does when the tab goes to the background.
            page.evaluate("() => { Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
                    + " Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
                    + " document.dispatchEvent(new Event('visibilitychange')); }");
            server.latch(key + " hidden").countDown();
            assertEquals(List.of("open 200", "event message before hiding #1", "event message while hidden #2",
                    "close completed"), awaitClose(page));
            assertEquals(1, server.calls("/hidden", key), "hiding the tab must not re-send the request");
        }
    }

    /** The stream the cuts test resumes: events after the Last-Event-ID's number, each with its number as id. */
    private static final int CUT_STREAM_EVENTS = 40;

    private static String cutStreamEvent(int i) {
        return "tok-" + i + " caf\u00e9 \u20ac \ud83d\ude00"; // 2, 3 and 4 UTF-8 bytes: cuts fall inside characters
    }

    /**
     * Streams through a seeded fault-injecting proxy that cuts connections at random bytes, by
     * reset or by orderly close, and passes on the rest in tiny pieces, to a postsse server (on
     * another origin, as CORS allows) that resumes from Last-Event-ID: every stream must end
     * completed, once, with exactly the uncut text.
     *
     * <p>Response heads are passed on whole: Chromium takes a head cut short by an orderly close as
     * the whole head of a response with an empty body, a clean end that no client can tell from a
     * real one without an end marker of the stream's own.
     */
    @InBothBrowsers
    void everyStreamEndsWithTheUncutTextThroughRandomCuts(TestBrowser browser) throws Exception {
        StringBuilder uncut = new StringBuilder();
        for (int i = 0; i < CUT_STREAM_EVENTS; i++) {
            uncut.append(cutStreamEvent(i));
        }
        Javalin streams = Javalin.create(config -> PostSse.install(config, sse -> {
            sse.allowedOrigins.add(server.baseUrl());
            sse.post("/resume", Object.class, (body, events) -> {
                String lastEventId = events.lastEventId();
                for (int i = lastEventId.isEmpty() ? 0 : Integer.parseInt(lastEventId) + 1; i < CUT_STREAM_EVENTS; i++) {
                    events.send(OutboundEvent.of(cutStreamEvent(i)).type("token").id(String.valueOf(i)));
                }
            });
        })).start("127.0.0.1", 0);
        long seed = 11 + 2 * browser.ordinal() + (client().equals("javaClient") ? 0 : 1);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(streams.port(), seed, 0.6, 1800, false);
             Page page = open(browser)) {
            int count = 20;
            for (int n = 0; n < count; n++) {
                page.evaluate("() => { window.log.length = 0; }");
                stream(page, proxy.uri("/resume").toString(), Map.of("body", "{}", "maxRetries", 30, "initialRetryMillis", 1));
                List<String> log = awaitClose(page);
                StringBuilder text = new StringBuilder();
                for (String line : log) {
                    if (line.startsWith("event token ")) {
                        text.append(line, "event token ".length(), line.lastIndexOf(" #"));
                    }
                }
                assertEquals("close completed", log.get(log.size() - 1), "stream " + n + " of seed " + seed + ": " + log);
                assertEquals(1, log.stream().filter(line -> line.startsWith("close ")).count());
                assertEquals(uncut.toString(), text.toString(), "stream " + n + " of seed " + seed + ": " + log);
            }
            assertTrue(proxy.cuts() >= count / 3, "cuts injected: " + proxy.cuts() + " of " + proxy.connections());
        } finally {
            streams.stop();
        }
    }

    // Closing.

    @InBothBrowsers
    void closeMidStreamReportsCancelledOnceAndCancelsTheProducer(TestBrowser browser) throws Exception {
        String key = key(browser, "close");
        try (Page page = open(browser)) {
            stream(page, "/slow?key=" + key, Map.of());
            awaitLog(page, "line.startsWith('event ')");
            page.evaluate("() => { window.currentStream.close(); window.currentStream.close(); }");
            await(key + " gone");
            // The producer noticed: had the client called back after closing, it would have by now.
            page.evaluate("() => new Promise(resolve => setTimeout(resolve, 0))");
            assertEquals(List.of("open 200", "event message first #1", "close cancelled"), awaitClose(page));
        }
    }

    /** A response without a stream id: the server runs nothing once the connection is gone. */
    @InBothBrowsers
    void closingAPlainStreamSendsNoStop(TestBrowser browser) {
        String key = key(browser, "plain-close");
        try (Page page = open(browser)) {
            stream(page, "/slow?key=" + key, Map.of());
            awaitLog(page, "line.startsWith('event ')");
            page.evaluate("() => window.currentStream.close()");
            assertEquals(List.of("POST /slow?key=" + key), fetches(page), "the stop would be sent from within close()");
        }
    }

    @InBothBrowsers
    void closeBeforeTheResponseStopsTheStreamOnTheServer(TestBrowser browser) throws Exception {
        String key = key(browser, "early-close");
        String url = "/slow-head?key=" + key;
        try (Page page = open(browser)) {
            stream(page, url, Map.of());
            await(key + " arrived");
            page.evaluate("() => window.currentStream.close()");
            assertEquals(List.of("POST " + url, "DELETE " + url), fetches(page));
            await(key + " deleted");
            assertEquals(List.of("/slow-head " + server.seen.get(key)), server.deletes.get(key));
            assertEquals(List.of("close cancelled"), log(page));
        } finally {
            server.latch(key + " answer").countDown();
        }
    }

    /** Regression: an onClose that threw on close() kept the stop from being sent. */
    @InBothBrowsers
    void closeStopsTheStreamOnTheServerEvenWhenOnCloseThrows(TestBrowser browser) throws Exception {
        String key = key(browser, "throwing-close");
        String url = "/slow-head?key=" + key;
        try (Page page = open(browser)) {
            stream(page, url, Map.of("throwIn", "onClose"));
            await(key + " arrived");
            String outcome = (String) page.evaluate("() => { try { window.currentStream.close(); return 'returned'; }"
                    + " catch (e) { return 'threw ' + e.message; } }");
            assertTrue(outcome.startsWith("threw ") && outcome.contains("boom in onClose"), outcome);
            assertEquals(List.of("POST " + url, "DELETE " + url), fetches(page));
            await(key + " deleted");
            assertEquals(List.of("close cancelled"), log(page));
        } finally {
            server.latch(key + " answer").countDown();
        }
    }

    @InBothBrowsers
    void closeAfterTheEndChangesNothing(TestBrowser browser) {
        try (Page page = open(browser)) {
            stream(page, "/events", Map.of());
            List<String> log = awaitClose(page);
            page.evaluate("() => window.currentStream.close()");
            page.evaluate("() => new Promise(resolve => setTimeout(resolve, 0))");
            assertEquals(log, log(page));
            assertEquals(List.of("POST /events"), fetches(page));
        }
    }

    // Persisting and resuming.

    @InBothBrowsers
    void persistKeepsTheUrlTheIdAndTheResumePointButNoHeaderOrBody(TestBrowser browser) throws Exception {
        String key = key(browser, "persist");
        String url = "/slow-head?key=" + key;
        try (Page page = open(browser)) {
            stream(page, url, Map.of("persist", key, "body", "{\"secret\":\"body-secret\"}",
                    "headers", Map.of("Authorization", "Bearer header-secret")));
            await(key + " arrived");
            String streamId = server.seen.get(key);
            assertEquals(List.of("url", "streamId", "lastEventId", url, streamId, streamId + ":0"),
                    page.evaluate("key => { var v = JSON.parse(sessionStorage.getItem('postsse:' + key));"
                            + " return Object.keys(v).concat(Object.values(v)); }", key));
            assertFalse(persisted(page, key).contains("secret"), persisted(page, key));
            page.evaluate("() => window.currentStream.close()");
            assertNull(persisted(page, key), "a closed stream is forgotten");
        } finally {
            server.latch(key + " answer").countDown();
        }
    }

    @InBothBrowsers
    void resumeAttachesWithAGetFromTheLastEventTakenIn(TestBrowser browser) {
        String key = key(browser, "resume");
        String id = ClientTestServer.SERVER_STREAM_ID;
        try (Page page = open(browser)) {
            // What a page persisted for the stream before a reload: its first event taken in.
            page.evaluate("([key, value]) => sessionStorage.setItem('postsse:' + key, value)", List.of(key,
                    "{\"url\":\"/named?key=" + key + "\",\"streamId\":\"" + id + "\",\"lastEventId\":\"" + id + ":1\"}"));
            assertTrue(resume(page, key, Map.of("headers", Map.of("Authorization", "Bearer again"))));
            assertEquals(List.of("open 200", "event message event 2 #" + id + ":2", "event message event 3 #" + id + ":3",
                    "close completed"), awaitClose(page));
            assertEquals("GET " + id + ":1 " + id + " Bearer again null []", server.seen.get(key));
            assertNull(persisted(page, key), "a closed stream is forgotten");
        }
    }

    @InBothBrowsers
    void resumeWithNothingPersistedIsNull(TestBrowser browser) {
        try (Page page = open(browser)) {
            assertFalse(resume(page, "never-persisted", Map.of()));
            assertEquals(List.of(), fetches(page));
            assertEquals(List.of(), log(page));
        }
    }

    @InBothBrowsers
    void closingAStreamLeavesTheEntryOfTheStreamThatTookItsKeySince(TestBrowser browser) {
        String key = key(browser, "shared-key");
        try (Page page = open(browser)) {
            stream(page, "/slow?key=" + key + "-first", Map.of("persist", key));
            awaitLog(page, "line.startsWith('event ')");
            String first = persisted(page, key);
            page.evaluate("() => { window.first = window.currentStream; }");
            stream(page, "/slow?key=" + key + "-second", Map.of("persist", key));
            String second = persisted(page, key);
            assertNotEquals(first, second);
            page.evaluate("() => window.first.close()");
            assertEquals(second, persisted(page, key));
            page.evaluate("() => window.currentStream.close()");
            assertNull(persisted(page, key));
        }
    }

    @InBothBrowsers
    void streamGoesOnWhenStorageRefusesToKeepIt(TestBrowser browser) {
        String key = key(browser, "no-storage");
        try (Page page = open(browser)) {
            page.evaluate("() => { Storage.prototype.setItem = function () {"
                    + " throw new DOMException('full', 'QuotaExceededError'); }; }");
            stream(page, "/events", Map.of("persist", key));
            assertEquals(List.of("open 200", "event message text/event-stream|null|null| #1", "event token b #2",
                    "event done c #3", "close completed"), awaitClose(page));
            assertFalse(resume(page, key, Map.of()));
        }
    }
}
