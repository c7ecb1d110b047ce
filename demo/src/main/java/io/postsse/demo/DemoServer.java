package io.postsse.demo;

import io.javalin.Javalin;
import io.javalin.http.staticfiles.Location;
import io.postsse.server.EventEmitter;
import io.postsse.server.PostSse;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The demo app: the chat page, the inspector page, and the streaming endpoint {@code POST /api/chat},
 * answered by the offline generator or by a relayed OpenAI-compatible server, resumable; also
 * {@code /postsse.js}, the client for plain JavaScript.
 */
public final class DemoServer {
    /** The pause between two tokens of the built-in generator, so that streaming is visible. */
    public static final Duration DEFAULT_TOKEN_DELAY = Duration.ofMillis(30);

    private DemoServer() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(env("PORT", "7070"));
        // POSTSSE_REDIS_URL: the streams' logs in that Redis, so that several demo servers share them.
        String redisUrl = env("POSTSSE_REDIS_URL", "");
        Javalin app = create(backendFromEnvironment(), redisUrl.isEmpty() ? null : redisUrl).start(port);
        // A plain kill stops the server: its open streams are broken, so that clients know to reconnect.
        Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "postsse-demo-stop"));
    }

    /**
     * The backend the environment asks for: a relay to {@code POSTSSE_UPSTREAM_URL} (with
     * {@code POSTSSE_UPSTREAM_KEY} and {@code POSTSSE_UPSTREAM_MODEL}) when it is set, else the
     * offline generator, paced by {@code POSTSSE_TOKEN_DELAY_MS}.
     */
    static ChatBackend backendFromEnvironment() {
        String upstream = env("POSTSSE_UPSTREAM_URL", "");
        if (!upstream.isEmpty()) {
            return new OpenAiRelay(URI.create(upstream), env("POSTSSE_UPSTREAM_KEY", ""),
                    env("POSTSSE_UPSTREAM_MODEL", OpenAiRelay.DEFAULT_MODEL));
        }
        return new OfflineBackend(Duration.ofMillis(Long.parseLong(env("POSTSSE_TOKEN_DELAY_MS",
                String.valueOf(DEFAULT_TOKEN_DELAY.toMillis())))));
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
     * or in memory when it is null.
     */
    public static Javalin create(ChatBackend backend, String redisUrl) {
        return Javalin.create(config -> {
            config.concurrency.useVirtualThreads = Runtime.version().feature() >= 21;
            config.staticFiles.add("/web", Location.CLASSPATH);
            PostSse.install(config, sse -> {
                sse.serveClientScript();
                sse.redisUrl = redisUrl;
                // Resumable: a reply is produced once, and a client cut off or reloaded takes it up again.
                sse.post("/api/chat", ChatRequest.class, ChatRequest::problem,
                        (chat, events) -> streamReply(backend, chat, events)).resumable();
            });
        });
    }

    /** One {@code token} event per piece of the reply, then {@code done}; or {@code error} if the model failed. */
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
            Map<String, Object> problem = new LinkedHashMap<>();
            problem.put("type", "about:blank");
            problem.put("title", "Bad Gateway");
            problem.put("status", 502);
            problem.put("detail", e.getMessage());
            events.send("error", problem);
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

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
