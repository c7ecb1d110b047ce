package io.postsse.server;

import io.javalin.Javalin;

/**
 * A PostSse app without metrics, for {@link WithoutMicrometerTest}, run as a process of its own on
 * a class path without Micrometer: a plain route {@code /s} and a resumable one {@code /r}, each
 * sending one event. It prints whether Micrometer can be loaded, then {@code port N} once it listens.
 */
public final class WithoutMicrometerApp {
    private WithoutMicrometerApp() {
    }

    public static void main(String[] args) {
        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry");
            System.out.println("Micrometer is on the class path");
        } catch (ClassNotFoundException e) {
            System.out.println("Micrometer is not on the class path");
        }
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            PostSse.install(config, sse -> {
                sse.heartbeat = null;
                sse.post("/s", Object.class, (request, events) -> events.send("a"));
                sse.post("/r", Object.class, (request, events) -> events.send("a")).resumable();
            });
        }).start("127.0.0.1", 0);
        ChildProcess.serve(app);
    }
}
