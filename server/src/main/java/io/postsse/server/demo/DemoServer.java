package io.postsse.server.demo;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.postsse.protocol.EventEncoder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The demo app: the chat page and its streaming endpoint, {@code POST /api/chat}. */
public final class DemoServer {
    /** The pause between two tokens of the built-in generator, so that streaming is visible. */
    public static final Duration DEFAULT_TOKEN_DELAY = Duration.ofMillis(30);

    private DemoServer() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(env("PORT", "7070"));
        Duration tokenDelay = Duration.ofMillis(Long.parseLong(env("POSTSSE_TOKEN_DELAY_MS",
                String.valueOf(DEFAULT_TOKEN_DELAY.toMillis()))));
        create(tokenDelay).start(port);
    }

    /** The app, configured but not started. */
    public static Javalin create(Duration tokenDelay) {
        return Javalin.create(config -> {
            config.concurrency.useVirtualThreads = Runtime.version().feature() >= 21;
            config.staticFiles.add("/web", Location.CLASSPATH);
            config.routes.post("/api/chat", ctx -> streamChat(ctx, tokenDelay));
        });
    }

    private static void streamChat(Context ctx, Duration tokenDelay) throws IOException, InterruptedException {
        ChatRequest request = ctx.bodyAsClass(ChatRequest.class);
        List<String> tokens = ReplyGenerator.tokens(request.prompt());
        ctx.status(200);
        ctx.res().setContentType("text/event-stream; charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        OutputStream out = ctx.res().getOutputStream();
        for (String token : tokens) {
            String json = ctx.jsonMapper().toJsonString(Map.of("text", token), Map.class);
            out.write(EventEncoder.event("token", null, json).getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(tokenDelay.toMillis());
        }
        String done = ctx.jsonMapper().toJsonString(Map.of("tokens", tokens.size()), Map.class);
        out.write(EventEncoder.event("done", null, done).getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
