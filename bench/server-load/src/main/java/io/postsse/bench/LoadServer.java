package io.postsse.bench;

import io.javalin.Javalin;
import io.postsse.server.PostSse;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;

/**
 * The server side of the load benchmark: {@code POST /stream} sends {@code count} events
 * {@code intervalMs} apart, each carrying its send time in epoch microseconds, then ends;
 * {@code GET /stats} reports the heap after a full collection. HTTP/1.1 and h2c on one port.
 */
public final class LoadServer {
    /** The body of {@code POST /stream}. */
    public record StreamRequest(int count, int intervalMs, int size) {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args.length > 0 ? args[0] : "7090");
        Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = Runtime.version().feature() >= 21;
            config.jetty.modifyServer(server -> server.setStopTimeout(0));
            PostSse.install(config, sse -> {
                sse.heartbeat = Duration.ofSeconds(15);
                sse.http2 = true; // h2c beside HTTP/1.1 on the same port
                // The load comes from one client, loopback: lift the limits meant for the internet.
                sse.maxStreams = 1_000_000;
                sse.maxStreamsPerClient = 1_000_000;
                sse.producerThreads = 100_000; // JDK 17: one platform thread per producer at this load
                sse.maxStreamDuration = null;
                sse.post("/stream", StreamRequest.class, (request, events) -> {
                    String padding = "x".repeat(Math.max(0, request.size()));
                    for (int i = 0; i < request.count(); i++) {
                        if (request.intervalMs() > 0) {
                            Thread.sleep(request.intervalMs());
                        }
                        Instant now = Instant.now();
                        events.send((now.getEpochSecond() * 1_000_000 + now.getNano() / 1000) + " " + padding);
                    }
                });
            });
            config.routes.get("/stats", ctx -> {
                System.gc();
                long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                ctx.result("{\"heapBytes\":" + heap + ",\"threads\":" + Thread.activeCount() + "}");
            });
        }).start("127.0.0.1", port);
        System.out.println("ready on " + port);
    }
}
