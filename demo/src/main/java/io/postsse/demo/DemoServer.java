package io.postsse.demo;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.staticfiles.Location;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.postsse.server.EventEmitter;
import io.postsse.server.PostSse;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo app: the chat page, the inspector page, and the streaming endpoint {@code POST /api/chat},
 * answered by the offline generator or by a relayed OpenAI-compatible server, resumable; also
 * {@code /postsse.js}, the client for plain JavaScript, and {@code /metrics}, the streams' meters
 * and the JVM's in Prometheus's text format.
 *
 * <p>Its defaults keep it to this machine: it listens on 127.0.0.1 unless {@code HOST} says
 * otherwise, its stream route and its metrics answer only the {@code Host} names of
 * {@link HostAllowlist}, and its responses forbid sniffing, framing, and (on its pages) any script
 * but its own files.
 */
public final class DemoServer {
    /** The pause between two tokens of the built-in generator, so that streaming is visible. */
    public static final Duration DEFAULT_TOKEN_DELAY = Duration.ofMillis(30);
    /** The address the demo listens on unless {@code HOST} is set: this machine only. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /**
     * The pages' policy: scripts, styles and connections from the demo's own origin only, nothing
     * inline, and no framing by any origin.
     */
    static final String PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    /**
     * The inspector's: the same, but it may connect anywhere, since it sends requests to whatever
     * endpoint the user types. Its script puts what it receives in the page as text only.
     */
    static final String INSPECTOR_POLICY = PAGE_POLICY.replace("connect-src 'self'", "connect-src *");
    /** The type of {@code /metrics}: Prometheus's text format, which every scraper reads. */
    static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Logger LOG = LoggerFactory.getLogger(DemoServer.class);

    private DemoServer() {
    }

    public static void main(String[] args) {
        Javalin app;
        try {
            app = start(System.getenv());
        } catch (IllegalArgumentException e) {
            LOG.error("Not started: {}", e.getMessage());
            System.exit(2);
            return;
        }
        // A plain kill stops the server: its open streams are broken, so that clients know to reconnect.
        Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "postsse-demo-stop"));
    }

    /**
     * Starts the demo as the environment says: {@code HOST} and {@code PORT}, the backend (see
     * {@link #backendFromEnvironment}), {@code POSTSSE_REDIS_URL} and {@code POSTSSE_ALLOWED_HOSTS};
     * logs what it serves, and from where.
     *
     * @throws IllegalArgumentException when a variable's value is not usable, saying which
     */
    static Javalin start(Map<String, String> env) {
        String host = bindHost(env);
        int port = (int) number(env, "PORT", 7070, 0, 65535);
        ChatBackend backend = backendFromEnvironment(env);
        HostAllowlist hosts = HostAllowlist.of(host, env.get("POSTSSE_ALLOWED_HOSTS"));
        // POSTSSE_REDIS_URL: the streams' logs in that Redis, so that several demo servers share them.
        String redisUrl = value(env, "POSTSSE_REDIS_URL", "");
        LOG.info("Replies: {}", backend.describe());
        Javalin app = create(backend, redisUrl.isEmpty() ? null : redisUrl, hosts).start(host, port);
        LOG.info("Serving http://{}:{}/ ; the chat's stream route answers the hosts {}",
                host.indexOf(':') >= 0 ? "[" + host + "]" : host, app.port(), hosts.describe().replace("<port>",
                        String.valueOf(app.port())));
        if (!isLoopback(host)) {
            LOG.warn("HOST={}: the demo is reachable from the network{}", host, value(env, "POSTSSE_UPSTREAM_KEY", "").isEmpty()
                    ? "." : ", and anyone who reaches it spends the POSTSSE_UPSTREAM_KEY it relays with.");
        }
        return app;
    }

    /** The address to listen on: {@code HOST}, else {@value #DEFAULT_HOST} (this machine only). */
    static String bindHost(Map<String, String> env) {
        return value(env, "HOST", DEFAULT_HOST).trim();
    }

    /**
     * The backend the environment asks for: a relay to {@code POSTSSE_UPSTREAM_URL} (with
     * {@code POSTSSE_UPSTREAM_KEY}, {@code POSTSSE_UPSTREAM_MODEL} and the
     * {@code POSTSSE_UPSTREAM_*_TIMEOUT_MS} timeouts) when it is set, else the offline generator,
     * paced by {@code POSTSSE_TOKEN_DELAY_MS}.
     *
     * @throws IllegalArgumentException when a variable's value is not usable, saying which
     */
    static ChatBackend backendFromEnvironment(Map<String, String> env) {
        String upstream = value(env, "POSTSSE_UPSTREAM_URL", "");
        if (!upstream.isEmpty()) {
            URI baseUrl;
            try {
                baseUrl = URI.create(upstream.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("POSTSSE_UPSTREAM_URL is not a URL");
            }
            if (!("http".equals(baseUrl.getScheme()) || "https".equals(baseUrl.getScheme())) || baseUrl.getHost() == null) {
                throw new IllegalArgumentException("POSTSSE_UPSTREAM_URL must be an http or https URL");
            }
            return OpenAiRelay.builder(baseUrl)
                    .apiKey(value(env, "POSTSSE_UPSTREAM_KEY", ""))
                    .model(value(env, "POSTSSE_UPSTREAM_MODEL", OpenAiRelay.DEFAULT_MODEL))
                    .connectTimeout(millis(env, "POSTSSE_UPSTREAM_CONNECT_TIMEOUT_MS", OpenAiRelay.DEFAULT_CONNECT_TIMEOUT))
                    .firstByteTimeout(millis(env, "POSTSSE_UPSTREAM_FIRST_BYTE_TIMEOUT_MS", OpenAiRelay.DEFAULT_FIRST_BYTE_TIMEOUT))
                    .idleTimeout(millis(env, "POSTSSE_UPSTREAM_IDLE_TIMEOUT_MS", OpenAiRelay.DEFAULT_IDLE_TIMEOUT))
                    .build();
        }
        return new OfflineBackend(Duration.ofMillis(number(env, "POSTSSE_TOKEN_DELAY_MS", DEFAULT_TOKEN_DELAY.toMillis(),
                0, Integer.MAX_VALUE)));
    }

    /** The app with the offline generator, configured but not started. */
    public static Javalin create(Duration tokenDelay) {
        return create(new OfflineBackend(tokenDelay));
    }

    /** The app, configured but not started, with the streams' logs in memory. */
    public static Javalin create(ChatBackend backend) {
        return create(backend, null);
    }

    /**
     * The app, configured but not started, with the streams' logs in the Redis at {@code redisUrl},
     * or in memory when it is null; its stream route answers the loopback names only.
     */
    public static Javalin create(ChatBackend backend, String redisUrl) {
        return create(backend, redisUrl, HostAllowlist.loopback());
    }

    /**
     * The app, configured but not started, with the streams' logs in the Redis at {@code redisUrl}
     * (in memory when it is null), its stream route and its metrics answering the hosts of
     * {@code hosts} only.
     */
    public static Javalin create(ChatBackend backend, String redisUrl, HostAllowlist hosts) {
        PrometheusMeterRegistry metrics = metrics();
        return Javalin.create(config -> {
            config.concurrency.useVirtualThreads = Runtime.version().feature() >= 21;
            config.staticFiles.add("/web", Location.CLASSPATH);
            // Every response: pages, scripts, streams, problems, and the 404s.
            config.routes.before(DemoServer::securityHeaders);
            // Before any stream byte, and before the body is read: a request for another host is refused.
            config.routes.before("/api/*", ctx -> checkHost(ctx, hosts));
            // The pages name their icon; this is for whatever asks for the conventional one. Not a
            // permanent redirect: a browser would keep it for the next app on this port.
            config.routes.get("/favicon.ico", ctx -> ctx.redirect("/favicon.svg", HttpStatus.FOUND));
            // Not secret, but this machine's business: a rebound name gets no more of it than of the chat.
            config.routes.before("/metrics", ctx -> checkHost(ctx, hosts));
            config.routes.get("/metrics", ctx -> ctx.contentType(METRICS_CONTENT_TYPE).result(metrics.scrape()));
            PostSse.install(config, sse -> {
                sse.serveClientScript();
                sse.metrics(metrics);
                sse.redisUrl = redisUrl;
                // Resumable: a reply is produced once, and a client cut off or reloaded takes it up again.
                sse.post("/api/chat", ChatRequest.class, ChatRequest::problem,
                        (chat, events) -> streamReply(backend, chat, events)).resumable();
            });
        });
    }

    /** A registry of this app's own: the streams' meters, and the JVM's memory, threads, CPU and uptime. */
    private static PrometheusMeterRegistry metrics() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    /**
     * No content sniffing, no framing, and a policy that allows the pages no script but their own
     * files (on a response that is not a page, the policy does nothing, and costs nothing).
     */
    private static void securityHeaders(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Content-Security-Policy", ctx.path().equals("/inspector.html") ? INSPECTOR_POLICY : PAGE_POLICY);
    }

    private static void checkHost(Context ctx, HostAllowlist hosts) {
        String host = ctx.header("Host");
        if (hosts.allows(host, ctx.req().getLocalPort())) {
            return;
        }
        LOG.info("Refused {} {} for Host {}: not an allowed host", ctx.method(), ctx.path(),
                host == null ? "(none)" : "\"" + LogText.of(host.length() > 200 ? host.substring(0, 200) : host) + "\"");
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        problem.put("title", "Forbidden");
        problem.put("status", 403);
        problem.put("detail", "This server does not answer requests for that Host. If the name is the server's own,"
                + " add it to POSTSSE_ALLOWED_HOSTS.");
        ctx.status(403);
        ctx.contentType("application/problem+json");
        ctx.result(ctx.jsonMapper().toJsonString(problem, Map.class));
        ctx.skipRemainingHandlers();
    }

    /**
     * One {@code token} event per piece of the reply, then {@code done}; or {@code error} if the
     * model failed: a problem in the relay's words (the upstream's own are logged here, once).
     */
    private static void streamReply(ChatBackend backend, ChatRequest chat, EventEmitter events) throws Exception {
        long started = System.nanoTime();
        int[] tokens = {0};
        ChatBackend.Completion completion;
        try {
            completion = backend.reply(chat.conversation(), text -> {
                events.send("token", Map.of("text", text));
                tokens[0]++;
            });
        } catch (UpstreamException e) {
            LOG.warn("Stream {}: the reply failed after {} ms, {} tokens: {}", events.streamId(),
                    (System.nanoTime() - started) / 1_000_000, tokens[0], e.logDetail());
            events.fail(e.status() == 504 ? 504 : 502, e.getMessage()); // the stream ends failed
            return;
        }
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("tokens", tokens[0]);
        done.put("elapsedMs", (System.nanoTime() - started) / 1_000_000);
        if (completion.finishReason() != null) {
            done.put("finishReason", completion.finishReason());
        }
        if (completion.usage() != null) {
            done.put("usage", completion.usage());
        }
        events.send("done", done);
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String value(Map<String, String> env, String name, String fallback) {
        String value = env.get(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static Duration millis(Map<String, String> env, String name, Duration fallback) {
        return Duration.ofMillis(number(env, name, fallback.toMillis(), 1, Integer.MAX_VALUE));
    }

    private static long number(Map<String, String> env, String name, long fallback, long min, long max) {
        String text = value(env, name, "").trim();
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            long number = Long.parseLong(text);
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max
                + ", not \"" + LogText.of(text) + "\"");
    }
}
