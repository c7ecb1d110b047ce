package io.postsse.server.demo;

import io.javalin.Javalin;
import io.javalin.http.staticfiles.Location;
import io.postsse.server.PostSse;
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
            PostSse.install(config, sse -> sse.post("/api/chat", ChatRequest.class, ChatRequest::problem,
                    (chat, events) -> {
                        List<String> tokens = ReplyGenerator.tokens(chat.prompt());
                        for (String token : tokens) {
                            events.send("token", Map.of("text", token));
                            Thread.sleep(tokenDelay.toMillis());
                        }
                        events.send("done", Map.of("tokens", tokens.size()));
                    }));
        });
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
