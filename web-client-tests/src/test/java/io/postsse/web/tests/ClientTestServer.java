package io.postsse.web.tests;

import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.postsse.protocol.EventEncoder;
import io.postsse.protocol.StreamLifecycle;
import io.postsse.server.PostSse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

/**
 * The servers of the client tests, on loopback: the test page ({@code client-test-page/} on the
 * classpath) and {@code postsse.js}, with routes that answer as the tests need, written by hand
 * so that each answer is exactly the one a case is about; and a second origin for cross-origin
 * requests. Each request names its case in the query parameter {@code key}, under which the
 * routes count requests, keep what they saw, and wait for the test's latches.
 */
final class ClientTestServer implements AutoCloseable {
    /** An id the server names a stream by, other than the one the client proposed. */
    static final String SERVER_STREAM_ID = "server-named-stream-0123456789";

    private final Javalin app;
    private final Javalin otherOrigin;
    /** Requests per route and key, as {@code <path>?<key>}. */
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    /** What the routes saw, by key (and {@code #<call>} where a case has several requests). */
    final Map<String, String> seen = new ConcurrentHashMap<>();
    /** When a route saw a request, in {@link System#nanoTime()}, by key and {@code #<call>}. */
    final Map<String, Long> seenAt = new ConcurrentHashMap<>();
    /** Every {@code DELETE}, as {@code <path> <Postsse-Stream>}, by key. */
    final Map<String, List<String>> deletes = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> latches = new ConcurrentHashMap<>();

    ClientTestServer() {
        app = Javalin.create(config -> {
            config.staticFiles.add("/client-test-page", Location.CLASSPATH);
            PostSse.install(config, PostSse::serveClientScript);
            routes(config.routes);
        }).start("127.0.0.1", 0);
        String pageOrigin = baseUrl();
        otherOrigin = Javalin.create(config -> {
            // CORS by hand, credentials included: the page's origin only.
            config.routes.before(ctx -> {
                if (pageOrigin.equals(ctx.header("Origin"))) {
                    ctx.header("Access-Control-Allow-Origin", pageOrigin);
                    ctx.header("Access-Control-Allow-Credentials", "true");
                    ctx.header("Access-Control-Allow-Methods", "GET, POST, DELETE");
                    ctx.header("Access-Control-Allow-Headers", "Content-Type, Postsse-Stream, Last-Event-ID");
                    ctx.header("Vary", "Origin");
                }
            });
            config.routes.options("/echo", ctx -> ctx.status(204));
            config.routes.post("/echo", ClientTestServer::echo);
        }).start("127.0.0.1", 0);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + app.port();
    }

    String otherOriginUrl() {
        return "http://127.0.0.1:" + otherOrigin.port();
    }

    /** How many requests the route has had for the key. */
    int calls(String path, String key) {
        AtomicInteger count = calls.get(path + "?" + key);
        return count == null ? 0 : count.get();
    }

    /** The latch of that name, made on first use by a route or a test. */
    CountDownLatch latch(String name) {
        return latches.computeIfAbsent(name, k -> new CountDownLatch(1));
    }

    private void routes(RoutesConfig routes) {
        // Three events, the first echoing the request.
        routes.post("/events", ctx -> {
            OutputStream out = stream(ctx);
            String echo = ctx.header("Accept") + "|" + ctx.header("Authorization") + "|"
                    + ctx.header("Content-Type") + "|" + ctx.body();
            write(out, EventEncoder.event(null, "1", echo)
                    + EventEncoder.event("token", "2", "b")
                    + EventEncoder.event("done", "3", "c"));
        });
        // One event: the method, the headers named in ?headers=a,b, and the body.
        routes.post("/echo", ClientTestServer::echo);
        routes.get("/echo", ClientTestServer::echo);
        routes.post("/slow", ctx -> streamUntilGone(ctx, EventEncoder.event(null, "1", "first")));
        routes.post("/problem", ctx -> {
            ctx.res().setStatus(400);
            ctx.res().setContentType("application/problem+json");
            write(ctx.res().getOutputStream(),
                    "{\"type\":\"about:blank\",\"title\":\"Bad prompt\",\"status\":400,\"detail\":\"prompt is empty\"}");
        });
        // An error answer: ?status= with ?type= and ?body=.
        routes.post("/error", ctx -> {
            count(ctx);
            ctx.res().setStatus(Integer.parseInt(ctx.queryParam("status")));
            ctx.res().setContentType(ctx.queryParam("type"));
            write(ctx.res().getOutputStream(), ctx.queryParam("body"));
        });
        // ?status= for the first ?failures= requests (all when absent), with ?retryAfter= seconds or
        // "past-date"; then one event.
        routes.post("/status", ctx -> {
            int call = count(ctx);
            seenAt.put(key(ctx) + "#" + call, System.nanoTime());
            String failures = ctx.queryParam("failures");
            if (failures == null || call <= Integer.parseInt(failures)) {
                ctx.res().setStatus(Integer.parseInt(ctx.queryParam("status")));
                String retryAfter = ctx.queryParam("retryAfter");
                if ("past-date".equals(retryAfter)) {
                    retryAfter = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).minusHours(1));
                }
                if (retryAfter != null) {
                    ctx.res().setHeader("Retry-After", retryAfter);
                }
                ctx.res().setContentType("text/plain");
                write(ctx.res().getOutputStream(), "failure " + call);
                return;
            }
            write(stream(ctx), EventEncoder.event(null, null, "ok"));
        });
        routes.post("/flaky", ctx -> {
            if (count(ctx) == 1) {
                ctx.res().setStatus(500);
                ctx.res().setContentType("text/plain");
                write(ctx.res().getOutputStream(), "try again");
                return;
            }
            write(stream(ctx), EventEncoder.event(null, "1", "ok"));
        });
        routes.post("/wrongtype", ctx -> {
            ctx.res().setStatus(200);
            ctx.res().setContentType("text/html");
            write(ctx.res().getOutputStream(), "<p>not a stream</p>");
        });
        routes.post("/no-content", ctx -> {
            count(ctx);
            ctx.status(204);
        });
        // First a 200 with no content type and no body (what a browser makes of a head cut short),
        // then a stream.
        routes.post("/no-type", ctx -> {
            if (count(ctx) == 1) {
                ctx.res().setStatus(200);
                ctx.res().setContentType(null); // not even the app's default
                ctx.res().flushBuffer();
                return;
            }
            write(stream(ctx), EventEncoder.event(null, "1", "ok"));
        });
        routes.post("/drop", ctx -> {
            int call = count(ctx);
            String key = key(ctx);
            seen.put(key + "#" + call, ctx.header("Last-Event-ID") + " " + ctx.header(StreamLifecycle.STREAM_HEADER));
            if (call == 1) {
                // A promised length never reached: the server ends the connection mid-stream.
                ctx.res().setContentLength(100_000);
                OutputStream out = stream(ctx);
                write(out, EventEncoder.retry(50) + EventEncoder.event(null, "1", "one")
                        + EventEncoder.event(null, "2", "two"));
                // Drop only once the client has shown both events: a failed stream discards what
                // the browser had received but not yet handed to the reader.
                latch(key + " drop").await(10, TimeUnit.SECONDS);
                seenAt.put(key + " dropped", System.nanoTime());
                return;
            }
            seenAt.put(key + " reconnected", System.nanoTime());
            String lastId = ctx.header("Last-Event-ID");
            int from = lastId == null ? 1 : Integer.parseInt(lastId) + 1;
            StringBuilder rest = new StringBuilder();
            for (int id = from; id <= 3; id++) {
                rest.append(EventEncoder.event(null, String.valueOf(id), id == 3 ? "three" : "again" + id));
            }
            write(stream(ctx), rest.toString());
        });
        // An event, then a cut once the test opens the call's latch, for the first three requests
        // (the first with "retry: 77"); then one more event, and the end.
        routes.post("/cuts", ctx -> {
            int call = count(ctx);
            String key = key(ctx);
            seen.put(key + "#" + call, String.valueOf(ctx.header("Last-Event-ID")));
            if (call <= 3) {
                ctx.res().setContentLength(100_000);
                OutputStream out = stream(ctx);
                write(out, (call == 1 ? EventEncoder.retry(77) : "")
                        + EventEncoder.event(null, String.valueOf(call), "part " + call));
                latch(key + " cut " + call).await(10, TimeUnit.SECONDS);
                return;
            }
            write(stream(ctx), EventEncoder.event(null, "4", "whole"));
        });
        routes.post("/hidden", ctx -> {
            count(ctx);
            OutputStream out = stream(ctx);
            write(out, EventEncoder.event(null, "1", "before hiding"));
            latch(key(ctx) + " hidden").await(10, TimeUnit.SECONDS);
            write(out, EventEncoder.event(null, "2", "while hidden"));
        });
        routes.post("/xss", ctx -> write(stream(ctx), EventEncoder.event(null, "1", ClientBehaviourTests.MARKUP)
                + EventEncoder.event("note", "2", "plain <b>text</b>")));
        routes.post("/ids", ctx -> {
            int call = count(ctx);
            String key = key(ctx);
            seen.put(key + "#" + call, String.valueOf(ctx.header("Last-Event-ID")));
            if (call == 3) {
                write(stream(ctx), EventEncoder.event(null, null, "three"));
                return;
            }
            ctx.res().setContentLength(100_000); // never reached: the body is cut short
            OutputStream out = stream(ctx);
            write(out, call == 1 ? EventEncoder.retry(10) + EventEncoder.event(null, "7", "one")
                    : EventEncoder.event(null, null, "two"));
            latch(key + " drop " + call).await(10, TimeUnit.SECONDS);
        });
        routes.post("/refused", ctx -> {
            int call = count(ctx);
            String key = key(ctx);
            if (call == 1) {
                ctx.res().setContentLength(100_000);
                OutputStream out = stream(ctx);
                write(out, EventEncoder.retry(10) + EventEncoder.event(null, "1", "one"));
                latch(key + " drop").await(10, TimeUnit.SECONDS);
            } else if (latch(key + " accept").getCount() > 0) {
                // What a restarting server looks like to fetch: the connection closes, no response.
                // Until the test has seen the client report it: a browser tries a request once more
                // by itself when a kept-alive connection closes under it, as often as it has one.
                ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
                        .getEndPoint().close();
            } else {
                seen.put(key, String.valueOf(ctx.header("Last-Event-ID")));
                write(stream(ctx), EventEncoder.event(null, "2", "two"));
            }
        });
        routes.post("/throwing", ctx -> streamUntilGone(ctx,
                EventEncoder.event("token", "1", "first") + EventEncoder.event("token", "2", "second")));
        // The head comes only once the test opens the key's latch; the stream's id it was sent with
        // is kept.
        routes.post("/slow-head", ctx -> {
            count(ctx);
            String key = key(ctx);
            seen.put(key, String.valueOf(ctx.header(StreamLifecycle.STREAM_HEADER)));
            latch(key + " arrived").countDown();
            latch(key + " answer").await(10, TimeUnit.SECONDS);
            streamUntilGone(ctx, EventEncoder.event(null, "1", "late"));
        });
        // A stream that the server names by an id of its own (a resumable one, to the client), with
        // the end marker; attached to again with a GET from ?from= on.
        routes.post("/named", ctx -> {
            seen.put(key(ctx) + " proposed", String.valueOf(ctx.header(StreamLifecycle.STREAM_HEADER)));
            named(ctx, 1);
        });
        routes.get("/named", ctx -> {
            String key = key(ctx);
            seen.put(key, ctx.method() + " " + ctx.header("Last-Event-ID") + " " + ctx.header(StreamLifecycle.STREAM_HEADER)
                    + " " + ctx.header("Authorization") + " " + ctx.header("Content-Type") + " [" + ctx.body() + "]");
            String lastEventId = ctx.header("Last-Event-ID");
            named(ctx, Integer.parseInt(lastEventId.substring(lastEventId.indexOf(':') + 1)) + 1);
        });
        // One event after another, ?lines= data lines of ?width= characters each, from ?from= lines.
        routes.post("/sized", ctx -> {
            count(ctx);
            StringBuilder events = new StringBuilder();
            for (String lines : ctx.queryParam("lines").split(",")) {
                StringBuilder data = new StringBuilder();
                for (int i = 0; i < Integer.parseInt(lines); i++) {
                    data.append(i == 0 ? "" : "\n").append("x".repeat(Integer.parseInt(ctx.queryParam("width"))));
                }
                events.append(EventEncoder.event(null, null, data.toString()));
            }
            write(stream(ctx), events.toString());
        });
        // Response headers to read.
        routes.post("/headers", ctx -> {
            ctx.res().setHeader("X-Test-One", "first value");
            ctx.res().setHeader("X-Test-Two", "second value");
            write(stream(ctx), EventEncoder.event(null, null, "ok"));
        });
        routes.delete("/*", ctx -> {
            deletes.computeIfAbsent(key(ctx), k -> new CopyOnWriteArrayList<>())
                    .add(ctx.path() + " " + ctx.header(StreamLifecycle.STREAM_HEADER));
            latch(key(ctx) + " deleted").countDown();
            ctx.status(204);
        });
    }

    private void named(Context ctx, int from) throws IOException {
        count(ctx);
        ctx.res().setHeader(StreamLifecycle.STREAM_HEADER, SERVER_STREAM_ID);
        StringBuilder events = new StringBuilder();
        for (int i = from; i <= 3; i++) {
            events.append(EventEncoder.event(null, SERVER_STREAM_ID + ":" + i, "event " + i));
        }
        events.append(EventEncoder.event(StreamLifecycle.END_EVENT, null, "completed"));
        write(stream(ctx), events.toString());
    }

    private static void echo(Context ctx) throws IOException {
        StringBuilder echo = new StringBuilder(ctx.method().name());
        String names = ctx.queryParam("headers");
        if (names != null) {
            for (String name : names.split(",")) {
                echo.append(' ').append(name).append('=').append(ctx.header(name));
            }
        }
        echo.append(" body=").append(ctx.body());
        write(stream(ctx), EventEncoder.event(null, null, echo.toString()));
    }

    private static String key(Context ctx) {
        return String.valueOf(ctx.queryParam("key"));
    }

    private int count(Context ctx) {
        return calls.computeIfAbsent(ctx.path() + "?" + key(ctx), k -> new AtomicInteger()).incrementAndGet();
    }

    private static OutputStream stream(Context ctx) throws IOException {
        ctx.res().setStatus(200);
        ctx.res().setContentType("text/event-stream;charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-store");
        return ctx.res().getOutputStream();
    }

    /**
     * Sends the events, then a comment every 20 ms for at most 15 s; counts down the key's
     * {@code gone} latch when a write fails because the client went away.
     */
    private void streamUntilGone(Context ctx, String events) throws Exception {
        CountDownLatch gone = latch(key(ctx) + " gone");
        OutputStream out = stream(ctx);
        write(out, events);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        try {
            while (System.nanoTime() < deadline) {
                Thread.sleep(20); // the stream's own pace, not a wait for the test
                write(out, EventEncoder.comment("tick"));
            }
        } catch (IOException e) {
            gone.countDown();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        otherOrigin.stop();
        app.stop();
    }
}
