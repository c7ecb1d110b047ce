package io.postsse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.microsoft.playwright.Page;
import io.javalin.Javalin;
import io.javalin.http.staticfiles.Location;
import io.postsse.server.EventEmitter;
import io.postsse.server.PostSse;
import io.postsse.testing.FaultInjectingProxy;
import io.postsse.testing.TestBrowser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The browser client against resumable routes, in real browsers, through the Java API and through
 * {@code postsse.js} (the harnesses of postsse-web-client-tests' test page): exactly once through random
 * cuts, across a reload with {@code persist} and {@code resume}, the stop on close, and a stream
 * the server no longer holds. Every producer run is counted on the server.
 */
class ResumableStreamTest {
    private static final double TIMEOUT_MS = 15_000;
    /** Events per {@code /story} stream. */
    private static final int EVENTS = 40;

    private static Javalin server;
    private static Javalin crossOrigin;
    private static String baseUrl;
    /** Producer runs, by the body's {@code key}. */
    private static final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private static final AtomicInteger allRuns = new AtomicInteger();
    /** Opened by a test to let a {@code /story} producer that paused go on. */
    private static final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    /** Counted down when a {@code /slow-start} request is being validated, and opened to let it go on. */
    private static final Map<String, CountDownLatch> validating = new ConcurrentHashMap<>();
    private static final Map<String, CountDownLatch> validated = new ConcurrentHashMap<>();
    /** Counted down when a {@code /slow-start} producer starts. */
    private static final Map<String, CountDownLatch> producing = new ConcurrentHashMap<>();
    /** Counted down when an {@code /endless} producer is cancelled. */
    private static final Map<String, CountDownLatch> stopped = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        server = Javalin.create(config -> {
            config.staticFiles.add("/client-test-page", Location.CLASSPATH);
            PostSse.install(config, sse -> {
                sse.serveClientScript();
                routes(sse);
            });
        }).start("127.0.0.1", 0);
        baseUrl = "http://127.0.0.1:" + server.port();
        // The same routes on another origin, for the page to reach through the fault-injecting proxy.
        crossOrigin = Javalin.create(config -> PostSse.install(config, sse -> {
            sse.allowedOrigins.add(baseUrl);
            routes(sse);
        })).start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        if (crossOrigin != null) {
            crossOrigin.stop();
        }
        if (server != null) {
            server.stop();
        }
    }

    @SuppressWarnings("rawtypes")
    private static void routes(PostSse sse) {
        // EVENTS token events; with "pauseAfter": n, waits after the n-th for the test to open its gate.
        sse.post("/story", Map.class, (Map body, EventEmitter events) -> {
            String key = String.valueOf(body.get("key"));
            count(key);
            int pauseAfter = body.get("pauseAfter") instanceof Number n ? n.intValue() : -1;
            for (int i = 0; i < EVENTS; i++) {
                if (i == pauseAfter) {
                    gates.computeIfAbsent(key, k -> new CountDownLatch(1)).await(10, TimeUnit.SECONDS);
                }
                events.send("token", storyEvent(i));
            }
        }).resumable();
        // The story, after a validation that waits for the test: the response's head comes late.
        sse.post("/slow-start", Map.class, (Map body) -> {
            String key = String.valueOf(body.get("key"));
            validating.computeIfAbsent(key, k -> new CountDownLatch(1)).countDown();
            try {
                validated.computeIfAbsent(key, k -> new CountDownLatch(1)).await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }, (Map body, EventEmitter events) -> {
            String key = String.valueOf(body.get("key"));
            count(key);
            producing.computeIfAbsent(key, k -> new CountDownLatch(1)).countDown();
            for (int i = 0; i < EVENTS; i++) {
                events.send("token", storyEvent(i));
            }
        }).resumable();
        // A tick every 20 ms for at most 15 s; counts down the key's latch when cancelled.
        sse.post("/endless", Map.class, (Map body, EventEmitter events) -> {
            String key = String.valueOf(body.get("key"));
            count(key);
            CountDownLatch latch = stopped.computeIfAbsent(key, k -> new CountDownLatch(1));
            events.onCancel(latch::countDown);
            for (int i = 0; i < 750; i++) {
                events.send("token", "tick " + i);
                Thread.sleep(20); // the producer's own pace, not a wait for the test
            }
        }).resumable();
    }

    private static void count(String key) {
        allRuns.incrementAndGet();
        runs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    private static String storyEvent(int i) {
        return "tok-" + i + " caf\u00e9 \u20ac \ud83d\ude00"; // 2, 3 and 4 UTF-8 bytes: cuts fall inside characters
    }

    private static String uncutStory() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < EVENTS; i++) {
            text.append(storyEvent(i));
        }
        return text.toString();
    }

    /** Both clients, the Java API's and {@code postsse.js}'s, in each browser. */
    static Stream<Arguments> clients() {
        return BothBrowsers.with(arguments("javaClient"), arguments("jsClient"));
    }

    /** Both clients on the page's origin and on another, in each browser. */
    static Stream<Arguments> clientsAndOrigins() {
        return BothBrowsers.with(arguments("javaClient", "same"), arguments("jsClient", "same"),
                arguments("javaClient", "cross"), arguments("jsClient", "cross"));
    }

    private static Page open(TestBrowser browser) {
        Page page = browser.newPage();
        page.navigate(baseUrl + "/client-test.html");
        awaitHarness(page);
        return page;
    }

    private static void awaitHarness(Page page) {
        page.waitForFunction("() => window.javaClient && window.postsse && window.jsClient", null,
                new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
    }

    private static void stream(Page page, String client, String url, Map<String, Object> options) {
        page.evaluate("([client, url, options]) => window[client].stream(url, options)", List.of(client, url, options));
    }

    private static boolean resume(Page page, String client, String key, Map<String, Object> options) {
        return (Boolean) page.evaluate("([client, key, options]) => window[client].resume(key, options)",
                List.of(client, key, options));
    }

    private static void awaitLog(Page page, String condition) {
        page.waitForFunction("() => window.log.some(line => " + condition + ")", null,
                new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
    }

    @SuppressWarnings("unchecked")
    private static List<String> log(Page page) {
        return (List<String>) page.evaluate("() => window.log.slice()");
    }

    private static List<String> awaitClose(Page page) {
        awaitLog(page, "line.startsWith('close ')");
        return log(page);
    }

    /** The token events' data, joined. */
    private static String text(List<String> log) {
        StringBuilder text = new StringBuilder();
        for (String line : log) {
            if (line.startsWith("event token ")) {
                text.append(line, "event token ".length(), line.lastIndexOf(" #"));
            }
        }
        return text.toString();
    }

    private static String stored(Page page, String key) {
        return (String) page.evaluate("key => sessionStorage.getItem('postsse:' + key)", key);
    }

    /**
     * Streams through a seeded proxy that cuts connections at random bytes, in response heads as
     * well as bodies, by reset or by orderly close, and passes the rest on in tiny pieces, to a
     * resumable route on another origin. A head cut short can pass for a whole response with an
     * empty body; the missing end marker gives it away. Every stream must end completed, once,
     * with exactly the uncut text, from one run of its producer.
     */
    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("clients")
    void everyStreamEndsOnceWithTheUncutTextFromOneRunThroughRandomCuts(TestBrowser browser, String client)
            throws Exception {
        String uncut = uncutStory();
        long seed = client.equals("javaClient") ? 21 : 22;
        int streams = 80;
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(crossOrigin.port(), seed, 0.7, 2400, true);
             Page page = open(browser)) {
            for (int n = 0; n < streams; n++) {
                String key = "cuts-" + browser + "-" + client + "-" + n;
                page.evaluate("() => { window.log.length = 0; }");
                stream(page, client, proxy.uri("/story").toString(), Map.of("body", "{\"key\":\"" + key + "\"}",
                        "types", List.of("token"), "maxRetries", 60, "initialRetryMillis", 1, "maxRetryMillis", 20));
                List<String> log = awaitClose(page);
                String where = "stream " + n + " of seed " + seed + ": " + log;
                assertEquals("close completed", log.get(log.size() - 1), where);
                assertEquals(1, log.stream().filter(line -> line.startsWith("close ")).count(), where);
                assertEquals(uncut, text(log), where);
                assertEquals(1, runs.get(key).get(), "the producer runs once: " + where);
            }
            System.out.printf("Reliability (%s, %s): %d streams, %d connections, %d cuts: %d exact, "
                    + "%d producers run once%n", client, browser, streams, proxy.connections(), proxy.cuts(), streams, streams);
            assertTrue(proxy.cuts() >= 100, "cuts injected: " + proxy.cuts() + " of " + proxy.connections());
        }
    }

    /** With {@code persist}, a reload mid-stream and {@code resume} take the stream up where the page left it. */
    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("clients")
    void persistedStreamResumesAfterAReloadWithEveryEventOnce(TestBrowser browser, String client) {
        String key = "reload-" + browser + "-" + client;
        String persistKey = "story-" + client;
        try (Page page = open(browser)) {
            assertFalse(resume(page, client, persistKey, Map.of()), "nothing is persisted yet");
            stream(page, client, "/story", Map.of("body", "{\"key\":\"" + key + "\",\"pauseAfter\":10}",
                    "persist", persistKey, "types", List.of("token")));
            awaitLog(page, "line.startsWith('event token tok-9 ')");
            List<String> before = log(page);
            String kept = stored(page, persistKey);
            assertNotNull(kept, "a running stream is persisted");
            assertTrue(kept.contains(":10\""), "its resume point is the last event taken in: " + kept);

            page.reload();
            awaitHarness(page);
            gates.computeIfAbsent(key, k -> new CountDownLatch(1)).countDown();
            assertTrue(resume(page, client, persistKey, Map.of("types", List.of("token"))));
            List<String> after = awaitClose(page);

            assertEquals("close completed", after.get(after.size() - 1), after.toString());
            assertEquals(1, after.stream().filter(line -> line.startsWith("close ")).count(), after.toString());
            assertEquals(uncutStory(), text(before) + text(after), before + " then " + after);
            assertEquals(1, runs.get(key).get(), "the producer runs once");
            assertNull(stored(page, persistKey), "a closed stream is forgotten");
            assertFalse(resume(page, client, persistKey, Map.of()));
        }
    }

    /**
     * A page reloaded after sending the request, before any response, still takes the stream up:
     * it was persisted from the moment the request was sent. Before, nothing was kept until the
     * response came, and the reply was lost while its producer ran on unread.
     */
    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("clients")
    void streamReloadedBeforeItsResponseResumesWithEveryEventOnce(TestBrowser browser, String client)
            throws Exception {
        String key = "early-reload-" + browser + "-" + client;
        String persistKey = "early-" + client;
        try (Page page = open(browser)) {
            stream(page, client, "/slow-start", Map.of("body", "{\"key\":\"" + key + "\"}",
                    "persist", persistKey, "types", List.of("token")));
            assertTrue(validating.computeIfAbsent(key, k -> new CountDownLatch(1)).await(10, TimeUnit.SECONDS));
            assertNotNull(stored(page, persistKey), "a stream is persisted from the moment its request is sent");

            page.reload();
            awaitHarness(page);
            validated.computeIfAbsent(key, k -> new CountDownLatch(1)).countDown();
            assertTrue(producing.computeIfAbsent(key, k -> new CountDownLatch(1)).await(10, TimeUnit.SECONDS));
            assertTrue(resume(page, client, persistKey, Map.of("types", List.of("token"))));
            List<String> after = awaitClose(page);

            assertEquals("close completed", after.get(after.size() - 1), after.toString());
            assertEquals(uncutStory(), text(after), after.toString());
            assertEquals(1, runs.get(key).get(), "the producer runs once");
            assertNull(stored(page, persistKey), "a closed stream is forgotten");
        }
    }

    /**
     * Closing a resumable stream stops its producer on the server at once, not after the resume
     * grace: on the page's origin, and on another (the stop is a preflighted DELETE).
     */
    @ParameterizedTest(name = "[{0}] {1}, {2} origin")
    @MethodSource("clientsAndOrigins")
    void closeStopsTheProducerOnTheServer(TestBrowser browser, String client, String origin) throws Exception {
        String key = "stop-" + browser + "-" + client + "-" + origin;
        CountDownLatch latch = stopped.computeIfAbsent(key, k -> new CountDownLatch(1));
        String url = origin.equals("same") ? "/endless" : "http://127.0.0.1:" + crossOrigin.port() + "/endless";
        try (Page page = open(browser)) {
            stream(page, client, url, Map.of("body", "{\"key\":\"" + key + "\"}", "persist", key));
            awaitLog(page, "line.startsWith('event token tick 1 ')");
            assertNotNull(stored(page, key));
            page.evaluate("() => { window.currentStream.close(); window.currentStream.close(); }");
            assertTrue(latch.await(2, TimeUnit.SECONDS), "the stop should cancel the server's producer");
            List<String> log = awaitClose(page);
            assertEquals("close cancelled", log.get(log.size() - 1), log.toString());
            assertEquals(1, log.stream().filter(line -> line.startsWith("close ")).count(), log.toString());
            assertNull(stored(page, key), "a closed stream is forgotten");
            assertEquals(1, runs.get(key).get());
        }
    }

    /** A persisted stream the server no longer holds: error kind "gone", not retried, and nothing runs. */
    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("clients")
    void resumingAStreamTheServerNoLongerHoldsIsGone(TestBrowser browser, String client) {
        String key = "gone-" + client;
        String streamId = "0123456789abcdef0123456789abcdef".substring(0, 22) + client.length();
        try (Page page = open(browser)) {
            // What a page persisted for a stream the server has since forgotten (or never had).
            page.evaluate("([key, value]) => sessionStorage.setItem('postsse:' + key, value)", List.of(key,
                    "{\"url\":\"/story\",\"streamId\":\"" + streamId + "\",\"lastEventId\":\"" + streamId + ":3\"}"));
            int runsBefore = allRuns.get();
            assertTrue(resume(page, client, key, Map.of("initialRetryMillis", 1)));
            List<String> log = awaitClose(page);
            assertEquals(2, log.size(), log.toString());
            assertTrue(log.get(0).startsWith("error gone 410 ") && log.get(0).endsWith("retrying=false"), log.toString());
            assertEquals("close failed", log.get(1));
            assertEquals(runsBefore, allRuns.get(), "a stream that is gone never starts afresh");
            assertNull(stored(page, key), "a closed stream is forgotten");
        }
    }

    /** Every new stream proposes an id of its own, 128 random bits, which the server takes. */
    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("clients")
    void eachNewStreamProposesAnIdOfItsOwn(TestBrowser browser, String client) {
        try (Page page = open(browser)) {
            List<String> ids = new ArrayList<>();
            for (int n = 0; n < 2; n++) {
                page.evaluate("() => { window.log.length = 0; }");
                String key = "ids-" + browser + "-" + client + "-" + n;
                stream(page, client, "/story", Map.of("body", "{\"key\":\"" + key + "\"}"));
                List<String> log = awaitClose(page);
                String last = log.get(log.size() - 2);
                ids.add(last.substring(last.lastIndexOf(" #") + 2, last.lastIndexOf(':')));
                assertTrue(last.endsWith(":" + EVENTS), last);
            }
            assertTrue(ids.get(0).matches("[0-9a-f]{32}"), ids.toString());
            assertTrue(!ids.get(0).equals(ids.get(1)), ids.toString());
        }
    }
}
