package io.postsse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Page;
import io.javalin.Javalin;
import io.postsse.server.PostSse;
import io.postsse.testing.InBothBrowsers;
import io.postsse.testing.TestBrowser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The client as an ES module, {@code import {stream} from "/postsse.mjs"}, served by
 * {@code PostSse.serveClientScript()}, and the options {@code signal} and {@code lastEventId},
 * through the module and through {@code postsse.js} (one compiled client, two wrappers).
 */
class EsModuleTest {
    private static final double TIMEOUT_MS = 15_000;
    private static final List<String> CLIENTS = List.of("module", "script");

    /**
     * A page that imports the module and, with {@code script}, also loads postsse.js. Its harness logs
     * each callback as "name what" in {@code window.log}, and each fetch the client makes in
     * {@code window.fetches}. A stream's {@code signal} option is "fresh" (a new AbortController's,
     * kept under the stream's name), "aborted" (AbortSignal.abort()), or the name of another stream
     * whose signal it shares.
     */
    private static String page(boolean script) {
        return "<!doctype html><html><head><meta charset=utf-8><title>postsse.mjs</title></head><body>"
                + (script ? "<script src=\"/postsse.js\"></script>" : "")
                + "<script type=\"module\">\n"
                + "import * as postsseModule from '/postsse.mjs';\n"
                + "window.log = [];\n"
                + "window.fetches = [];\n"
                + "const realFetch = window.fetch;\n"
                + "window.fetch = function (url, init) {\n"
                + "  window.fetches.push(((init && init.method) || 'GET') + ' ' + url);\n"
                + "  return realFetch.apply(this, arguments);\n"
                + "};\n"
                + "const controllers = {}, handles = {};\n"
                + "window.harness = {\n"
                + "  exports: Object.keys(postsseModule).sort(),\n"
                + "  stream(client, name, url, o) {\n"
                + "    const api = client === 'module' ? postsseModule : window.postsse;\n"
                + "    const options = Object.assign({}, o, {\n"
                + "      onEvent: e => log.push(name + ' event ' + e.data + ' #' + e.lastEventId),\n"
                + "      onError: e => log.push(name + ' error ' + e.kind + ' ' + e.message),\n"
                + "      onClose: e => log.push(name + ' close ' + e.reason)});\n"
                + "    if (o.signal === 'fresh') { controllers[name] = new AbortController(); options.signal = controllers[name].signal; }\n"
                + "    else if (o.signal === 'aborted') { options.signal = AbortSignal.abort(); }\n"
                + "    else if (o.signal) { options.signal = controllers[o.signal].signal; }\n"
                + "    handles[name] = api.stream(url, options);\n"
                + "    log.push(name + ' returned');\n"
                + "  },\n"
                + "  abort(name) { controllers[name].abort(); },\n"
                + "  close(name) { handles[name].close(); },\n"
                + "  streamWithSignal(client, signal) {\n"
                + "    const api = client === 'module' ? postsseModule : window.postsse;\n"
                + "    try { api.stream('/count', {signal: signal}); return 'no error'; }\n"
                + "    catch (e) { return e.name + ': ' + e.message; }\n"
                + "  }\n"
                + "};\n"
                + "</script></body></html>";
    }

    private static final OptionRoutes routes = new OptionRoutes();
    private static Javalin server;
    private static String baseUrl;

    @BeforeAll
    static void start() {
        server = Javalin.create(config -> {
            config.routes.get("/module.html", ctx -> ctx.html(page(false)));
            config.routes.get("/both.html", ctx -> ctx.html(page(true)));
            PostSse.install(config, sse -> {
                sse.serveClientScript();
                routes.install(sse);
            });
        }).start("127.0.0.1", 0);
        baseUrl = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private static Page open(TestBrowser browser, String path) {
        Page page = browser.newPage();
        page.navigate(baseUrl + path);
        page.waitForFunction("() => window.harness", null, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
        return page;
    }

    private static void stream(Page page, String client, String name, String url, Map<String, Object> options) {
        page.evaluate("([client, name, url, options]) => window.harness.stream(client, name, url, options)",
                List.of(client, name, url, options));
    }

    private static void awaitLog(Page page, String line) {
        page.waitForFunction("line => window.log.includes(line)", line,
                new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
    }

    private static void awaitLogStartingWith(Page page, String prefix) {
        page.waitForFunction("prefix => window.log.some(line => line.startsWith(prefix))", prefix,
                new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
    }

    /** The log lines of one stream, without its name. */
    @SuppressWarnings("unchecked")
    private static List<String> log(Page page, String name) {
        List<String> lines = new ArrayList<>();
        for (String line : (List<String>) page.evaluate("() => window.log.slice()")) {
            if (line.startsWith(name + " ")) {
                lines.add(line.substring(name.length() + 1));
            }
        }
        return lines;
    }

    @SuppressWarnings("unchecked")
    private static List<String> fetches(Page page) {
        return (List<String>) page.evaluate("() => window.fetches.slice()");
    }

    @InBothBrowsers
    void anImportedModuleStreamsAndDefinesNoGlobal(TestBrowser browser) {
        try (Page page = open(browser, "/module.html")) {
            assertEquals(List.of("resume", "stream"), page.evaluate("() => window.harness.exports"));
            assertEquals("undefined", page.evaluate("() => typeof window.postsse"));

            stream(page, "module", "a", "/count", Map.of("body", Map.of("key", "import-" + browser)));
            awaitLog(page, "a close completed");
            assertEquals(List.of("returned", "event n1 #1", "event n2 #2", "event n3 #3", "event n4 #4", "event n5 #5",
                    "close completed"), log(page, "a"));
            assertEquals("none", routes.lastEventId("import-" + browser));
        }
    }

    @InBothBrowsers
    void lastEventIdIsSentOnTheFirstRequest(TestBrowser browser) {
        try (Page page = open(browser, "/both.html")) {
            for (String client : CLIENTS) {
                String key = "resume-" + client + "-" + browser;
                stream(page, client, client, "/count", Map.of("body", Map.of("key", key), "lastEventId", "2"));
                awaitLog(page, client + " close completed");
                assertEquals(List.of("returned", "event n3 #3", "event n4 #4", "event n5 #5", "close completed"),
                        log(page, client), client);
                assertEquals("2", routes.lastEventId(key), client);
            }
        }
    }

    @InBothBrowsers
    void lastEventIdAttachesToAResumableStreamAfterThatEvent(TestBrowser browser) {
        try (Page page = open(browser, "/both.html")) {
            for (String client : CLIENTS) {
                String key = "attach-" + client + "-" + browser;
                String first = client + "-first";
                stream(page, client, first, "/story", Map.of("body", Map.of("key", key)));
                awaitLog(page, first + " close completed");
                List<String> events = log(page, first).subList(1, 11);
                assertTrue(events.get(3).startsWith("event s4 #"), events.toString());
                String fourth = events.get(3).substring("event s4 #".length());

                String again = client + "-again";
                stream(page, client, again, "/story", Map.of("body", Map.of("key", key), "lastEventId", fourth));
                awaitLog(page, again + " close completed");
                List<String> expected = new ArrayList<>(List.of("returned"));
                expected.addAll(events.subList(4, 10));
                expected.add("close completed");
                assertEquals(expected, log(page, again), client);
                assertEquals(1, routes.runs(key), "attached to the stream, not started again: " + client);
            }
        }
    }

    @InBothBrowsers
    void abortingTheSignalClosesItsStreamsAsCancelledAndStopsThemOnTheServer(TestBrowser browser) throws Exception {
        try (Page page = open(browser, "/both.html")) {
            for (String client : CLIENTS) {
                String key = "abort-" + client + "-" + browser;
                String shared = key + "-shared";
                CountDownLatch stopped = routes.cancelled(key);
                CountDownLatch sharedStopped = routes.cancelled(shared);
                stream(page, client, key, "/endless", Map.of("body", Map.of("key", key), "signal", "fresh"));
                stream(page, client, shared, "/endless", Map.of("body", Map.of("key", shared), "signal", key));
                awaitLogStartingWith(page, key + " event tick 1 #");
                awaitLogStartingWith(page, shared + " event tick 1 #");

                page.evaluate("name => window.harness.abort(name)", key);
                for (String name : List.of(key, shared)) {
                    List<String> lines = log(page, name);
                    assertEquals("close cancelled", lines.get(lines.size() - 1), client + " " + lines);
                }
                assertTrue(stopped.await(10, TimeUnit.SECONDS), "the server's producer is stopped: " + client);
                assertTrue(sharedStopped.await(10, TimeUnit.SECONDS), "so is the other stream's: " + client);
                assertEquals(2, fetches(page).stream().filter("DELETE /endless"::equals).count(),
                        "each stream is stopped on the server, as by close(): " + fetches(page));

                // Closed once: neither close() nor the signal calls back again, nor does any event.
                page.evaluate("name => { window.harness.close(name); window.harness.abort(name); }", key);
                page.evaluate("() => new Promise(resolve => setTimeout(resolve, 0))");
                for (String name : List.of(key, shared)) {
                    List<String> lines = log(page, name);
                    assertEquals("close cancelled", lines.get(lines.size() - 1), client + " " + lines);
                    assertEquals(1, lines.stream().filter(line -> line.startsWith("close ")).count(), client + " " + lines);
                }
                page.evaluate("() => { window.fetches.length = 0; }");
            }
        }
    }

    @InBothBrowsers
    void anAlreadyAbortedSignalSendsNothingAndClosesOnceStreamReturned(TestBrowser browser) {
        try (Page page = open(browser, "/both.html")) {
            for (String client : CLIENTS) {
                String key = "aborted-" + client + "-" + browser;
                stream(page, client, key, "/count", Map.of("body", Map.of("key", key), "signal", "aborted"));
                awaitLog(page, key + " close cancelled");
                assertEquals(List.of("returned", "close cancelled"), log(page, key), client);
                assertEquals(List.of(), fetches(page), client);
                assertEquals(0, routes.runs(key), client);
            }
        }
    }

    @InBothBrowsers
    void aSignalThatIsNoAbortSignalIsATypeError(TestBrowser browser) {
        try (Page page = open(browser, "/both.html")) {
            for (String client : CLIENTS) {
                for (String signal : List.of("'now'", "{}", "{aborted: false}")) {
                    assertEquals("TypeError: postsse: options.signal is not an AbortSignal",
                            page.evaluate("client => window.harness.streamWithSignal(client, " + signal + ")", client),
                            client + " " + signal);
                }
            }
            assertEquals(List.of(), fetches(page));
        }
    }
}
