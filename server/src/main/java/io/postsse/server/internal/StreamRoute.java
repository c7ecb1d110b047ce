package io.postsse.server.internal;

import io.javalin.http.Context;
import io.postsse.protocol.StreamLifecycle;
import io.postsse.server.EventProducer;
import io.postsse.server.AccessCheck;
import io.postsse.server.AccessDenied;
import io.postsse.server.RequestCheck;
import io.postsse.server.RequestHead;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The handler behind one declared stream route: checks, binds and validates, then streams. */
public final class StreamRoute<T> {
    /** A route as declared. */
    public record Definition<T>(String path, Class<T> bodyType, RequestCheck<T> validator, EventProducer<T> producer,
            boolean resumable) {
        /** The same route, resumable. */
        public Definition<T> asResumable() {
            return new Definition<>(path, bodyType, validator, producer, true);
        }
    }

    /**
     * Settings shared by all routes of one install. {@code flushers} run the writes of plain
     * streams, which never wait; {@code writers} run what may wait: a resumable stream's attachment
     * on a thread of its own, a plain stream's end; so that the server's request threads are let go
     * while streams last. {@code producerSlots} bounds the producers that may run at once (null: no
     * bound but the admission's); {@code timers} runs the deadlines of request bodies, the time
     * limits and the heartbeats.
     */
    public record Settings(Duration heartbeat, long maxBodyBytes, int maxBufferedBytes, int socketSendBufferBytes,
            Duration sendTimeout,
            Set<String> allowedOrigins, boolean allowCredentials, ExecutorService producers, Semaphore producerSlots,
            ExecutorService writers, ExecutorService flushers, AccessCheck accessCheck, Admission admission,
            Function<Context, String> clientKey,
            BodyReader.Budget bodyBudget, Duration bodyTimeout, ScheduledExecutorService timers,
            Duration maxStreamDuration, Set<SseStream> activeStreams, AtomicBoolean stopping) {
        /** The settings, with the limits on requests under way and on the bodies being read. */
        public static Settings of(Duration heartbeat, long maxBodyBytes, int maxBufferedBytes, int socketSendBufferBytes,
                Duration sendTimeout,
                Set<String> allowedOrigins, boolean allowCredentials, ExecutorService producers, Semaphore producerSlots,
                ExecutorService writers, ExecutorService flushers, AccessCheck accessCheck, int maxStreams,
                int maxStreamsPerClient,
                Function<Context, String> clientKey,
                long maxBodyBytesInFlight, Duration bodyTimeout, ScheduledExecutorService timers,
                Duration maxStreamDuration) {
            if (maxStreamDuration != null && (maxStreamDuration.isNegative() || maxStreamDuration.isZero())) {
                throw new IllegalArgumentException("maxStreamDuration must be positive or null, not " + maxStreamDuration);
            }
            if (bodyTimeout == null || bodyTimeout.isNegative() || bodyTimeout.isZero()) {
                throw new IllegalArgumentException("bodyTimeout must be positive, not " + bodyTimeout);
            }
            if (socketSendBufferBytes < 0) {
                throw new IllegalArgumentException("socketSendBufferBytes must be zero or positive, not " + socketSendBufferBytes);
            }
            return new Settings(heartbeat, maxBodyBytes, maxBufferedBytes, socketSendBufferBytes, sendTimeout,
                    allowedOrigins, allowCredentials,
                    producers, producerSlots, writers, flushers, accessCheck, new Admission(maxStreams, maxStreamsPerClient),
                    clientKey, new BodyReader.Budget(maxBodyBytesInFlight), bodyTimeout, timers, maxStreamDuration,
                    ConcurrentHashMap.newKeySet(), new AtomicBoolean());
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(StreamRoute.class);

    private final Definition<T> definition;
    private final Settings settings;
    /** The install's resumable streams when this route is resumable; else null. */
    private final ResumableStreams resumable;
    private final RouteMetrics metrics;

    public StreamRoute(Definition<T> definition, Settings settings, ResumableStreams resumable, RouteMetrics metrics) {
        this.definition = definition;
        this.settings = settings;
        this.resumable = definition.resumable() ? resumable : null;
        this.metrics = metrics;
    }

    /**
     * Sends the heartbeats of the install's plain streams: one timer looks at them all, every
     * quarter of the period (a second at most), and wakes the writers of those silent for it.
     */
    public static void startHeartbeats(Settings settings) {
        long period = SseStream.heartbeatNanos(settings.heartbeat());
        if (period == 0) {
            return;
        }
        long every = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(period / 4, TimeUnit.SECONDS.toNanos(1)));
        settings.timers().scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            for (SseStream stream : settings.activeStreams()) {
                try {
                    stream.heartbeatIfDue(now);
                } catch (RuntimeException e) {
                    LOG.warn("Stream {}: the heartbeat failed", stream.streamId(), e);
                }
            }
        }, every, every, TimeUnit.NANOSECONDS);
    }

    /**
     * Cancels every open stream: the server is stopping. Waits, a second at most, for their
     * writers to break them, so that each stream is broken, and its request ended, before the
     * server closes the connections under them.
     */
    public static void cancelAll(Settings settings) {
        settings.stopping().set(true);
        List<SseStream> streams = new ArrayList<>(settings.activeStreams());
        for (SseStream stream : streams) {
            stream.cancel(StreamEnd.cancelled(StreamEnd.SERVER_STOPPING));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        try {
            for (SseStream stream : streams) {
                if (!stream.awaitWriter(deadline)) {
                    LOG.debug("Stream {} was not broken within a second of the stop", stream.streamId());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * False after answering 405 to a request whose method is not the one it was routed by:
     * Javalin routes by {@code X-HTTP-Method-Override} too, which stream routes do not follow, so
     * that a GET (a link, an image) never starts a stream nor stops one.
     */
    private boolean isMethod(Context ctx, String method) {
        // First thing for every response of the route, streams and problems alike: no sniffing.
        ctx.header("X-Content-Type-Options", "nosniff");
        if (method.equals(ctx.req().getMethod())) {
            return true;
        }
        ctx.header("Allow", resumable != null ? "POST, GET, DELETE, OPTIONS" : "POST, OPTIONS");
        refuse(ctx, 405, "This route does not take " + Problems.printable(ctx.req().getMethod())
                + " as " + method + ": X-HTTP-Method-Override is not followed.");
        return false;
    }

    /** Answers the request with a problem instead of a stream: the one way the route refuses, counted. */
    private void refuse(Context ctx, int status, String detail) {
        metrics.refused(status);
        Problems.respond(ctx, status, detail);
    }

    private void refuse(Context ctx, Refusal refusal) {
        metrics.refused(refusal.status);
        refusal.respond(ctx);
    }

    /** Answers a CORS preflight for the route. */
    public void preflight(Context ctx) {
        if (!isMethod(ctx, "OPTIONS")) {
            return;
        }
        String origin = ctx.header("Origin");
        if (origin == null || !settings.allowedOrigins().contains(origin)) {
            refuse(ctx, 403, "Cross-origin requests from " + origin + " are not allowed.");
            return;
        }
        addCorsHeaders(ctx, origin);
        ctx.header("Access-Control-Allow-Methods", resumable != null ? "POST, GET, DELETE" : "POST");
        String requested = ctx.header("Access-Control-Request-Headers");
        if (requested != null) {
            ctx.header("Access-Control-Allow-Headers", requested);
        }
        ctx.header("Access-Control-Max-Age", "600");
        ctx.status(204);
    }

    /** Handles one POST. */
    public void handle(Context ctx) {
        if (!isMethod(ctx, "POST") || !checkOrigin(ctx)) {
            return;
        }
        RequestHead head = checkAccess(ctx);
        if (head != null) {
            respondLater(ctx, () -> resumable != null ? handleResumablePost(ctx, head) : handlePlainPost(ctx, head));
        }
    }

    /**
     * The head of the request, with the principal the access check named; null after answering
     * the check's refusal (401 or 403 problem JSON).
     */
    private RequestHead checkAccess(Context ctx) {
        RequestHead head = head(ctx);
        try {
            return head.withPrincipal(settings.accessCheck().check(head));
        } catch (AccessDenied denied) {
            if (denied.challenge() != null) {
                ctx.header("WWW-Authenticate", denied.challenge());
            }
            refuse(ctx, denied.status(), denied.getMessage());
            return null;
        }
    }

    private static RequestHead head(Context ctx) {
        HttpServletRequest request = ctx.req();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.put(name, Collections.list(request.getHeaders(name)));
        }
        Map<String, Object> attributes = new HashMap<>();
        ctx.attributeMap().forEach((name, value) -> {
            if (value != null) {
                attributes.put(name, value);
            }
        });
        return new RequestHead(request.getMethod(), ctx.path(), headers, request.getRemoteAddr(), attributes);
    }

    private CompletableFuture<Void> handlePlainPost(Context ctx, RequestHead head) throws IOException {
        return readBody(ctx).thenCompose(body -> {
            T request = bind(ctx, body, head);
            takeProducerSlot();
            try {
                return stream(ctx, request, head);
            } catch (RuntimeException e) {
                releaseProducerSlot();
                throw e;
            }
        });
    }

    /**
     * Admits the request, then handles it in asynchronous mode: no thread waits for its body, nor
     * for its stream's writes. Whatever the handling throws, before the stream's head, is answered
     * as a problem; the admission ends with the response.
     */
    private void respondLater(Context ctx, Callable<CompletableFuture<?>> handling) {
        Admission.Ticket ticket;
        try {
            ticket = settings.admission().admit(settings.clientKey().apply(ctx));
        } catch (Refusal refusal) {
            refuse(ctx, refusal);
            return;
        }
        ctx.future(() -> {
            AsyncContext async = ctx.req().getAsyncContext();
            async.setTimeout(0); // a stream ends when it ends
            // Javalin finishes the request when this completes, once: when the handling is done, or
            // before, when Jetty reports that the request failed (the client reset its stream), for
            // Jetty ends it after that. Not once the server is stopping: the request may be gone
            // then, and Javalin's finishing of a request gone fails, again and again.
            CompletableFuture<Void> finished = new CompletableFuture<>();
            Runnable finish = () -> {
                if (!settings.stopping().get()) {
                    finished.complete(null);
                }
            };
            RequestFinish finishing = RequestFinish.watch(async, finish);
            CompletableFuture<?> done;
            try {
                done = handling.call();
            } catch (Throwable failure) {
                done = CompletableFuture.failedFuture(failure);
            }
            done.whenComplete((ignored, failure) -> {
                ticket.release();
                boolean answered = finishing.byRoute(() -> {
                    if (failure != null) {
                        answerFailure(ctx, failure);
                    }
                    finish.run();
                });
                if (!answered && failure != null) {
                    LOG.debug("A request finished when it failed under its route; then its handling failed too", failure);
                }
            });
            return finished;
        });
    }

    private void answerFailure(Context ctx, Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (ctx.res().isCommitted()) {
            LOG.warn("{} {}: failed after the response started", ctx.method(), ctx.path(), cause);
        } else if (cause instanceof Refusal) {
            refuse(ctx, (Refusal) cause);
        } else if (cause instanceof ResumableStreams.LogUnavailable) {
            logUnavailable(ctx, (ResumableStreams.LogUnavailable) cause);
        } else {
            LOG.warn("{} {}: the stream could not start", ctx.method(), ctx.path(), cause);
            refuse(ctx, 500, "The server failed to start the stream.");
        }
    }

    /** Takes a producer's place, or refuses the request: as many producers run as may. */
    private void takeProducerSlot() {
        Semaphore slots = settings.producerSlots();
        if (slots != null && !slots.tryAcquire()) {
            throw Refusal.busy(503, "The server runs as many streams' producers as it may; try again shortly.");
        }
    }

    private void releaseProducerSlot() {
        if (settings.producerSlots() != null) {
            settings.producerSlots().release();
        }
    }

    /** False after answering 403 to a cross-origin request from an origin not allowed; adds the CORS headers. */
    private boolean checkOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin != null && !isSameOrigin(ctx, origin)) {
            if (!settings.allowedOrigins().contains(origin)) {
                refuse(ctx, 403, "Cross-origin requests from " + origin + " are not allowed.");
                return false;
            }
            addCorsHeaders(ctx, origin);
        }
        return true;
    }

    private void addCorsHeaders(Context ctx, String origin) {
        ctx.header("Access-Control-Allow-Origin", origin);
        ctx.header("Vary", "Origin");
        if (settings.allowCredentials()) {
            ctx.header("Access-Control-Allow-Credentials", "true");
        }
        if (resumable != null) {
            ctx.header("Access-Control-Expose-Headers", StreamLifecycle.STREAM_HEADER);
        }
    }

    private static boolean isSameOrigin(Context ctx, String origin) {
        return origin.equalsIgnoreCase(ctx.scheme() + "://" + ctx.host());
    }

    /** Reads the body without a thread waiting for it: a JSON body, within the limits. */
    private CompletableFuture<byte[]> readBody(Context ctx) throws IOException {
        String unsupported = RequestBodies.contentTypeProblem(ctx.req().getContentType());
        if (unsupported != null) {
            throw new Refusal(415, unsupported, 0, true);
        }
        return BodyReader.read(ctx.req(), settings.maxBodyBytes(), settings.bodyBudget(), settings.bodyTimeout(),
                settings.timers());
    }

    /** The body bound to the route's type and passed by its validator; else throws the problem. */
    private T bind(Context ctx, byte[] body, RequestHead head) {
        RequestBodies.Bound<T> bound = RequestBodies.bind(ctx.jsonMapper(), body, ctx.req().getContentType(),
                definition.bodyType());
        if (!bound.ok()) {
            throw new Refusal(bound.status(), bound.detail(), 0, false);
        }
        String invalid = definition.validator().check(bound.value(), head);
        if (invalid != null) {
            throw new Refusal(400, invalid, 0, false);
        }
        return bound.value();
    }

    /** Streams the producer's events to this request; the future completes when the stream has ended. */
    private CompletableFuture<Void> stream(Context ctx, T request, RequestHead head) {
        String lastEventId = ctx.header("Last-Event-ID");
        HttpServletResponse response = ctx.res();
        String streamId = UUID.randomUUID().toString();
        StreamConnection.releaseRequestBuffer(ctx.req());
        startStreamResponse(ctx);
        StreamRecord record = StreamRecord.start(streamId, "POST", ctx.path(), false, metrics);
        SseStream stream = new SseStream(streamId, lastEventId == null ? "" : lastEventId, head, ctx.jsonMapper(),
                settings.maxBufferedBytes(), settings.sendTimeout(), settings.heartbeat(),
                () -> DisconnectWatcher.abort(ctx.req()), () -> DisconnectWatcher.preventEnd(ctx.req()), record);
        settings.activeStreams().add(stream);
        OutputStream out;
        try {
            // Straight to the servlet stream: Javalin's own output stream may compress.
            out = response.getOutputStream();
            out.flush(); // commit the headers now, so the client knows the stream is open
        } catch (IOException e) {
            releaseProducerSlot();
            end(stream, record, stream.cancelledBy(StreamEnd.cancelled(StreamEnd.CLIENT_GONE)), null);
            return CompletableFuture.completedFuture(null);
        }
        DisconnectWatcher.watch(ctx.req(), stream::isStreaming, stream::clientGone);
        runProducer(() -> stream.runProducer(definition.producer(), request),
                () -> stream.cancel(StreamEnd.failed(StreamEnd.producerNotRun())));
        ScheduledFuture<?> timeLimit = limitTime(stream::stopAtTimeLimit);
        return stream.startWriter(frameSink(ctx.req(), out, settings.writers()), settings.flushers(), settings.writers())
                .thenAccept(how -> end(stream, record, how, timeLimit));
    }

    /**
     * Sets the stream's time limit, if there is one: the timer calls {@code stop} with the
     * {@code error} event's detail, and the stream's end.
     */
    private ScheduledFuture<?> limitTime(BiConsumer<String, StreamEnd> stop) {
        Duration limit = settings.maxStreamDuration();
        if (limit == null) {
            return null;
        }
        String detail = "The stream reached its time limit of " + limit.toSeconds() + " s.";
        StreamEnd end = StreamEnd.timeLimit(limit);
        return settings.timers().schedule(() -> stop.accept(detail, end), limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs a producer that holds a producer's place, which it gives back when it returns; {@code notRun} if it cannot run. */
    private void runProducer(Runnable producer, Runnable notRun) {
        try {
            settings.producers().execute(() -> {
                try {
                    producer.run();
                } finally {
                    releaseProducerSlot();
                }
            });
        } catch (RejectedExecutionException e) { // the server is stopping
            releaseProducerSlot();
            notRun.run();
        }
    }

    /** Sets the status and headers of a stream's response, and the kernel's send buffer of its connection. */
    private void startStreamResponse(Context ctx) {
        StreamConnection.limitSendBuffer(ctx.req(), settings.socketSendBufferBytes());
        HttpServletResponse response = ctx.res();
        response.setStatus(200);
        response.setContentType("text/event-stream; charset=utf-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        if (DisconnectWatcher.ownsConnection(ctx.req())) {
            // One HTTP/1.1 connection per stream: see DisconnectWatcher.
            response.setHeader("Connection", "close");
            // Framed all the same, so that only a normal end writes the last, empty chunk and a
            // connection cut early is a broken stream for the client, never an end. Jetty chunks
            // a closing connection's body only when asked to; an HTTP/1.0 client gets it unframed.
            response.setHeader("Transfer-Encoding", "chunked");
        }
    }

    /**
     * Runs a stream's writer on a writer thread, the request's thread being let go while the stream
     * lasts; the future completes when the writer is done. When the writers refuse it (the server
     * is stopping), the response is broken and {@code refused} runs instead.
     */
    private CompletableFuture<Void> runWriter(Context ctx, Runnable writer, Runnable refused) {
        try {
            return CompletableFuture.runAsync(writer, settings.writers());
        } catch (RejectedExecutionException e) {
            DisconnectWatcher.preventEnd(ctx.req()); // a break for the client, not an end
            refused.run();
            return CompletableFuture.completedFuture(null);
        }
    }

    /** The stream ended: its end line, its meters. Once per stream. */
    private void end(SseStream stream, StreamRecord record, StreamEnd end, ScheduledFuture<?> timeLimit) {
        if (timeLimit != null) {
            timeLimit.cancel(false);
        }
        settings.activeStreams().remove(stream);
        record.ended(end, stream.eventCount());
    }

    /**
     * Where a stream's writer sends its batches of frames, without blocking. On Jetty each batch
     * goes to the response as one buffer, as a servlet stream would send it, but with a callback
     * instead of a waiting thread, and never through the response's aggregation buffer (32 KiB by
     * default), which a long stream would otherwise hold for its whole life although every batch is
     * flushed at once. Elsewhere, each batch is written and flushed on a thread of {@code blocking}.
     */
    static SseStream.FrameSink frameSink(HttpServletRequest request, OutputStream out, Executor blocking) {
        ServletContextRequest jetty = DisconnectWatcher.jettyRequest(request);
        if (jetty != null && out instanceof HttpOutput) {
            Response response = jetty.getServletChannel().getResponse();
            return (frames, done) -> response.write(false, ByteBuffer.wrap(frames), done);
        }
        SseStream.FrameWriter writer = frameWriter(out);
        return (frames, done) -> blocking.execute(() -> {
            try {
                writer.write(frames);
            } catch (Throwable failure) {
                done.failed(failure);
                return;
            }
            done.succeeded();
        });
    }

    /**
     * Writes and flushes each batch of frames. On Jetty the batch goes to the connection as one
     * buffer, never through the response's aggregation buffer (32 KiB by default), which a long
     * stream would otherwise hold for its whole life although every batch is flushed at once.
     */
    static SseStream.FrameWriter frameWriter(OutputStream out) {
        if (out instanceof HttpOutput) {
            HttpOutput jetty = (HttpOutput) out;
            return frames -> jetty.write(ByteBuffer.wrap(frames));
        }
        return frames -> {
            out.write(frames);
            out.flush();
        };
    }

    // ---- resumable routes ----

    /** The request's resume point text: {@code Last-Event-ID}, else the query's {@code lastEventId}; null when neither. */
    private static String lastEventId(Context ctx) {
        String header = ctx.header("Last-Event-ID");
        if (header != null && !header.isBlank()) {
            return header.trim();
        }
        String query = ctx.queryParam("lastEventId");
        return query != null && !query.isBlank() ? query.trim() : null;
    }

    /** A POST to a resumable route: attaches when it names a held stream, else starts one. */
    private CompletableFuture<Void> handleResumablePost(Context ctx, RequestHead head) throws IOException {
        String lastEventId = lastEventId(ctx);
        if (lastEventId != null) {
            return attachFrom(ctx, lastEventId); // the body is not read
        }
        String proposed = ctx.header(StreamLifecycle.STREAM_HEADER);
        if (proposed != null && !ResumableStreams.isValidId(proposed)) {
            throw new Refusal(400, "The " + StreamLifecycle.STREAM_HEADER
                    + " header must be 22 to 64 characters of A-Z, a-z, 0-9, _ and -.", 0, true);
        }
        refuseWhileStopping();
        if (proposed != null && resumable.holds(proposed)) {
            // Sent again after a cut the client never saw the answer to: attach from the start.
            return attach(ctx, proposed, 0, null, null);
        }
        return readBody(ctx).thenCompose(body -> {
            T request = bind(ctx, body, head);
            String streamId = proposed != null ? proposed : ResumableStreams.newId();
            takeProducerSlot();
            LogProducer producer;
            try {
                producer = resumable.start(streamId, head, ctx.jsonMapper(), metrics);
            } catch (InterruptedException e) {
                releaseProducerSlot();
                Thread.currentThread().interrupt();
                throw Refusal.busy(503, "The server is stopping.");
            } catch (RuntimeException e) {
                releaseProducerSlot();
                throw e;
            }
            if (producer == null) {
                releaseProducerSlot();
                if (resumable.holds(streamId)) {
                    return attach(ctx, streamId, 0, null, null);
                }
                throw new Refusal(410, "The stream " + streamId + " was stopped before it started.", 0, false);
            }
            return attach(ctx, streamId, 0, producer, request);
        });
    }

    /** Handles a GET of a resumable route: an attach. */
    public void handleGet(Context ctx) {
        if (!isMethod(ctx, "GET") || !checkOrigin(ctx) || checkAccess(ctx) == null) {
            return;
        }
        String lastEventId = lastEventId(ctx);
        if (lastEventId == null) {
            refuse(ctx, 400, "Send Last-Event-ID: <stream>:<seq> (or the query parameter lastEventId) "
                    + "to attach to a resumable stream; start one with a POST.");
            return;
        }
        respondLater(ctx, () -> attachFrom(ctx, lastEventId));
    }

    /**
     * The event log failed before the stream's head was sent (its store out of reach): 503, which
     * clients retry, as they would a server that is not ready.
     */
    private void logUnavailable(Context ctx, ResumableStreams.LogUnavailable e) {
        LOG.warn("{} {}: the event log is unavailable: {}", ctx.method(), ctx.path(), e.getMessage());
        ctx.header("Retry-After", "1");
        refuse(ctx, 503, "The store of the streams is unavailable; try again shortly.");
    }

    /** Handles a DELETE of a resumable route: stops the stream it names; 204 whether or not it is held. */
    public void handleDelete(Context ctx) {
        if (!isMethod(ctx, "DELETE") || !checkOrigin(ctx) || checkAccess(ctx) == null) {
            return;
        }
        String streamId = ctx.header(StreamLifecycle.STREAM_HEADER);
        if (streamId == null || streamId.isBlank()) {
            streamId = ctx.queryParam("stream");
        }
        if (streamId == null || streamId.isBlank()) {
            refuse(ctx, 400, "Name the stream to stop with the " + StreamLifecycle.STREAM_HEADER
                    + " header (or the query parameter stream).");
            return;
        }
        streamId = streamId.trim();
        if (!ResumableStreams.isValidId(streamId)) {
            refuse(ctx, 400, "A stream id is 22 to 64 characters of A-Z, a-z, 0-9, _ and -.");
            return;
        }
        try {
            resumable.stop(streamId);
        } catch (ResumableStreams.LogUnavailable e) {
            logUnavailable(ctx, e);
            return;
        }
        metrics.stopped();
        ctx.status(204);
    }

    private void refuseWhileStopping() {
        if (resumable.isStopping()) {
            throw new Refusal(503, "The server is stopping.", 0, false);
        }
    }

    /** Attaches to the stream a {@code Last-Event-ID} names, or answers 410 before any stream byte. */
    private CompletableFuture<Void> attachFrom(Context ctx, String lastEventId) {
        ResumableStreams.ResumePoint point = ResumableStreams.parseResumePoint(lastEventId);
        if (point == null) {
            throw new Refusal(410, "The Last-Event-ID \"" + abbreviate(lastEventId)
                    + "\" names no resumable stream: it should be <stream>:<seq>.", 0, true);
        }
        refuseWhileStopping();
        ResumableStreams.Held held = resumable.holds(point.streamId(), point.seq());
        if (held == ResumableStreams.Held.NO) {
            throw new Refusal(410, "The stream " + point.streamId()
                    + " is not held by the server: it never started, or it ended too long ago.", 0, true);
        }
        if (held == ResumableStreams.Held.NOT_THAT_FAR) {
            throw new Refusal(410, "The stream " + point.streamId() + " has no event " + point.seq()
                    + ": the Last-Event-ID is past its last one.", 0, true);
        }
        metrics.resumed();
        return attach(ctx, point.streamId(), point.seq(), null, null);
    }

    private static String abbreviate(String text) {
        String printable = text.replaceAll("[\\p{Cntrl}]", "?");
        return printable.length() <= 100 ? printable : printable.substring(0, 100) + "…";
    }

    /**
     * Streams the log of a held stream after {@code after} to this request, until its end marker.
     * With {@code producer}, this request started the stream: its producer runs too, on the request.
     */
    private CompletableFuture<Void> attach(Context ctx, String streamId, long after, LogProducer producer, T request) {
        LogProducer local = producer != null ? producer : resumable.running(streamId);
        LogAttachment attachment = new LogAttachment(streamId, after, resumable.log(), metrics,
                SseStream.heartbeatNanos(settings.heartbeat()), () -> DisconnectWatcher.abort(ctx.req()),
                () -> DisconnectWatcher.preventEnd(ctx.req()));
        // Attached before anything can fail, so that a failure leaves the producer to its grace period.
        if (local != null) {
            local.attached();
        }
        resumable.attached(attachment);
        Runnable detach = () -> {
            resumable.detached(attachment);
            if (local != null) {
                local.detached();
            }
        };
        if (producer == null) {
            LOG.debug("Stream {} attached: {} {} after {}", streamId, ctx.method(), ctx.path(), after);
        }
        startProducer(producer, request); // into the log: from now on it owes nothing to this connection
        if (producer != null) {
            StreamConnection.releaseRequestBuffer(ctx.req()); // its body is read
        }
        boolean handedOver = false;
        try {
            HttpServletResponse response = ctx.res();
            // The head names the stream (after the CORS headers that expose the name) before it gives
            // the content type: a browser takes a head cut short by the network for a whole one, with
            // an empty body, so a head that says text/event-stream must already say the stream is
            // resumable, for the missing end marker to tell the client it was cut. Javalin set a
            // default type first thing; dropped, the type is written after the headers set before it.
            response.setContentType(null);
            response.setHeader(StreamLifecycle.STREAM_HEADER, streamId);
            startStreamResponse(ctx);
            SseStream.FrameWriter frames;
            try {
                OutputStream out = response.getOutputStream();
                frames = frameWriter(out);
                attachment.write(nothing -> out.flush(), null); // commit the headers now, so the client knows the stream is open
            } catch (IOException e) {
                attachment.clientGone();
                return CompletableFuture.completedFuture(null);
            }
            DisconnectWatcher.watch(ctx.req(), attachment::isStreaming, attachment::clientGone);
            handedOver = true;
            return runWriter(ctx, () -> writeAttached(attachment, frames, detach), () -> {
                attachment.breakOff(LogAttachment.End.SERVER_STOPPING);
                detach.run();
            });
        } finally {
            if (!handedOver) {
                detach.run();
            }
        }
    }

    private void startProducer(LogProducer producer, T request) {
        if (producer != null) {
            runProducer(() -> producer.runProducer(definition.producer(), request), producer::notRun);
            ScheduledFuture<?> timeLimit = limitTime(producer::stopAtTimeLimit);
            if (timeLimit != null) {
                producer.limitTime(timeLimit);
            }
        }
    }

    private static void writeAttached(LogAttachment attachment, SseStream.FrameWriter frames, Runnable detach) {
        LogAttachment.End end = LogAttachment.End.CLIENT_GONE;
        try {
            end = attachment.writeUntilEnd(frames);
        } finally {
            detach.run();
            LOG.debug("Stream {}: an attachment ended ({}) after seq {}", attachment.streamId(), end.label,
                    attachment.position());
        }
    }
}
