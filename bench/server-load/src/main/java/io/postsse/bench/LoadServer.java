package io.postsse.bench;

import io.javalin.Javalin;
import io.postsse.server.PostSse;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.ObjectName;

/**
 * The server side of the load benchmark. Each stream route sends {@code count} events
 * {@code intervalMs} apart, each carrying its send time in epoch microseconds, then ends:
 * {@code POST /stream} from a producer that loops and sleeps on its own thread (a virtual thread
 * on JDK 21+); {@code POST /stream-timer} from a timer shared by all streams, the producer having
 * returned at once ({@code events.keepOpen()}), as the Node peers send from {@code setInterval};
 * {@code POST /resumable} as {@code /stream}, on a resumable route (its events kept in the
 * in-memory log). {@code GET /stats} reports the heap after a concurrent collection (which
 * leaves some garbage, but does not stop the streams); with {@code ?full=true} after a full one;
 * with {@code ?breakdown=<file prefix>}, after a full one too, and it writes the class histogram
 * and, with {@code -XX:NativeMemoryTracking=summary}, the native memory summary there. HTTP/1.1 and h2c on
 * one port.
 */
public final class LoadServer {
    /** The body of a stream request. */
    public record StreamRequest(int count, int intervalMs, int size) {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args.length > 0 ? args[0] : "7090");
        ScheduledExecutorService timer = timer();
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
                    String padding = padding(request);
                    for (int i = 0; i < request.count(); i++) {
                        if (request.intervalMs() > 0) {
                            Thread.sleep(request.intervalMs());
                        }
                        events.send(now() + " " + padding);
                    }
                });
                sse.post("/stream-timer", StreamRequest.class, (request, events) -> {
                    String padding = padding(request);
                    AtomicInteger left = new AtomicInteger(request.count());
                    AtomicReference<ScheduledFuture<?>> ticks = new AtomicReference<>();
                    events.keepOpen();
                    events.onCancel(() -> {
                        ScheduledFuture<?> scheduled = ticks.get();
                        if (scheduled != null) {
                            scheduled.cancel(false);
                        }
                    });
                    ticks.set(timer.scheduleAtFixedRate(() -> {
                        if (left.get() <= 0 || !events.isOpen()) {
                            return;
                        }
                        try {
                            events.send(now() + " " + padding);
                            if (left.decrementAndGet() == 0) {
                                ticks.get().cancel(false);
                                events.close();
                            }
                        } catch (RuntimeException e) { // the stream closed under the timer
                            ticks.get().cancel(false);
                        }
                    }, Math.max(1, request.intervalMs()), Math.max(1, request.intervalMs()), TimeUnit.MILLISECONDS));
                });
                sse.post("/resumable", StreamRequest.class, (request, events) -> {
                    String padding = padding(request);
                    for (int i = 0; i < request.count(); i++) {
                        if (request.intervalMs() > 0) {
                            Thread.sleep(request.intervalMs());
                        }
                        events.send(now() + " " + padding);
                    }
                }).resumable();
            });
            config.routes.get("/stats", ctx -> {
                String breakdown = ctx.queryParam("breakdown");
                if (breakdown != null) {
                    // The histogram collects the heap in full first: what it counts is live.
                    Files.writeString(Path.of(breakdown + ".histogram"), diagnostic("gcClassHistogram"));
                    Files.writeString(Path.of(breakdown + ".nmt"), diagnostic("vmNativeMemory", "summary"));
                } else if ("true".equals(ctx.queryParam("full"))) {
                    diagnostic("gcClassHistogram"); // a full collection, which System.gc() is not here
                } else {
                    System.gc(); // concurrent (-XX:+ExplicitGCInvokesConcurrent): no pause under load
                }
                long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                ctx.result("{\"heapBytes\":" + heap + ",\"threads\":" + Thread.activeCount() + "}");
            });
        }).start("127.0.0.1", port);
        System.out.println("ready on " + port);
    }

    /** The timer of /stream-timer: two threads, that only hand events to their streams. */
    private static ScheduledExecutorService timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(2, runnable -> {
            Thread thread = new Thread(runnable, "load-timer");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    private static String padding(StreamRequest request) {
        return "x".repeat(Math.max(0, request.size()));
    }

    /** Now, in epoch microseconds. */
    private static long now() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    /** A diagnostic command's output, as {@code jcmd} would print it. */
    private static String diagnostic(String operation, String... arguments) throws Exception {
        return (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), operation,
                new Object[] {arguments}, new String[] {String[].class.getName()});
    }
}
