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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The browser benchmark: one loopback server, one headless Chromium, and each client reading the
 * very same bytes in interleaved rounds. Prints Markdown tables.
 *
 * <p>Argument: the folder holding the bundled peers ({@code peers.js}). Run by
 * {@code bench/browser.sh}.
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
            config.staticFiles.add("/web", Location.CLASSPATH);
            config.staticFiles.add(peers.toString(), Location.EXTERNAL);
            config.routes.post("/events", BrowserBench::writeStream);
            config.routes.get("/events", BrowserBench::writeStream);
            PostSse.install(config, sse -> {
                sse.post("/paced-10", Object.class, (request, events) -> paced(events, 10, 50));
                sse.post("/paced-1000", Object.class, (request, events) -> paced(events, 1000, 2000));
            });
        }).start("127.0.0.1", 0);
        String base = "http://127.0.0.1:" + server.port();
        if (Boolean.getBoolean("serveOnly")) { // for a look, or a profiler, at the page
            System.out.println("serving " + base + "/bench.html");
            Thread.currentThread().join();
        }
        Path systemChromium = Path.of("/usr/bin/chromium");
        boolean system = Files.isExecutable(systemChromium);
        Playwright.CreateOptions createOptions = new Playwright.CreateOptions();
        BrowserType.LaunchOptions launch = new BrowserType.LaunchOptions().setHeadless(true);
        if (system) {
            createOptions.setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"));
            launch.setExecutablePath(systemChromium).setArgs(List.of("--no-sandbox", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"));
        }
        try (Playwright playwright = Playwright.create(createOptions); Browser browser = playwright.chromium().launch(launch)) {
            Page page = browser.newPage();
            page.setDefaultTimeout(120_000);
            page.navigate(base + "/bench.html");
            List<String> clients = new ArrayList<>(List.of("postsseJava", "postsseJs", "eventsourceParser",
                    "fetchEventSource", "nativeEventSource", "rawFetch"));
            if (Boolean.TRUE.equals(page.evaluate("() => !window.postsse"))) {
                clients.remove("postsseJs");
            }
            System.out.println("Chromium " + browser.version() + ", " + Runtime.version() + ", "
                    + Instant.now().toString().substring(0, 10) + ", medians of " + rounds + " interleaved rounds");
            System.out.println();
            throughput(page, clients, base, 200_000, 0, rounds);
            throughput(page, clients, base, 2_000, 65_536, rounds);
            latency(page, base);
        } finally {
            server.stop();
        }
    }

    private static void throughput(Page page, List<String> clients, String base, int events, int size, int rounds) {
        String url = base + "/events?n=" + events + "&size=" + size;
        int characters = eventBytes(events, size).length;
        Map<String, List<Double>> eventsPerSecond = new LinkedHashMap<>();
        clients.forEach(client -> eventsPerSecond.put(client, new ArrayList<>()));
        page.evaluate("url => bench.rawFetch(url)", url); // warm-up: the bytes are cached server-side
        for (int round = 0; round < rounds + 1; round++) {
            for (int i = 0; i < clients.size(); i++) {
                String client = clients.get((i + round) % clients.size());
                Run run = run(page, client, url, events);
                long expected = client.equals("rawFetch") ? characters : events;
                if (run.count() != expected) {
                    throw new IllegalStateException(client + " counted " + run.count() + ", expected " + expected);
                }
                if (round > 0) { // round 0 warms every client up
                    eventsPerSecond.get(client).add(events / run.millis() * 1000);
                }
            }
        }
        double parser = median(eventsPerSecond.get("eventsourceParser"));
        double nativeSource = median(eventsPerSecond.get("nativeEventSource"));
        System.out.printf(Locale.ROOT, "### Throughput: %,d events of %s%n%n", events,
                size == 0 ? "`data: {\"i\":N,\"t\":\"token\"}`" : (size / 1024) + " KiB");
        System.out.println("| client | events/s | × eventsource-parser | × native EventSource |");
        System.out.println("|---|---|---|---|");
        for (Map.Entry<String, List<Double>> entry : eventsPerSecond.entrySet()) {
            double median = median(entry.getValue());
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %.2f | %.2f |%n", label(entry.getKey()), median,
                    median / parser, median / nativeSource);
        }
        System.out.println();
    }

    private static Run run(Page page, String client, String url, int events) {
        @SuppressWarnings("unchecked")
        List<Number> result = (List<Number>) page.evaluate(
                "([client, url, n]) => bench[client](url, n).then(r => [r.ms, r.count])", List.of(client, url, events));
        return new Run(result.get(0).doubleValue(), result.get(1).longValue());
    }

    private static void latency(Page page, String base) {
        System.out.println("### Emit → DOM latency: from the server's send time to the event's text in the page");
        System.out.println();
        System.out.println("| client | rate | events | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|");
        for (String rate : List.of("10", "1000")) {
            for (String client : List.of("postsseJavaLatency", "rawFetchDomLatency", "rawFetchLatency")) {
                @SuppressWarnings("unchecked")
                List<Number> delays = (List<Number>) page.evaluate("([client, url]) => bench[client](url)",
                        List.of(client, base + "/paced-" + rate));
                double[] sorted = delays.stream().mapToDouble(Number::doubleValue).sorted().toArray();
                System.out.printf(Locale.ROOT, "| %s | %s/s | %d | %.2f | %.2f | %.2f |%n",
                        client.equals("rawFetchLatency") ? "raw fetch reader, no parser, no DOM (floor)"
                                : client.equals("rawFetchDomLatency") ? "raw fetch reader, a regex, text appended to the page"
                                : "postsse, Java API, text appended to the page",
                        rate, sorted.length, percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1]);
            }
        }
        System.out.println();
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
