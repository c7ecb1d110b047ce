package io.postsse.server;

import io.javalin.Javalin;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One of several servers sharing the streams' logs in one Redis, run as a process of its own by
 * {@link SeveralServersTest}. Arguments: the Redis URL, the resume grace and the retention in
 * milliseconds. Resumable routes:
 * <ul>
 *   <li>{@code POST /job} with {@code {"n": N}}: the events of {@link #token(int)}, 0 to
 *       {@value #JOB_EVENTS} - 1, with short pauses; {@code GET /runs} answers how many times this
 *       server ran each job's producer, {@code {"N": runs}};</li>
 *   <li>{@code POST /ticks}: {@code tick 1}, {@code tick 2}… every {@value #TICK_MILLIS} ms, for far
 *       longer than a test lasts.</li>
 * </ul>
 * It listens on a free loopback port, prints {@code port N} once it is ready, and halts when its
 * standard input closes, so that it never outlives the test's JVM.
 */
public final class RedisNodeApp {
    static final int JOB_EVENTS = 40;
    static final long TICK_MILLIS = 100;
    /** Several bytes per character in UTF-8, so that cuts fall inside characters too. */
    private static final String TEXT = " caf\u00e9 \u20ac \ud83d\ude00";

    private RedisNodeApp() {
    }

    record Job(int n) {
    }

    static String token(int i) {
        return "tok-" + i + TEXT;
    }

    public static void main(String[] args) {
        String redisUrl = args[0];
        Duration resumeGrace = Duration.ofMillis(Long.parseLong(args[1]));
        Duration retention = Duration.ofMillis(Long.parseLong(args[2]));
        Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.get("/runs", ctx -> {
                Map<String, Integer> counts = new TreeMap<>();
                runs.forEach((n, count) -> counts.put(String.valueOf(n), count.get()));
                ctx.json(counts);
            });
            PostSse.install(config, sse -> {
                sse.redisUrl = redisUrl;
                sse.resumeGrace = resumeGrace;
                sse.retention = retention;
                sse.heartbeat = Duration.ofSeconds(1);
                sse.post("/job", Job.class, (job, events) -> {
                    runs.computeIfAbsent(job.n(), n -> new AtomicInteger()).incrementAndGet();
                    for (int i = 0; i < JOB_EVENTS; i++) {
                        events.send("token", token(i));
                        if (i % 8 == 7) {
                            Thread.sleep(1); // work between tokens: some cuts fall while the producer runs
                        }
                    }
                }).resumable();
                sse.post("/ticks", Object.class, (request, events) -> {
                    for (int tick = 1; tick <= 100_000; tick++) {
                        events.send("tick " + tick);
                        Thread.sleep(TICK_MILLIS);
                    }
                }).resumable();
            });
        }).start("127.0.0.1", 0);
        Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "stop-app"));

        Thread orphanGuard = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing is sent on standard input: only its end matters
                }
            } catch (IOException e) {
                // the same as its end
            }
            Runtime.getRuntime().halt(3);
        }, "orphan-guard");
        orphanGuard.setDaemon(true);
        orphanGuard.start();

        System.out.println("port " + app.port());
        System.out.flush();
    }
}
