package io.postsse.server;

import io.javalin.Javalin;
import java.time.Duration;

/**
 * A PostSse app for {@link ServerKilledTest}, run as a process of its own: a stream route at
 * {@code /ticks} sends an event every {@code args[0]} milliseconds (default 50) for far longer
 * than a test lasts. It listens on a free loopback port, prints {@code port N} on standard output
 * once it is ready, and stops the app when the JVM is asked to exit (SIGTERM), as a well-behaved
 * app does. It halts when its standard input closes, so that it never outlives the test's JVM.
 */
public final class StreamingTestApp {
    private StreamingTestApp() {
    }

    public static void main(String[] args) {
        long intervalMillis = args.length > 0 ? Long.parseLong(args[0]) : 50;
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            PostSse.install(config, sse -> {
                sse.heartbeat = Duration.ofSeconds(1);
                sse.post("/ticks", Object.class, (request, events) -> {
                    for (int tick = 1; tick <= 1_000_000; tick++) {
                        events.send(OutboundEvent.of("tick " + tick).id(String.valueOf(tick)));
                        Thread.sleep(intervalMillis);
                    }
                });
            });
        }).start("127.0.0.1", 0);
        ChildProcess.serve(app);
    }
}
