package io.postsse.bench.browser;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.postsse.server.PostSse;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The browser benchmark: one loopback server, headless Chromium and Firefox, and each client
 * reading the very same bytes in interleaved rounds. Throughput is measured in both browsers, side
 * by side; emit → DOM latency in Chromium alone, whose {@code gc()} and tracing it uses. Prints
 * Markdown tables.
 *
 * <p>Argument: the folder holding the bundled peers ({@code peers.js}). System properties:
 * {@code rounds} (default 5) and {@code parts}: {@code all}, {@code throughput} or {@code latency}.
 * Run by {@code bench/browser.sh}.
 */
public final class BrowserBench {
    /** One client's reading of one stream: how long, and how many events (characters for the ceiling). */
    private record Run(double millis, long count) {
    }

    private static final Map<String, byte[]> STREAMS = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        Path peers = Path.of(args[0]).toAbsolutePath();
        int rounds = Integer.parseInt(System.getProperty("rounds", "5"));
        Javalin server = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = Runtime.version().feature() >= 21;
            config.staticFiles.add("/bench-web", Location.CLASSPATH);
            config.staticFiles.add(peers.toString(), Location.EXTERNAL);
            config.routes.post("/events", BrowserBench::writeStream);
            config.routes.get("/events", BrowserBench::writeStream);
            PostSse.install(config, sse -> {
                sse.serveClientScript();
                sse.post("/paced-10", Object.class, (request, events) -> paced(events, 10, 50));
                sse.post("/paced-1000", Object.class, (request, events) -> paced(events, 1000, 2000));
            });
        }).start("127.0.0.1", 0);
        String base = "http://127.0.0.1:" + server.port();
        if (Boolean.getBoolean("serveOnly")) { // for a look, or a profiler, at the page
            System.out.println("serving " + base + "/bench.html");
            Thread.currentThread().join();
        }
        Playwright.CreateOptions createOptions = new Playwright.CreateOptions();
        if (Arrays.stream(BenchBrowser.values()).allMatch(BenchBrowser::onSystem)) {
            createOptions.setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"));
        }
        String parts = System.getProperty("parts", "all");
        try (Playwright playwright = Playwright.create(createOptions)) { // closing it closes the browsers
            Map<BenchBrowser, Browser> browsers = new EnumMap<>(BenchBrowser.class);
            Map<BenchBrowser, Page> pages = new EnumMap<>(BenchBrowser.class);
            StringBuilder versions = new StringBuilder();
            for (BenchBrowser benchBrowser : BenchBrowser.values()) {
                Browser browser = benchBrowser.launch(playwright);
                browsers.put(benchBrowser, browser);
                pages.put(benchBrowser, benchPage(browser, base));
                versions.append(benchBrowser).append(' ').append(browser.version()).append(", ");
            }
            List<String> clients = new ArrayList<>(List.of("postsseJava", "postsseJs", "eventsourceParser",
                    "fetchEventSource", "nativeEventSource", "rawFetch"));
            if (Boolean.TRUE.equals(pages.get(BenchBrowser.CHROMIUM).evaluate("() => !window.postsse"))) {
                clients.remove("postsseJs");
            }
            System.out.println(versions + Runtime.version().toString() + ", "
                    + Instant.now().toString().substring(0, 10) + ", medians of " + rounds + " interleaved rounds");
            System.out.println();
            if (!parts.equals("latency")) {
                throughput(pages, clients, base, 200_000, 0, rounds);
                throughput(pages, clients, base, 2_000, 65_536, rounds);
            }
            if (!parts.equals("throughput")) {
                latency(pages.get(BenchBrowser.CHROMIUM), browsers.get(BenchBrowser.CHROMIUM), base, rounds);
            }
        } finally {
            server.stop();
        }
    }

    /** Each browser's page at the benchmark, its waits as long as the slowest run may take. */
    private static Page benchPage(Browser browser, String base) {
        Page page = browser.newPage();
        page.setDefaultTimeout(120_000);
        page.navigate(base + "/bench.html");
        return page;
    }

    /**
     * Every client in every browser, in interleaved rounds: each round takes the browsers in turn
     * and the clients in an order that rotates, so that a change in the machine's load falls on all.
     */
    private static void throughput(Map<BenchBrowser, Page> pages, List<String> clients, String base, int events,
            int size, int rounds) {
        String url = base + "/events?n=" + events + "&size=" + size;
        int characters = eventBytes(events, size).length;
        Map<BenchBrowser, Map<String, List<Double>>> eventsPerSecond = new EnumMap<>(BenchBrowser.class);
        pages.forEach((browser, page) -> {
            Map<String, List<Double>> perClient = new LinkedHashMap<>();
            clients.forEach(client -> perClient.put(client, new ArrayList<>()));
            eventsPerSecond.put(browser, perClient);
            page.evaluate("url => bench.rawFetch(url)", url); // warm-up: the bytes are cached server-side
        });
        for (int round = 0; round < rounds + 1; round++) {
            for (Map.Entry<BenchBrowser, Page> browser : pages.entrySet()) {
                for (int i = 0; i < clients.size(); i++) {
                    String client = clients.get((i + round) % clients.size());
                    Run run = run(browser.getValue(), client, url, events);
                    long expected = client.equals("rawFetch") ? characters : events;
                    if (run.count() != expected) {
                        throw new IllegalStateException(browser.getKey() + ", " + client + " counted " + run.count()
                                + ", expected " + expected);
                    }
                    if (round > 0) { // round 0 warms every client up
                        eventsPerSecond.get(browser.getKey()).get(client).add(events / run.millis() * 1000);
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "### Throughput: %,d events of %s%n%n", events,
                size == 0 ? "`data: {\"i\":N,\"t\":\"token\"}`" : (size / 1024) + " KiB");
        StringBuilder header = new StringBuilder("| client |");
        StringBuilder rule = new StringBuilder("|---|");
        for (BenchBrowser browser : pages.keySet()) {
            header.append(' ').append(browser).append(" events/s | × eventsource-parser | × native EventSource |");
            rule.append("---|---|---|");
        }
        System.out.println(header);
        System.out.println(rule);
        for (String client : clients) {
            StringBuilder line = new StringBuilder("| ").append(label(client)).append(" |");
            for (Map<String, List<Double>> perClient : eventsPerSecond.values()) {
                double median = median(perClient.get(client));
                double parser = median(perClient.get("eventsourceParser"));
                double nativeSource = median(perClient.get("nativeEventSource"));
                line.append(String.format(Locale.ROOT, " %,.0f | %.2f | %.2f |", median, median / parser,
                        median / nativeSource));
            }
            System.out.println(line);
        }
        System.out.println();
    }

    private static Run run(Page page, String client, String url, int events) {
        @SuppressWarnings("unchecked")
        List<Number> result = (List<Number>) page.evaluate(
                "([client, url, n]) => bench[client](url, n).then(r => [r.ms, r.count])", List.of(client, url, events));
        return new Run(result.get(0).doubleValue(), result.get(1).longValue());
    }

    /** The latency runners of bench.html, in the order of the table, with their labels. */
    private static final Map<String, String> LATENCY_CLIENTS = new LinkedHashMap<>();

    static {
        LATENCY_CLIENTS.put("postsseJavaLatency", "postsse, Java API, a line appended to the page");
        LATENCY_CLIENTS.put("rawFetchDomLatency", "raw fetch reader, a regex, a line appended to the page");
        LATENCY_CLIENTS.put("postsseJavaNoDomLatency", "postsse, Java API, parsed and dispatched, no DOM");
        LATENCY_CLIENTS.put("rawFetchLatency", "raw fetch reader, no parser, no DOM (floor)");
    }

    /** One latency run: per event, in arrival order, its delay and its arrival as performance.now(), in ms. */
    private record LatencyRun(List<Double> delays, List<Double> arrivals) {
    }

    /**
     * Every latency client at each rate, in interleaved rounds whose order rotates, each run after a
     * full garbage collection so that none inherits another's garbage; the delays of all rounds are
     * pooled. Then one more postsse run at the high rate, traced, to say where its slowest events waited.
     */
    private static void latency(Page page, Browser browser, String base, int rounds) {
        List<String> clients = new ArrayList<>(LATENCY_CLIENTS.keySet());
        System.out.println("### Emit → DOM latency: from the server's send time to the event's text in the page");
        System.out.println();
        System.out.println("Each event's text, followed by a line break, is appended to the page as it arrives;"
                + " delays of " + rounds + " interleaved rounds pooled, a full garbage collection before each run.");
        System.out.println();
        System.out.println("| client | rate | events | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|");
        for (String rate : List.of("10", "1000")) {
            Map<String, List<Double>> delays = new LinkedHashMap<>();
            clients.forEach(client -> delays.put(client, new ArrayList<>()));
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < clients.size(); i++) {
                    String client = clients.get((i + round) % clients.size());
                    delays.get(client).addAll(latencyRun(page, client, base + "/paced-" + rate).delays());
                }
            }
            for (String client : clients) {
                double[] sorted = delays.get(client).stream().mapToDouble(Double::doubleValue).sorted().toArray();
                System.out.printf(Locale.ROOT, "| %s | %s/s | %d | %.2f | %.2f | %.2f |%n", LATENCY_CLIENTS.get(client),
                        rate, sorted.length, percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1]);
            }
        }
        System.out.println();
        slowestEventsProfile(page, browser, base + "/paced-1000");
    }

    private static LatencyRun latencyRun(Page page, String client, String url) {
        page.evaluate("() => gc()");
        @SuppressWarnings("unchecked")
        Map<String, List<Number>> run = (Map<String, List<Number>>) page.evaluate(
                "([client, url]) => bench.latency(client, url)", List.of(client, url));
        return new LatencyRun(run.get("delays").stream().map(Number::doubleValue).toList(),
                run.get("arrivals").stream().map(Number::doubleValue).toList());
    }

    /**
     * Traces one postsse run at 1,000 events/s and prints, for its slowest 1% of events, what the
     * page's main thread was doing while they waited: sampled every 0.1 ms over each one's wait,
     * from its server send time to its text in the page.
     */
    private static void slowestEventsProfile(Page page, Browser browser, String url) {
        page.evaluate("() => gc()");
        browser.startTracing(page, new Browser.StartTracingOptions().setCategories(List.of(
                "toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing")));
        LatencyRun run = latencyRun(page, "postsseJavaLatency", url);
        double markAt = ((Number) page.evaluate("() => performance.mark('postsse-trace-sync').startTime")).doubleValue();
        byte[] trace = browser.stopTracing();
        MainThreadTrace mainThread = MainThreadTrace.parse(trace, "postsse-trace-sync", markAt);
        Integer[] slowest = new Integer[run.delays().size()];
        for (int i = 0; i < slowest.length; i++) {
            slowest[i] = i;
        }
        Arrays.sort(slowest, (x, y) -> Double.compare(run.delays().get(y), run.delays().get(x)));
        int tail = Math.max(1, slowest.length / 100);
        Map<String, Double> waited = new LinkedHashMap<>();
        double total = 0;
        for (int k = 0; k < tail; k++) {
            int event = slowest[k];
            double end = run.arrivals().get(event);
            for (double at = end - run.delays().get(event); at < end; at += 0.1) {
                waited.merge(mainThread.activityAt(at), 0.1, Double::sum);
                total += 0.1;
            }
        }
        double[] sorted = run.delays().stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "### Where postsse's slowest events waited: the page's main thread during the"
                + " slowest 1%% (%d events, from %.2f ms) of one traced run at 1000/s%n%n", tail, sorted[sorted.length - tail]);
        System.out.println("| the main thread was | share of their wait | ms per slow event |");
        System.out.println("|---|---|---|");
        double totalWait = total;
        waited.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).forEach(entry ->
                System.out.printf(Locale.ROOT, "| %s | %.0f%% | %.2f |%n", entry.getKey(),
                        100 * entry.getValue() / totalWait, entry.getValue() / tail));
        System.out.println();
    }

    /**
     * The browsers the page runs in, each the system's where there is one, as the tests run them:
     * Debian's {@code /usr/bin/chromium}, and {@code /usr/bin/firefox-esr} driven through WebDriver
     * BiDi; elsewhere Playwright's own.
     */
    private enum BenchBrowser {
        CHROMIUM("Chromium", Path.of("/usr/bin/chromium")) {
            @Override
            Browser launch(Playwright playwright) {
                // --expose-gc gives the page gc(), so that each latency run starts from a collected heap.
                BrowserType.LaunchOptions options = new BrowserType.LaunchOptions().setHeadless(true)
                        .setArgs(List.of("--js-flags=--expose-gc"));
                if (onSystem()) {
                    options.setExecutablePath(executable).setArgs(List.of("--js-flags=--expose-gc", "--no-sandbox",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            "--no-first-run", "--disable-quic"));
                }
                return playwright.chromium().launch(options);
            }
        },
        FIREFOX("Firefox", Path.of("/usr/bin/firefox-esr")) {
            @Override
            Browser launch(Playwright playwright) {
                BrowserType.LaunchOptions options = new BrowserType.LaunchOptions().setHeadless(true);
                if (onSystem()) {
                    // A stock Firefox, not Playwright's patched build: driven through WebDriver BiDi.
                    options.setChannel("moz-firefox").setExecutablePath(executable);
                }
                return playwright.firefox().launch(options);
            }
        };

        private final String displayName;
        final Path executable;

        BenchBrowser(String displayName, Path executable) {
            this.displayName = displayName;
            this.executable = executable;
        }

        abstract Browser launch(Playwright playwright);

        boolean onSystem() {
            return Files.isExecutable(executable);
        }

        /** The name in the tables: "Chromium", "Firefox". */
        @Override
        public String toString() {
            return displayName;
        }
    }

    /** Sends {@code count} events {@code rate} per second, on schedule, each stamped with its send time. */
    private static void paced(io.postsse.server.EventEmitter events, int rate, int count) throws InterruptedException {
        long interval = 1_000_000_000L / rate;
        long next = System.nanoTime();
        for (int i = 0; i < count; i++) {
            next += interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            Instant now = Instant.now();
            events.send("{\"t\":" + (now.getEpochSecond() * 1000 + now.getNano() / 1e6) + "}");
        }
    }

    private static String label(String client) {
        switch (client) {
            case "postsseJava":
                return "postsse, Java API (TeaVM)";
            case "postsseJs":
                return "postsse, postsse.js";
            case "eventsourceParser":
                return "eventsource-parser (EventSourceParserStream)";
            case "fetchEventSource":
                return "@microsoft/fetch-event-source";
            case "nativeEventSource":
                return "native EventSource (GET)";
            default:
                return "raw fetch + TextDecoderStream, counting characters (ceiling)";
        }
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static double percentile(double[] sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)];
    }

    private static void writeStream(Context ctx) throws Exception {
        int count = Integer.parseInt(ctx.queryParam("n"));
        int size = Integer.parseInt(ctx.queryParamAsClass("size", String.class).getOrDefault("0"));
        byte[] bytes = STREAMS.computeIfAbsent(count + "/" + size, key -> eventBytes(count, size));
        ctx.res().setStatus(200);
        ctx.res().setContentType("text/event-stream; charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        OutputStream out = ctx.res().getOutputStream();
        for (int offset = 0; offset < bytes.length; offset += 65536) {
            out.write(bytes, offset, Math.min(65536, bytes.length - offset));
        }
        out.flush();
    }

    /** {@code count} events of {@code data: {"i":N,"t":"token"}}, or with {@code size} characters of padding. */
    static byte[] eventBytes(int count, int size) {
        String padding = "x".repeat(size);
        StringBuilder text = new StringBuilder(count * (30 + size));
        for (int i = 0; i < count; i++) {
            text.append("data: {\"i\":").append(i).append(",\"t\":\"").append(size == 0 ? "token" : padding).append("\"}\n\n");
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }
}
