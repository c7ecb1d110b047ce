package io.postsse.bench.resumable;

import io.javalin.Javalin;
import io.postsse.server.PostSse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Resumable streams beside plain ones, in one server, one run: how fast a reconnecting client gets
 * its first replayed event, how fast one resumable stream flows, how much memory an ended stream's
 * log holds, and how fast an explicit stop reaches the producer. Prints Markdown tables.
 *
 * <p>The same with the log on Redis, across two servers, is {@link RedisBenchmark}: run after
 * these, or alone (mode {@code redis}).
 *
 * <p>Run by {@code bench/resumable.sh}; not a test.
 */
public final class ResumableBenchmark {
    private static final String CHAT_WORDS = "the sky is blue because air scatters short wavelengths of sunlight more than long ones";
    private static final int CHAT_EVENTS = 2000;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    record Job(int events, int delay) {
    }

    private static final AtomicReference<CountDownLatch> producing = new AtomicReference<>(new CountDownLatch(1));
    private static final AtomicLong cancelledAt = new AtomicLong();
    private static final AtomicReference<CountDownLatch> interrupted = new AtomicReference<>(new CountDownLatch(1));
    private static final AtomicLong interruptedAt = new AtomicLong();

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        String only = args.length > 1 ? args[1] : "";
        int liveStreams = args.length > 2 ? Integer.parseInt(args[2]) : 5000;
        if (!List.of("", "resume", "throughput", "stop", "memory", "in-memory", "redis", "redis-throughput", "redis-latency",
                "redis-stop", "redis-memory", "redis-concurrency", "redis-transport").contains(only)) {
            throw new IllegalArgumentException("no such mode: " + only);
        }
        if (only.startsWith("redis")) {
            RedisBenchmark.run(rounds, only, liveStreams);
            return;
        }
        inMemory(rounds, only.equals("in-memory") ? "" : only);
        if (only.isEmpty()) {
            RedisBenchmark.run(rounds, "redis", liveStreams);
        }
    }

    /** The sections on one server with the in-memory log: all of them, or the one named. */
    private static void inMemory(int rounds, String only) throws Exception {
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            PostSse.install(config, sse -> {
                sse.heartbeat = null;
                sse.maxEventsPerStream = 10_000_000;
                // The load comes from one loopback client: lift the limits meant for the internet.
                sse.maxStreams = 1_000_000;
                sse.maxStreamsPerClient = 1_000_000;
                sse.producerThreads = 100_000;
                sse.maxStreamDuration = null;
                sse.maxBytesPerStream = 1L << 31;
                sse.maxLogBytes = 8L << 30;
                sse.post("/plain/tokens", Job.class, ResumableBenchmark::tokens);
                sse.post("/plain/tokens-with-ids", Job.class, ResumableBenchmark::tokensWithIds);
                sse.post("/resumable/tokens", Job.class, ResumableBenchmark::tokens).resumable();
                sse.post("/resumable/chat", Job.class, ResumableBenchmark::chat).resumable();
                sse.post("/plain/silent", Job.class, ResumableBenchmark::silent);
                sse.post("/resumable/silent", Job.class, ResumableBenchmark::silent).resumable();
            });
        }).start("127.0.0.1", 0);
        try {
            int port = app.port();
            System.out.println("JDK " + Runtime.version().feature() + ", " + rounds + " rounds each, loopback.");
            if (only.isEmpty() || only.equals("resume")) {
                resumeLatency(port, rounds);
            }
            if (only.isEmpty() || only.equals("throughput")) {
                throughput(port);
            }
            if (only.isEmpty() || only.equals("stop")) {
                stopLatency(port, rounds);
            }
            if (only.isEmpty() || only.equals("memory")) {
                retainedMemory(port);
            }
        } finally {
            app.stop();
        }
    }

    // ---- the producers ----

    /** The same events, each with an id as long as a resumable stream's, numbered by the producer. */
    private static void tokensWithIds(Job job, io.postsse.server.EventEmitter events) {
        String[] words = CHAT_WORDS.split(" ");
        String large = "x".repeat(Math.max(0, job.delay()));
        String prefix = "AAAAAAAAAAAAAAAAAAAAAA:";
        for (int i = 0; i < job.events(); i++) {
            String data = job.delay() > 0 ? large : "{\"text\":\" " + words[i % words.length] + "\"}";
            events.send(io.postsse.server.OutboundEvent.of(data).type("token").id(prefix + (i + 1)));
        }
    }

    /** Chat tokens, {@code {"text":" word"}}, or, when {@code delay} is set, events of that many bytes. */
    private static void tokens(Job job, io.postsse.server.EventEmitter events) {
        String[] words = CHAT_WORDS.split(" ");
        String[] tokens = new String[words.length];
        for (int i = 0; i < words.length; i++) {
            tokens[i] = "{\"text\":\" " + words[i] + "\"}";
        }
        String large = "x".repeat(Math.max(0, job.delay()));
        for (int i = 0; i < job.events(); i++) {
            events.send("token", job.delay() > 0 ? large : tokens[i % tokens.length]);
        }
    }

    private static void chat(Job job, io.postsse.server.EventEmitter events) throws InterruptedException {
        String[] words = CHAT_WORDS.split(" ");
        for (int i = 0; i < job.events(); i++) {
            events.send("token", Map.of("text", " " + words[i % words.length]));
            if (job.delay() > 0) {
                Thread.sleep(job.delay());
            }
        }
    }

    private static void silent(Job job, io.postsse.server.EventEmitter events) {
        events.onCancel(() -> cancelledAt.set(System.nanoTime()));
        producing.get().countDown();
        try {
            Thread.sleep(60_000);
        } catch (InterruptedException e) {
            interruptedAt.set(System.nanoTime());
            interrupted.get().countDown();
        }
    }

    // ---- 1. resume latency ----

    private static void resumeLatency(int port, int rounds) throws Exception {
        // A whole chat reply in the log, and one still being produced (an event every 20 ms).
        Response ended = post(port, "/resumable/chat", "{\"events\":" + CHAT_EVENTS + ",\"delay\":0}", null, true);
        String endedId = ended.header("Postsse-Stream");
        Random random = new Random(1);
        double[] replay = new double[rounds];
        double[] fresh = new double[rounds];
        double[] live = new double[rounds];
        for (int round = -50; round < rounds; round++) {
            int from = random.nextInt(CHAT_EVENTS - 1);
            double a = firstEventMillis(port, "GET", "/resumable/chat", null, endedId + ":" + from);
            double b = firstEventMillis(port, "POST", "/plain/tokens", "{\"events\":1,\"delay\":0}", null);
            if (round >= 0) {
                replay[round] = a;
                fresh[round] = b;
            }
        }
        Response running = post(port, "/resumable/chat", "{\"events\":100000,\"delay\":20}", null, false);
        String liveId = running.header("Postsse-Stream");
        for (int round = -50; round < rounds; round++) {
            double c = firstEventMillis(port, "GET", "/resumable/chat", null, liveId + ":0");
            if (round >= 0) {
                live[round] = c;
            }
        }
        stop(port, "/resumable/chat", liveId);
        running.socket.close();
        System.out.println();
        System.out.println("### Resume latency: the reconnecting request sent → its first event read");
        System.out.println();
        System.out.println("| request | rounds | median ms | p90 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|");
        System.out.println("| resume an ended " + CHAT_EVENTS + "-event reply from a random event (GET, Last-Event-ID) | "
                + rounds + " | " + summary(replay) + " |");
        System.out.println("| resume a running stream from its start (GET, Last-Event-ID) | " + rounds + " | " + summary(live) + " |");
        System.out.println("| peer: start a plain stream whose producer sends at once (POST) | " + rounds + " | " + summary(fresh) + " |");
    }

    /** Sends the request on a new connection; milliseconds until the first event's first line has arrived. */
    private static double firstEventMillis(int port, String method, String path, String body, String lastEventId)
            throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setTcpNoDelay(true);
            long sent = System.nanoTime();
            write(socket, method, path, body, lastEventId, null);
            readUntil(socket.getInputStream(), "\ndata:", null);
            return (System.nanoTime() - sent) / 1e6;
        }
    }

    // ---- 2. throughput ----

    /** Events of two sizes: a chat model's tokens (a JSON object of one word), and 1 KiB each. */
    private static void throughput(int port) throws Exception {
        System.out.println();
        System.out.println("### Single-stream throughput: one stream at a time, read whole by java.net.http, median of 5");
        System.out.println();
        System.out.println("| events | stream | events/s | MB/s on the wire | events/s against plain | MB/s against plain |");
        System.out.println("|---|---|---|---|---|---|");
        throughput(port, 300_000, 0, "300,000 chat tokens");
        throughput(port, 30_000, 1024, "30,000 of 1 KiB");
    }

    private static void throughput(int port, int events, int size, String label) throws Exception {
        String body = "{\"events\":" + events + ",\"delay\":" + size + "}";
        for (int i = 0; i < 2; i++) { // warm-up
            drain(port, "/plain/tokens", body);
            drain(port, "/resumable/tokens", body);
        }
        double[][] plain = new double[5][];
        double[][] withIds = new double[5][];
        double[][] resumable = new double[5][];
        for (int i = 0; i < 5; i++) { // alternated, so that a noisy moment hits all
            plain[i] = drain(port, "/plain/tokens", body);
            withIds[i] = drain(port, "/plain/tokens-with-ids", body);
            resumable[i] = drain(port, "/resumable/tokens", body);
        }
        double[] p = median(plain);
        row(label, "plain", events, p, p);
        row(label, "plain, each event with an id as long as a resumable one", events, median(withIds), p);
        row(label, "resumable", events, median(resumable), p);
    }

    private static double[] median(double[][] runs) {
        Arrays.sort(runs, (a, b) -> Double.compare(a[0], b[0]));
        return runs[runs.length / 2];
    }

    private static void row(String label, String stream, int events, double[] run, double[] plain) {
        System.out.printf("| %s | %s | %,.0f | %.1f | %.2f× | %.2f× |%n", label, stream, events / run[0],
                run[1] / run[0] / 1e6, plain[0] / run[0], (run[1] / run[0]) / (plain[1] / plain[0]));
    }

    /** Reads a whole stream as fast as it comes: seconds from the request to its end, and its bytes. */
    private static double[] drain(int port, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long started = System.nanoTime();
        HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        long bytes = 0;
        try (InputStream in = response.body()) {
            byte[] buffer = new byte[65536];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                bytes += read;
            }
        }
        if (bytes < 1000) {
            throw new IllegalStateException("too short a stream from " + path + ": " + bytes + " bytes");
        }
        return new double[] {(System.nanoTime() - started) / 1e9, bytes};
    }

    // ---- 3. stop latency ----

    private static void stopLatency(int port, int rounds) throws Exception {
        double[] stopCallback = new double[rounds];
        double[] stopInterrupt = new double[rounds];
        double[] cutCallback = new double[rounds];
        for (int round = -30; round < rounds; round++) {
            // Resumable: DELETE with the stream's id.
            producing.set(new CountDownLatch(1));
            interrupted.set(new CountDownLatch(1));
            Response stream = post(port, "/resumable/silent", "{\"events\":0,\"delay\":0}", null, false);
            await(producing.get(), "the producer did not start");
            long stopSent = System.nanoTime();
            stop(port, "/resumable/silent", stream.header("Postsse-Stream"));
            await(interrupted.get(), "the producer was not cancelled within 5 s");
            if (round >= 0) {
                stopCallback[round] = (cancelledAt.get() - stopSent) / 1e6;
                stopInterrupt[round] = (interruptedAt.get() - stopSent) / 1e6;
            }
            stream.socket.close();
            // Plain: the client closes its connection.
            producing.set(new CountDownLatch(1));
            interrupted.set(new CountDownLatch(1));
            Response plain = post(port, "/plain/silent", "{\"events\":0,\"delay\":0}", null, false);
            await(producing.get(), "the producer did not start");
            long closed = System.nanoTime();
            plain.socket.close();
            await(interrupted.get(), "the plain producer was not cancelled within 5 s");
            if (round >= 0) {
                cutCallback[round] = (cancelledAt.get() - closed) / 1e6;
            }
        }
        System.out.println();
        System.out.println("### Stop → cancel: the client's stop sent → the producer's cancel callback ran");
        System.out.println();
        System.out.println("| stop | rounds | until | median ms | p90 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|");
        System.out.println("| resumable, `DELETE` with `Postsse-Stream` | " + rounds + " | cancel callback | " + summary(stopCallback) + " |");
        System.out.println("| resumable, `DELETE` with `Postsse-Stream` | " + rounds + " | producer interrupted | " + summary(stopInterrupt) + " |");
        System.out.println("| peer: plain stream, connection closed | " + rounds + " | cancel callback | " + summary(cutCallback) + " |");
    }

    private static void stop(int port, String path, String streamId) throws Exception {
        HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Postsse-Stream", streamId).DELETE().build(), HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() != 204) {
            throw new IllegalStateException("the stop was answered " + response.statusCode());
        }
    }

    // ---- 4. retained memory ----

    private static void retainedMemory(int port) throws Exception {
        int streams = 200;
        long before = usedHeapAfterGc();
        long wireBytes = 0;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            Response reply = post(port, "/resumable/chat", "{\"events\":" + CHAT_EVENTS + ",\"delay\":0}", null, true);
            ids.add(reply.header("Postsse-Stream"));
            wireBytes += reply.bodyBytes;
        }
        long after = usedHeapAfterGc();
        double perStream = (after - before) / (double) streams;
        double wirePerStream = wireBytes / (double) streams;
        System.out.println();
        System.out.println("### Memory per retained stream: an ended " + String.format("%,d", CHAT_EVENTS)
                + "-event chat reply, in the in-memory log");
        System.out.println();
        System.out.println("| streams | heap per stream | its events on the wire | heap against wire |");
        System.out.println("|---|---|---|---|");
        System.out.printf("| %d | %,.0f bytes | %,.0f bytes | %.2f× |%n", streams, perStream, wirePerStream, perStream / wirePerStream);
        if (ids.size() != streams) {
            throw new IllegalStateException("lost a stream");
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(200); // let the collector and finalisation settle: a measurement, not a synchronisation
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    // ---- raw HTTP/1.1 ----

    /** A response whose head was read; the body read whole when asked, else left on the socket. */
    private static final class Response {
        final Socket socket;
        final String head;
        final long bodyBytes;

        Response(Socket socket, String head, long bodyBytes) {
            this.socket = socket;
            this.head = head;
            this.bodyBytes = bodyBytes;
        }

        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            throw new IllegalStateException("no " + name + " header in " + head);
        }
    }

    private static Response post(int port, String path, String body, String lastEventId, boolean readAll)
            throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        write(socket, "POST", path, body, lastEventId, null);
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        readUntil(in, "\r\n\r\n", head);
        if (!head.toString().startsWith("HTTP/1.1 200")) {
            throw new IllegalStateException("unexpected answer: " + head);
        }
        int headLength = head.indexOf("\r\n\r\n") + 4;
        long bytes = 0;
        if (readAll) {
            StringBuilder events = new StringBuilder(head.substring(headLength));
            if (events.indexOf("event: postsse.end") < 0) {
                readUntil(in, "event: postsse.end", events);
            }
            bytes = events.length();
            socket.close();
        }
        return new Response(socket, head.substring(0, headLength), bytes);
    }

    /** Writes one HTTP/1.1 request on the socket: a JSON body when not null, the two resumable headers when not null. */
    static void write(Socket socket, String method, String path, String body, String lastEventId,
            String streamId) throws IOException {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder request = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if (body != null) {
            request.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        if (lastEventId != null) {
            request.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
        }
        if (streamId != null) {
            request.append("Postsse-Stream: ").append(streamId).append("\r\n");
        }
        OutputStream out = socket.getOutputStream();
        out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    /** Reads until the text has arrived (in ISO-8859-1, byte for char), keeping what was read if asked. */
    private static void readUntil(InputStream in, String text, StringBuilder seen) throws IOException {
        StringBuilder window = seen != null ? seen : new StringBuilder();
        byte[] buffer = new byte[16384];
        int searchFrom = 0;
        while (true) {
            int read = in.read(buffer);
            if (read < 0) {
                throw new IOException("the connection closed before \"" + text.trim() + "\"");
            }
            window.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
            if (window.indexOf(text, searchFrom) >= 0) {
                return;
            }
            searchFrom = Math.max(0, window.length() - text.length());
        }
    }

    private static void await(CountDownLatch latch, String failure) throws InterruptedException {
        if (!latch.await(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException(failure);
        }
    }

    static String summary(double[] millis) {
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        return String.format("%.2f | %.2f | %.2f | %.2f", percentile(sorted, 50), percentile(sorted, 90),
                percentile(sorted, 99), sorted[sorted.length - 1]);
    }

    static double percentile(double[] sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)];
    }
}
