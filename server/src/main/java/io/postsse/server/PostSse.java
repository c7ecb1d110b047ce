package io.postsse.server;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.postsse.server.internal.ClientScript;
import io.postsse.server.internal.Http2;
import io.postsse.server.internal.MicrometerMetrics;
import io.postsse.server.internal.ProducerExecutors;
import io.postsse.server.internal.ResumableStreams;
import io.postsse.server.internal.RouteMetrics;
import io.postsse.server.internal.StreamRoute;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.function.Consumer;

/**
 * POST routes that answer with a stream of Server-Sent Events, declared on a Javalin app.
 *
 * <pre>{@code
 * Javalin.create(config -> PostSse.install(config, sse -> {
 *     sse.heartbeat = Duration.ofSeconds(15);
 *     sse.post("/api/chat", ChatRequest.class, chat -> chat.prompt() == null ? "prompt is required" : null,
 *             (chat, events) -> {
 *                 for (String token : model.reply(chat.prompt())) {
 *                     events.send("token", Map.of("text", token));
 *                 }
 *             });
 * })).start(7070);
 * }</pre>
 *
 * <p>Before any byte of a stream is sent, a bad request is answered with an RFC 9457 problem
 * ({@code application/problem+json}): 415 when the body is not JSON, 413 when it is larger than
 * {@link #maxBodyBytes}, 400 when it is malformed, of the wrong shape, or refused by the route's
 * validator, 403 for a cross-origin request from an origin not allowed. Then the response is
 * {@code text/event-stream}, whatever the request's {@code Accept} header says, uncompressed, with
 * each event flushed as it is written.
 *
 * <p>A route declared {@linkplain PostRoute#resumable() resumable} runs its producer once per
 * stream, into the stream's {@link EventLog}, detached from the connection; a client cut off
 * attaches again, by {@code POST} or {@code GET} with {@code Last-Event-ID}, and gets what it
 * missed, exactly once, then the live events, then the end marker. Its settings here:
 * {@link #resumeGrace}, {@link #retention}, {@link #maxEventsPerStream}, {@link #maxBytesPerStream},
 * {@link #maxLogBytes}, and {@link #eventLog} or {@link #redisUrl}.
 *
 * <pre>{@code sse.post("/api/chat", ChatRequest.class, validator, producer).resumable();}</pre>
 *
 * <p>{@link #serveClientScript()} also serves the browser client, {@code /postsse.js} and the ES
 * module {@code /postsse.mjs}, for pages written in plain JavaScript.
 */
public final class PostSse {
    /** How long a stream may go without an event before a comment is sent to keep it alive; null or zero: never. */
    public Duration heartbeat = Duration.ofSeconds(15);
    /** The largest request body accepted, in bytes. */
    public long maxBodyBytes = 1 << 20;
    /**
     * How many bytes of events a stream may hold for a client that has not read them yet. Not for
     * resumable routes, whose events wait in the event log instead.
     */
    public int maxBufferedBytes = 256 * 1024;
    /**
     * The kernel's send buffer of a stream's connection ({@code SO_SNDBUF}), in bytes: what the
     * operating system may hold of a stream's bytes that its client has not taken yet, beside
     * {@link #maxBufferedBytes}. Linux doubles it for its own bookkeeping, and caps it at
     * {@code net.core.wmem_max}; unset, it grows it to megabytes for a client that reads slowly.
     * Zero: the kernel's own sizing. Over HTTP/2, the connection's, which its streams share.
     */
    public int socketSendBufferBytes = 128 * 1024;
    /**
     * How long a send may wait for room in that buffer before the stream is closed as too slow. On
     * resumable routes: how long a write to an attached client may go untaken before that connection
     * alone is cut off (the producer runs on; the client may attach again).
     */
    public Duration sendTimeout = Duration.ofSeconds(10);
    /**
     * Origins whose pages may open streams cross-origin, each as a browser sends it in the
     * {@code Origin} header: {@code scheme://host} or {@code scheme://host:port}, with no path, such
     * as {@code https://app.example.com}, in lower case. Any collection: add to the default, or assign a
     * {@code List.of(...)}, a {@code Set.of(...)} or one built from configuration. Empty (the
     * default): same-origin pages only. {@link #install} refuses, with an
     * {@link IllegalArgumentException}, an entry that is not of that shape ({@code *} included:
     * postsse never answers {@code *}).
     */
    public Collection<String> allowedOrigins = new LinkedHashSet<>();
    /** Whether allowed origins may send credentials (cookies); an allowed origin is then echoed, never {@code *}. */
    public boolean allowCredentials;
    /**
     * On JDK 17, which has no virtual threads: how many platform threads run producers at most. A
     * new stream past it is refused with {@code 503} and {@code Retry-After} before it starts,
     * rather than queued.
     */
    public int producerThreads = 200;
    /**
     * How many requests on stream routes this server takes at once — bodies being read, then
     * streams (resumable ones: each attached connection). One past it is refused with {@code 503}
     * problem JSON and {@code Retry-After: 1}, before any stream byte.
     */
    public int maxStreams = 10_000;
    /**
     * Who may use the stream routes, checked before a request's body is read: starts, and on
     * resumable routes attaches and stops; not CORS preflights. It returns the request's principal,
     * which producers read with {@code events.request().principal()}, or refuses the request by
     * throwing {@link AccessDenied} (a 401 or 403 problem JSON). By default everyone may.
     */
    public AccessCheck accessCheck = AccessCheck.OPEN;
    /**
     * How many of those one client may have at once (a client being named by {@link #clientKey}).
     * One past it is refused with {@code 429} problem JSON and {@code Retry-After: 1}.
     */
    public int maxStreamsPerClient = 256;
    /**
     * What names the client of a request, for {@link #maxStreamsPerClient}: by default its remote
     * address. Behind a proxy, or to count per user, name it from the request (a trusted
     * forwarding header, the authenticated principal). Never null.
     */
    public Function<Context, String> clientKey = ctx -> ctx.req().getRemoteAddr();
    /**
     * How long a request body may take to arrive in whole, from the request's head: past it the
     * request is refused with {@code 408} and its connection closed. Bodies are read as their bytes
     * arrive, without holding a thread, so a slow sender costs only its bytes.
     */
    public Duration bodyTimeout = Duration.ofSeconds(10);
    /**
     * The bytes of all request bodies being read at once, at most: a request whose body would go
     * past it is refused with {@code 503} and {@code Retry-After: 1}, so that many large bodies
     * sent slowly cannot fill the memory.
     */
    public long maxBodyBytesInFlight = 64L << 20;
    /**
     * How long a stream may last at most: past it the producer is stopped as by a cancellation, and
     * the stream ends with an {@code error} event saying so (a resumable one, {@code failed}). Null:
     * no limit.
     */
    public Duration maxStreamDuration = Duration.ofHours(1);
    /**
     * Whether the app also speaks HTTP/2 without TLS (h2c) on its plain connectors, beside HTTP/1.1
     * on the same port, to clients that know it in advance (prior knowledge): many streams then
     * share one connection. A client's reset or a lost connection cancels its streams alone.
     */
    public boolean http2;

    /**
     * Resumable routes: how long a stream's producer runs on while no client is attached to it,
     * before it is cancelled (its end marker then says {@code cancelled}). A client that attaches
     * within it stops the count. With a log that several servers share ({@link #redisUrl}),
     * clients attached through the other servers count too.
     */
    public Duration resumeGrace = Duration.ofSeconds(30);
    /**
     * Resumable routes: how long the log of an ended stream is kept, so that a client that
     * reconnects late still gets the events it missed and the end marker; after it, attaching is
     * answered {@code 410 Gone}. Also how long a stream stopped before it started stays refused.
     */
    public Duration retention = Duration.ofMinutes(5);
    /**
     * Resumable routes: the most events one stream may send. The send past it throws
     * {@link StreamCapacityException}, and the stream ends with an {@code error} event.
     */
    public int maxEventsPerStream = 100_000;
    /**
     * Resumable routes: the most bytes of encoded events one stream may send. The send past it
     * throws {@link StreamCapacityException}, and the stream ends with an {@code error} event.
     */
    public long maxBytesPerStream = 16L << 20;
    /**
     * Resumable routes, with the in-memory log: the most bytes all streams' logs may hold together
     * (their events, plus a small estimate per event and per stream). When an event would pass it,
     * the logs of the streams that ended first are dropped first; when only running streams remain,
     * the send throws {@link StreamCapacityException}. Not for {@link #eventLog} nor {@link #redisUrl},
     * which keep their own budget (Redis: its {@code maxmemory}).
     */
    public long maxLogBytes = 256L << 20;
    /**
     * Resumable routes: where streams' events are kept. Null (the default): in this server's
     * memory, within {@link #maxLogBytes}, lost when it stops. A log of the app's own is told
     * {@link #retention} with each end, and keeps its own budget instead of {@link #maxLogBytes}.
     */
    public EventLog eventLog;
    /**
     * Resumable routes: the URL of a Redis (such as {@code redis://127.0.0.1:6379}) to keep the
     * streams' logs in, a {@link RedisEventLog} that several servers share, so that a client may
     * attach to a stream, or stop it, through any of them, and learns when the server that ran its
     * producer died. Connected to by {@link #install} (or as soon as Redis can be reached: the
     * server starts without it, and answers 503 until then), disconnected from when the server
     * stops. Needs {@code io.lettuce:lettuce-core} on the class path. Null (the default): see
     * {@link #eventLog}; not both.
     */
    public String redisUrl;

    private final List<StreamRoute.Definition<?>> routes = new ArrayList<>();
    private final List<PostRoute> options = new ArrayList<>();
    private boolean clientScript;
    /** Null unless {@link #metrics} was called: then no class of Micrometer is loaded. */
    private MeterRegistry meterRegistry;

    private PostSse() {
    }

    /** Lets {@code setup} configure streams and declare routes, then adds those routes to the app. */
    public static void install(JavalinConfig config, Consumer<PostSse> setup) {
        PostSse sse = new PostSse();
        setup.accept(sse);
        sse.register(config);
    }

    /**
     * Declares a stream route whose JSON body binds to {@code bodyType}.
     *
     * @return the route, whose options, such as {@link PostRoute#resumable()}, may be set before
     *     {@link #install} returns
     */
    public <T> PostRoute post(String path, Class<T> bodyType, EventProducer<T> producer) {
        return post(path, bodyType, request -> null, producer);
    }

    /**
     * Declares a stream route whose bound body must pass {@code validator} before the stream starts.
     *
     * @return the route, whose options, such as {@link PostRoute#resumable()}, may be set before
     *     {@link #install} returns
     */
    public <T> PostRoute post(String path, Class<T> bodyType, RequestValidator<T> validator, EventProducer<T> producer) {
        Objects.requireNonNull(validator, "validator");
        return post(path, bodyType, (RequestCheck<T>) (body, request) -> validator.check(body), producer);
    }

    /**
     * Declares a stream route whose bound body must pass {@code check} — which also sees the
     * request's head: its headers, its principal — before the stream starts.
     */
    public <T> PostRoute post(String path, Class<T> bodyType, RequestCheck<T> check, EventProducer<T> producer) {
        routes.add(new StreamRoute.Definition<>(path, bodyType, Objects.requireNonNull(check, "check"), producer, false));
        PostRoute route = new PostRoute();
        options.add(route);
        return route;
    }

    /**
     * Also serves the browser client to pages written in plain JavaScript: {@code GET /postsse.js}
     * ({@code text/javascript; charset=utf-8}), which defines {@code window.postsse} when loaded by
     * {@code <script src="/postsse.js"></script>}; {@code GET /postsse.mjs}, the same client as an
     * ES module ({@code import {stream} from "/postsse.mjs"}); and their TypeScript declarations,
     * {@code GET /postsse.d.ts} and {@code GET /postsse.d.mts} ({@code text/plain; charset=utf-8});
     * {@code HEAD} too. Nothing else is served: no other path, no folder. All are sent with
     * {@code X-Content-Type-Options: nosniff}, an {@code ETag}, and {@code Cache-Control: no-cache}
     * (kept by caches, revalidated with a 304 while unchanged).
     *
     * <p>The files come from the {@code io.postsse:postsse-web-client} artifact, a runtime
     * dependency of this one; without it on the classpath, {@link #install} fails.
     *
     * <pre>{@code
     * Javalin.create(config -> PostSse.install(config, sse -> {
     *     sse.serveClientScript();
     *     sse.post("/api/chat", ChatRequest.class, producer);
     * }));
     * }</pre>
     */
    public void serveClientScript() {
        clientScript = true;
    }

    /**
     * Counts the streams of every route into the registry, the app's Micrometer registry: streams
     * active, started, ended by outcome, their duration and time to first event, events and bytes
     * sent, resumes and stops, refused requests — meters named {@code postsse.*}, tagged with the
     * route's path (see the README). Needs {@code io.micrometer:micrometer-core} on the class path,
     * an optional dependency: without this call, nothing of Micrometer is needed, or loaded.
     *
     * <pre>{@code
     * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
     * Javalin.create(config -> PostSse.install(config, sse -> {
     *     sse.metrics(registry);
     *     sse.post("/api/chat", ChatRequest.class, producer);
     * }));
     * }</pre>
     */
    public void metrics(MeterRegistry registry) {
        meterRegistry = Objects.requireNonNull(registry, "registry");
    }

    private void register(JavalinConfig config) {
        if (clientScript) {
            ClientScript.register(config);
        }
        ExecutorService producers = ProducerExecutors.create(producerThreads);
        // Without virtual threads, each stream's writer gets a platform thread of its own, outside
        // the server's request threads, which a request then holds only while its handling runs.
        boolean virtual = ProducerExecutors.virtualThreads();
        ExecutorService writers = virtual ? producers : ProducerExecutors.platformWriters();
        ScheduledExecutorService timers = ProducerExecutors.timers();
        ExecutorService flushers = ProducerExecutors.flushers();
        StreamRoute.Settings settings = StreamRoute.Settings.of(heartbeat, maxBodyBytes, maxBufferedBytes,
                socketSendBufferBytes, sendTimeout, origins(allowedOrigins), allowCredentials, producers,
                virtual ? null : new Semaphore(producerThreads), writers,
                flushers, Objects.requireNonNull(accessCheck, "accessCheck"), maxStreams, maxStreamsPerClient,
                Objects.requireNonNull(clientKey, "clientKey"), maxBodyBytesInFlight, bodyTimeout, timers,
                maxStreamDuration);
        StreamRoute.startHeartbeats(settings);
        ResumableStreams resumable = null;
        RedisEventLog ownLog = null;
        for (int i = 0; i < routes.size(); i++) {
            StreamRoute.Definition<?> definition = routes.get(i);
            if (options.get(i).isResumable()) {
                definition = definition.asResumable();
                if (resumable == null) {
                    ownLog = redisUrl != null ? connectRedis() : null;
                    resumable = new ResumableStreams(new ResumableStreams.Settings(resumeGrace, retention,
                            maxEventsPerStream, maxBytesPerStream, maxLogBytes, ownLog != null ? ownLog : eventLog,
                            heartbeat, sendTimeout));
                }
            }
            RouteMetrics metrics = meterRegistry == null ? RouteMetrics.NONE
                    : new MicrometerMetrics(meterRegistry, definition.path(), definition.resumable());
            StreamRoute<?> route = new StreamRoute<>(definition, settings, resumable, metrics);
            config.routes.post(definition.path(), route::handle);
            config.routes.options(definition.path(), route::preflight);
            if (definition.resumable()) {
                config.routes.get(definition.path(), route::handleGet);
                config.routes.delete(definition.path(), route::handleDelete);
            }
        }
        if (http2) {
            config.jetty.modifyServer(Http2::enableCleartext);
        }
        ResumableStreams resumableStreams = resumable;
        RedisEventLog redisLog = ownLog;
        config.events.serverStopping(() -> {
            settings.stopping().set(true); // first: the streams broken below leave their requests to the stop
            if (resumableStreams != null) {
                resumableStreams.stop();
            }
            StreamRoute.cancelAll(settings);
        });
        config.events.serverStopped(() -> {
            producers.shutdownNow();
            writers.shutdownNow();
            flushers.shutdownNow();
            timers.shutdownNow();
            if (resumableStreams != null) {
                resumableStreams.close();
            }
            if (redisLog != null) {
                redisLog.close();
            }
        });
    }

    /** The allowed origins, each checked to be one a browser can send: an entry of another shape would never match. */
    private static Set<String> origins(Collection<String> allowedOrigins) {
        Objects.requireNonNull(allowedOrigins, "allowedOrigins");
        Set<String> origins = new LinkedHashSet<>();
        for (String origin : allowedOrigins) {
            if (origin == null || !isOrigin(origin)) {
                throw new IllegalArgumentException("allowedOrigins: " + (origin == null ? "null" : '"' + origin + '"')
                        + " is not an origin as browsers send it: write scheme://host or scheme://host:port in"
                        + " lower case, without a path, such as https://app.example.com");
            }
            origins.add(origin);
        }
        return Set.copyOf(origins);
    }

    private static boolean isOrigin(String origin) {
        try {
            URI uri = new URI(origin);
            return uri.getScheme() != null && uri.getRawAuthority() != null && uri.getHost() != null
                    && uri.getRawUserInfo() == null && uri.getRawPath().isEmpty() && uri.getRawQuery() == null
                    && uri.getRawFragment() == null && origin.equals(uri.getScheme() + "://" + uri.getRawAuthority())
                    && origin.equals(origin.toLowerCase(Locale.ROOT));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private RedisEventLog connectRedis() {
        if (eventLog != null) {
            throw new IllegalArgumentException("Set eventLog or redisUrl, not both");
        }
        try {
            return RedisEventLog.connect(redisUrl);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("redisUrl needs the Redis client, io.lettuce:lettuce-core, on the class path", e);
        }
    }
}
