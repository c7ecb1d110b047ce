package io.postsse.web.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Page;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.postsse.protocol.EventEncoder;
import io.postsse.server.OutboundEvent;
import io.postsse.server.PostSse;
import io.postsse.testing.FaultInjectingProxy;
import io.postsse.testing.TestBrowser;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The browser client in real Chromium, each case twice: through the Java API (a TeaVM-compiled
 * harness, {@code window.javaClient}: {@link ClientTestPage}, built into this module's
 * {@code client-test-page/js/testpage.js}) and through {@code postsse.js} ({@code window.jsClient},
 * a few lines of plain JavaScript in {@code client-test-page/js/script-client.js}), served by
 * {@code PostSse.serveClientScript()}. Both harnesses log callbacks as the same lines.
 */
class WebClientTest {
    private static final double TIMEOUT_MS = 15_000;
    private static final String XSS = "<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">";

    private static Javalin server;
    private static String baseUrl;
    private static final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private static final Map<String, String> lastEventIds = new ConcurrentHashMap<>();
    private static final Map<String, String> streamIds = new ConcurrentHashMap<>();
    private static final Map<String, CountDownLatch> cancelled = new ConcurrentHashMap<>();
    private static final Map<String, CountDownLatch> dropNow = new ConcurrentHashMap<>();
    private static final Map<String, Long> droppedAt = new ConcurrentHashMap<>();
    private static final Map<String, Long> reconnectedAt = new ConcurrentHashMap<>();
    private static final Map<String, CountDownLatch> hiddenNow = new ConcurrentHashMap<>();
    private static final Map<String, CountDownLatch> refusing = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        server = Javalin.create(config -> {
            config.staticFiles.add("/client-test-page", Location.CLASSPATH);
            PostSse.install(config, PostSse::serveClientScript);
            config.routes.post("/events", ctx -> {
                OutputStream out = stream(ctx);
                String echo = ctx.header("Accept") + "|" + ctx.header("Authorization") + "|"
                        + ctx.header("Content-Type") + "|" + ctx.body();
                write(out, EventEncoder.event(null, "1", echo)
                        + EventEncoder.event("token", "2", "b")
                        + EventEncoder.event("done", "3", "c"));
            });
            config.routes.post("/slow", ctx -> streamUntilGone(ctx, EventEncoder.event(null, "1", "first")));
            config.routes.post("/problem", ctx -> {
                ctx.res().setStatus(400);
                ctx.res().setContentType("application/problem+json");
                write(ctx.res().getOutputStream(),
                        "{\"type\":\"about:blank\",\"title\":\"Bad prompt\",\"status\":400,\"detail\":\"prompt is empty\"}");
            });
            config.routes.post("/flaky", ctx -> {
                if (count(ctx) == 1) {
                    ctx.res().setStatus(500);
                    ctx.res().setContentType("text/plain");
                    write(ctx.res().getOutputStream(), "try again");
                    return;
                }
                write(stream(ctx), EventEncoder.event(null, "1", "ok"));
            });
            config.routes.post("/wrongtype", ctx -> {
                ctx.res().setStatus(200);
                ctx.res().setContentType("text/html");
                write(ctx.res().getOutputStream(), "<p>not a stream</p>");
            });
            config.routes.post("/drop", ctx -> {
                int call = count(ctx);
                String lastId = ctx.header("Last-Event-ID");
                streamIds.put(ctx.queryParam("key") + "#" + call, String.valueOf(ctx.header("Postsse-Stream")));
                if (call == 1) {
                    // A promised length never reached: the server ends the connection mid-stream.
                    ctx.res().setContentLength(100_000);
                    OutputStream out = stream(ctx);
                    write(out, EventEncoder.retry(50) + EventEncoder.event(null, "1", "one")
                            + EventEncoder.event(null, "2", "two"));
                    // Drop only once the client has shown both events: a failed stream discards what
                    // the browser had received but not yet handed to the reader.
                    dropNow.computeIfAbsent(ctx.queryParam("key"), k -> new CountDownLatch(1)).await(10, TimeUnit.SECONDS);
                    droppedAt.put(ctx.queryParam("key"), System.nanoTime());
                    return;
                }
                lastEventIds.put(ctx.queryParam("key"), String.valueOf(lastId));
                reconnectedAt.put(ctx.queryParam("key"), System.nanoTime());
                int from = lastId == null ? 1 : Integer.parseInt(lastId) + 1;
                StringBuilder rest = new StringBuilder();
                for (int id = from; id <= 3; id++) {
                    rest.append(EventEncoder.event(null, String.valueOf(id), id == 3 ? "three" : "again" + id));
                }
                write(stream(ctx), rest.toString());
            });
            config.routes.post("/hidden", ctx -> {
                count(ctx);
                OutputStream out = stream(ctx);
                write(out, EventEncoder.event(null, "1", "before hiding"));
                hiddenNow.computeIfAbsent(ctx.queryParam("key"), k -> new CountDownLatch(1)).await(10, TimeUnit.SECONDS);
                write(out, EventEncoder.event(null, "2", "while hidden"));
            });
            config.routes.post("/xss", ctx -> write(stream(ctx), EventEncoder.event(null, "1", XSS)));
            config.routes.post("/ids", ctx -> {
                int call = count(ctx);
                String key = ctx.queryParam("key");
                lastEventIds.put(key + "#" + call, String.valueOf(ctx.header("Last-Event-ID")));
                if (call == 3) {
                    write(stream(ctx), EventEncoder.event(null, null, "three"));
                    return;
                }
                ctx.res().setContentLength(100_000); // never reached: the body is cut short
                OutputStream out = stream(ctx);
                write(out, call == 1 ? EventEncoder.retry(10) + EventEncoder.event(null, "7", "one")
                        : EventEncoder.event(null, null, "two"));
                dropNow.computeIfAbsent(key + "#" + call, k -> new CountDownLatch(1)).await(10, TimeUnit.SECONDS);
            });
            config.routes.post("/refused", ctx -> {
                int call = count(ctx);
                String key = ctx.queryParam("key");
                if (call == 1) {
                    ctx.res().setContentLength(100_000);
                    OutputStream out = stream(ctx);
                    write(out, EventEncoder.retry(10) + EventEncoder.event(null, "1", "one"));
                    dropNow.computeIfAbsent(key, k -> new CountDownLatch(1)).await(10, TimeUnit.SECONDS);
                } else if (refusing.computeIfAbsent(key, k -> new CountDownLatch(1)).getCount() > 0) {
                    // What a restarting server looks like to fetch: the connection closes, no response.
                    // Until the test has seen the client report it: a browser tries a request once more
                    // by itself when a kept-alive connection closes under it, as often as it has one.
                    ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
                            .getEndPoint().close();
                } else {
                    lastEventIds.put(key, String.valueOf(ctx.header("Last-Event-ID")));
                    write(stream(ctx), EventEncoder.event(null, "2", "two"));
                }
            });
            config.routes.post("/throwing", ctx -> streamUntilGone(ctx,
                    EventEncoder.event("token", "1", "first") + EventEncoder.event("token", "2", "second")));
        }).start("127.0.0.1", 0);
        baseUrl = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private static int count(Context ctx) {
        return calls.computeIfAbsent(ctx.path() + "?" + ctx.queryParam("key"), k -> new AtomicInteger()).incrementAndGet();
    }

    private static OutputStream stream(Context ctx) throws IOException {
        ctx.res().setStatus(200);
        ctx.res().setContentType("text/event-stream;charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-store");
        return ctx.res().getOutputStream();
    }

    /**
     * Sends the events, then a comment every 20 ms for at most 15 s; counts down the key's
     * {@code cancelled} latch when a write fails because the client went away.
     */
    private static void streamUntilGone(Context ctx, String events) throws Exception {
        CountDownLatch latch = cancelled.computeIfAbsent(ctx.queryParam("key"), k -> new CountDownLatch(1));
        OutputStream out = stream(ctx);
        write(out, events);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        try {
            while (System.nanoTime() < deadline) {
                Thread.sleep(20);
                write(out, EventEncoder.comment("tick"));
            }
        } catch (IOException gone) {
            latch.countDown();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static Page open() {
        Page page = TestBrowser.CHROMIUM.newPage();
        page.navigate(baseUrl + "/client-test.html");
        page.waitForFunction("() => window.javaClient && window.postsse && window.jsClient", null,
                new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
        return page;
    }

    private static void stream(Page page, String client, String url, Map<String, Object> options) {
        page.evaluate("([client, url, options]) => window[client].stream(url, options)", List.of(client, url, options));
    }

    @SuppressWarnings("unchecked")
    private static List<String> awaitClose(Page page) {
        page.waitForFunction("() => window.log.some(line => line.startsWith('close '))", null,
                new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
        return (List<String>) page.evaluate("() => window.log.slice()");
    }

    @ParameterizedTest
    @ValueSource(strings = {"javaClient", "jsClient"})
    void eventsArriveInOrderWithTypesIdsAndPerTypeHandlers(String client) {
        try (Page page = open()) {
            stream(page, client, "/events", Map.of("types", List.of("token"), "body", "{\"q\":1}",
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

    @ParameterizedTest
    @ValueSource(strings = {"javaClient", "jsClient"})
    void closeMidStreamReportsCancelledOnceAndCancelsTheProducer(String client) throws Exception {
        String key = "close-" + client;
        CountDownLatch latch = cancelled.computeIfAbsent(key, k -> new CountDownLatch(1));
        try (Page page = open()) {
            stream(page, client, "/slow?key=" + key, Map.of());
            page.waitForFunction("() => window.log.some(line => line.startsWith('event '))", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            page.evaluate("() => { window.currentStream.close(); window.currentStream.close(); }");
            assertTrue(latch.await(10, TimeUnit.SECONDS), "the server's producer should see the client gone");
            // The producer noticed: had the client called back after closing, it would have by now.
            page.evaluate("() => new Promise(resolve => setTimeout(resolve, 0))");
            assertEquals(List.of("open 200", "event message first #1", "close cancelled"), awaitClose(page));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"javaClient", "jsClient"})
    void problemJsonIsATypedHttpErrorWithoutRetry(String client) {
        try (Page page = open()) {
            stream(page, client, "/problem", Map.of());
            assertEquals(List.of(
                    "error http_status 400 Bad prompt | prompt is empty retrying=false",
                    "close failed"), awaitClose(page));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"javaClient", "jsClient"})
    void serverErrorIsRetriedThenSucceeds(String client) {
        try (Page page = open()) {
            stream(page, client, "/flaky?key=" + client, Map.of("initialRetryMillis", 50));
            assertEquals(List.of(
                    "error http_status 500 HTTP 500 | try again retrying=true",
                    "open 200",
                    "event message ok #1",
                    "close completed"), awaitClose(page));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"javaClient", "jsClient"})
    void wrongContentTypeFailsAtOnce(String client) {
        try (Page page = open()) {
            stream(page, client, "/wrongtype", Map.of());
            assertEquals(List.of(
                    "error content_type 200 expected text/event-stream but got text/html |  retrying=false",
                    "close failed"), awaitClose(page));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"javaClient", "jsClient"})
    void droppedConnectionReconnectsWithLastEventIdAndNeverAfterANormalEnd(String client) {
        // The server sends "retry: 50" before dropping; it must win over the client's own first delay.
        String key = "drop-" + client;
        try (Page page = open()) {
            stream(page, client, "/drop?key=" + key, Map.of("initialRetryMillis", 5000));
            page.waitForFunction("() => window.log.includes('event message two #2')", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            dropNow.computeIfAbsent(key, k -> new CountDownLatch(1)).countDown();
            List<String> log = awaitClose(page);
            assertEquals("open 200", log.get(0));
            assertEquals("event message one #1", log.get(1));
            assertEquals("event message two #2", log.get(2));
            assertTrue(log.get(3).startsWith("error network 0 ") && log.get(3).endsWith("retrying=true"), log.get(3));
            assertEquals(List.of("open 200", "event message three #3", "close completed"), log.subList(4, log.size()));
            assertEquals("2", lastEventIds.get(key));
            assertEquals(2, calls.get("/drop?" + key).get(), "a stream that ended normally is never re-sent");
            assertTrue(streamIds.get(key + "#1").matches("[0-9a-f]{32}"), "a new stream proposes an id: " + streamIds);
            assertEquals(streamIds.get(key + "#1"), streamIds.get(key + "#2"), "and names it again on reconnecting");
            long gapMillis = TimeUnit.NANOSECONDS.toMillis(reconnectedAt.get(key) - droppedAt.get(key));
            assertTrue(gapMillis >= 50 && gapMillis < 4000,
                    "reconnect should follow the server's retry (50 ms + jitter), not the client's 5 s: " + gapMillis);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"javaClient", "jsClient"})
    void markupInDataStaysText(String client) {
        try (Page page = open()) {
            stream(page, client, "/xss", Map.of("renderInto", "out"));
            awaitClose(page);
            assertEquals(XSS, page.textContent("#out"));
            assertEquals(0, page.locator("#out img, #out script").count());
            assertNull(page.evaluate("() => window.pwned"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"javaClient", "jsClient"})
    void hiddenTabKeepsItsStreamAndSendsNothingAgain(String client) {
        String key = "hidden-" + client;
        try (Page page = open()) {
            stream(page, client, "/hidden?key=" + key, Map.of());
            page.waitForFunction("() => window.log.includes('event message before hiding #1')", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            // What a browser does when the tab goes to the background.
            page.evaluate("() => { Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
                    + " Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
                    + " document.dispatchEvent(new Event('visibilitychange')); }");
            hiddenNow.computeIfAbsent(key, k -> new CountDownLatch(1)).countDown();
            assertEquals(List.of("open 200", "event message before hiding #1", "event message while hidden #2",
                    "close completed"), awaitClose(page));
            assertEquals(1, calls.get("/hidden?" + key).get(), "hiding the tab must not re-send the request");
        }
    }

    /** Regression: each connection's fresh parser forgot the id, so the third sent no Last-Event-ID. */
    @ParameterizedTest
    @ValueSource(strings = {"javaClient", "jsClient"})
    void lastEventIdOutlivesAConnectionThatSetNone(String client) {
        String key = "ids-" + client;
        try (Page page = open()) {
            stream(page, client, "/ids?key=" + key, Map.of("initialRetryMillis", 10));
            page.waitForFunction("() => window.log.includes('event message one #7')", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            dropNow.computeIfAbsent(key + "#1", k -> new CountDownLatch(1)).countDown();
            page.waitForFunction("() => window.log.includes('event message two #7')", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            dropNow.computeIfAbsent(key + "#2", k -> new CountDownLatch(1)).countDown();
            List<String> log = awaitClose(page);
            assertEquals("event message three #7", log.get(log.size() - 2));
            assertEquals("close completed", log.get(log.size() - 1));
            assertEquals("null", lastEventIds.get(key + "#1"));
            assertEquals("7", lastEventIds.get(key + "#2"));
            assertEquals("7", lastEventIds.get(key + "#3"), "the third connection must send the last id seen");
        }
    }

    /** Regression: a reconnection that fetch rejected (a server restarting) ended the stream as failed. */
    @ParameterizedTest
    @ValueSource(strings = {"javaClient", "jsClient"})
    void refusedReconnectionIsRetried(String client) {
        String key = "refused-" + client;
        try (Page page = open()) {
            stream(page, client, "/refused?key=" + key,
                    Map.of("initialRetryMillis", 10, "maxRetryMillis", 100, "maxRetries", 100));
            page.waitForFunction("() => window.log.includes('event message one #1')", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            dropNow.computeIfAbsent(key, k -> new CountDownLatch(1)).countDown();
            page.waitForFunction("() => window.log.filter(line => line.startsWith('error ')).length >= 2", null,
                    new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
            refusing.computeIfAbsent(key, k -> new CountDownLatch(1)).countDown();
            List<String> log = awaitClose(page);
            assertEquals(List.of("open 200", "event message one #1"), log.subList(0, 2));
            List<String> errors = log.subList(2, log.size() - 3);
            assertTrue(errors.size() >= 2, "the cut, then at least one refused reconnection: " + log);
            for (String error : errors) {
                assertTrue(error.startsWith("error network 0 ") && error.endsWith("retrying=true"), log.toString());
            }
            assertEquals(List.of("open 200", "event message two #2", "close completed"),
                    log.subList(log.size() - 3, log.size()));
            assertEquals("1", lastEventIds.get(key));
        }
    }

    /** Regression: a callback that threw left the stream hanging, with neither onError nor onClose. */
    @ParameterizedTest
    @ValueSource(strings = {"javaClient", "jsClient"})
    void callbackThatThrowsEndsTheStreamAsFailed(String client) throws Exception {
        String key = "throwing-" + client;
        CountDownLatch latch = cancelled.computeIfAbsent(key, k -> new CountDownLatch(1));
        try (Page page = open()) {
            stream(page, client, "/throwing?key=" + key, Map.of("types", List.of("token"), "throwOn", "token"));
            List<String> log = awaitClose(page);
            assertEquals(4, log.size(), log.toString());
            assertEquals(List.of("open 200", "on:token first #1"), log.subList(0, 2));
            assertTrue(log.get(2).startsWith("error handler_failed 0 a callback threw: ")
                    && log.get(2).contains("boom in token") && log.get(2).endsWith("retrying=false"), log.get(2));
            assertEquals("close failed", log.get(3));
            assertTrue(latch.await(10, TimeUnit.SECONDS), "the connection should be closed");
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
    @ParameterizedTest
    @ValueSource(strings = {"javaClient", "jsClient"})
    void everyStreamEndsWithTheUncutTextThroughRandomCuts(String client) throws Exception {
        StringBuilder uncut = new StringBuilder();
        for (int i = 0; i < CUT_STREAM_EVENTS; i++) {
            uncut.append(cutStreamEvent(i));
        }
        Javalin streams = Javalin.create(config -> PostSse.install(config, sse -> {
            sse.allowedOrigins.add(baseUrl);
            sse.post("/resume", Object.class, (body, events) -> {
                String lastEventId = events.lastEventId();
                for (int i = lastEventId.isEmpty() ? 0 : Integer.parseInt(lastEventId) + 1; i < CUT_STREAM_EVENTS; i++) {
                    events.send(OutboundEvent.of(cutStreamEvent(i)).type("token").id(String.valueOf(i)));
                }
            });
        })).start("127.0.0.1", 0);
        long seed = client.equals("javaClient") ? 11 : 12;
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(streams.port(), seed, 0.6, 1800, false);
             Page page = open()) {
            int count = 20;
            for (int n = 0; n < count; n++) {
                page.evaluate("() => { window.log.length = 0; }");
                stream(page, client, proxy.uri("/resume").toString(),
                        Map.of("body", "{}", "maxRetries", 30, "initialRetryMillis", 1));
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
}
