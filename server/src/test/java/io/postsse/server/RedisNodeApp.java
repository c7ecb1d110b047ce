package io.postsse.server;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One of several servers sharing the streams' logs in one Redis, run as a process of its own by
 * {@link SeveralServersTest}. Arguments: the Redis URL, the resume grace and the retention in
 * milliseconds. Resumable routes:
 * <ul>
 *   <li>{@code POST /job} with {@code {"n": N}}, optionally {@code "events": E} (default
 *       {@value #JOB_EVENTS}) and {@code "pauseMillis": P}: the events of {@link #jobEvents(int, int)},
 *       whose texts follow from N alone, with a pause of P ms after each (none: 1 ms after every
 *       eighth). {@code GET /runs} answers how many times this server ran each job's producer,
 *       {@code {"N": runs}}; {@code GET /streams} the ids of the streams whose producers ran here
 *       ({@code started}) and how many requests attached here to each stream by
 *       {@code Last-Event-ID} ({@code attached}, by id). Each producer run is also printed,
 *       {@code run N <stream id>}, so that a test still knows it after this server was killed;</li>
 *   <li>{@code POST /ticks}: {@code tick 1}, {@code tick 2}… every {@value #TICK_MILLIS} ms, for far
 *       longer than a test lasts.</li>
 * </ul>
 * It listens on a free loopback port, prints {@code port N} once it is ready, and halts when its
 * standard input closes, so that it never outlives the test's JVM.
 */
public final class RedisNodeApp {
    static final int JOB_EVENTS = 40;
    static final long TICK_MILLIS = 100;
    /**
     * The pieces of the jobs' texts: several bytes per character in UTF-8 (so that cuts fall inside
     * characters), several lines (several {@code data:} fields, an empty one among them), and text
     * that looks like a field.
     */
    private static final String[] PIECES = {
        " caf\u00e9 \u20ac \ud83d\ude00",
        " \u6f22\u5b57\u3068\u304b\u306a",
        "\nfirst line\nsecond line",
        "\nbefore an empty line\n\nafter it",
        "  two leading spaces",
        " a trailing newline\n",
        "\ndata: not a field",
        "\nid: nor this",
    };

    private RedisNodeApp() {
    }

    record Job(int n, int events, int pauseMillis) {
    }

    /** One event of a job, as sent and as a client must receive it. */
    record Sent(String type, String data) {
    }

    /**
     * The events of job {@code n}: their types and texts are drawn from a generator seeded by
     * {@code n} alone, so that every server sends the same events for it, and no two jobs alike.
     */
    static List<Sent> jobEvents(int n, int count) {
        SplittableRandom random = new SplittableRandom(n);
        List<Sent> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String type = random.nextInt(4) == 0 ? "note" : "token";
            String data = "job " + n + " tok-" + i + PIECES[random.nextInt(PIECES.length)]
                    + PIECES[random.nextInt(PIECES.length)];
            events.add(new Sent(type, data));
        }
        return events;
    }

    static List<Sent> jobEvents(int n) {
        return jobEvents(n, JOB_EVENTS);
    }

    /** The stream id a request attaches to, from its {@code Last-Event-ID} ({@code <id>:<seq>}); null for a start. */
    private static String attachedStream(Context ctx) {
        String lastEventId = ctx.header("Last-Event-ID");
        if (lastEventId == null) {
            lastEventId = ctx.queryParam("lastEventId");
        }
        if (lastEventId == null || lastEventId.isEmpty()) {
            return null;
        }
        int colon = lastEventId.lastIndexOf(':');
        return colon < 0 ? lastEventId : lastEventId.substring(0, colon);
    }

    public static void main(String[] args) {
        String redisUrl = args[0];
        Duration resumeGrace = Duration.ofMillis(Long.parseLong(args[1]));
        Duration retention = Duration.ofMillis(Long.parseLong(args[2]));
        Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
        Set<String> started = ConcurrentHashMap.newKeySet();
        Map<String, AtomicInteger> attached = new ConcurrentHashMap<>();
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.get("/runs", ctx -> {
                Map<String, Integer> counts = new TreeMap<>();
                runs.forEach((n, count) -> counts.put(String.valueOf(n), count.get()));
                ctx.json(counts);
            });
            config.routes.get("/streams", ctx -> {
                Map<String, Integer> attaches = new TreeMap<>();
                attached.forEach((id, count) -> attaches.put(id, count.get()));
                ctx.json(Map.of("started", new TreeSet<>(started), "attached", attaches));
            });
            config.routes.before("/job", ctx -> {
                String id = attachedStream(ctx);
                if (id != null) {
                    attached.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
                }
            });
            PostSse.install(config, sse -> {
                sse.redisUrl = redisUrl;
                sse.resumeGrace = resumeGrace;
                sse.retention = retention;
                sse.heartbeat = Duration.ofSeconds(1);
                sse.post("/job", Job.class, (job, events) -> {
                    runs.computeIfAbsent(job.n(), n -> new AtomicInteger()).incrementAndGet();
                    started.add(events.streamId());
                    System.out.println("run " + job.n() + " " + events.streamId());
                    List<Sent> sends = jobEvents(job.n(), job.events() > 0 ? job.events() : JOB_EVENTS);
                    for (int i = 0; i < sends.size(); i++) {
                        events.send(sends.get(i).type(), sends.get(i).data());
                        if (job.pauseMillis() > 0) {
                            Thread.sleep(job.pauseMillis()); // a producer that takes its time
                        } else if (i % 8 == 7) {
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
        ChildProcess.serve(app);
    }
}
