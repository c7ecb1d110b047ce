package io.postsse.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;

/**
 * The HTTP/2 load generator: many POST streams over a few HTTP/2 connections without TLS (h2c,
 * prior knowledge), each stream's events carrying their send time. Prints one line of results as
 * JSON, in the same fields as {@link LoadClient}.
 *
 * <p>Arguments: host port connections streams eventsPerStream intervalMs eventBytes
 * deadlineSeconds. The path is {@code /stream}, or the system property {@code path}; with the
 * system property {@code breakdown}, as {@link LoadClient}. Streams are spread evenly over the
 * connections; at most 1,000 wait for their
 * response headers at a time. Loopback only.
 *
 * <p>Opening many streams takes a while (tens of seconds for 100,000), during which the first
 * streams' events wait behind the new streams' requests. Besides the delays of all events, the
 * client reports those of a steady window: from 2 s after the last stream opened, for
 * {@code -Dsteady=<seconds>} (20 by default), before it asks for the server's heap, whose
 * collection may pause the server. Each stream must send events past the window's end. With
 * {@code -Dwindow=<file>}, the client appends "from" and "until" to the file as the window opens
 * and closes.
 */
public final class H2LoadClient {
    private static final int MAX_PENDING_STREAMS = 1000;

    private static final AtomicLongArray histogram = new AtomicLongArray(LoadClient.BUCKETS);
    /** The delays of the events received in the steady window. */
    private static final AtomicLongArray steadyHistogram = new AtomicLongArray(LoadClient.BUCKETS);
    /** The steady window, in {@link System#nanoTime()}: set once every stream has opened. */
    private static volatile long steadyFrom = Long.MAX_VALUE;
    private static volatile long steadyUntil = Long.MAX_VALUE;
    /** The most streams open at once: answered and not yet ended. */
    private static final AtomicInteger open = new AtomicInteger();
    private static final AtomicInteger mostOpen = new AtomicInteger();
    private static final LongAdder events = new LongAdder();
    private static final LongAdder bytes = new LongAdder();
    private static final AtomicInteger connected = new AtomicInteger();
    private static final AtomicInteger completed = new AtomicInteger();
    private static final AtomicInteger failed = new AtomicInteger();
    private static final Semaphore pending = new Semaphore(MAX_PENDING_STREAMS);

    /** One stream: its line parser and how it ended. Jetty calls a stream's listener one call at a time. */
    private static final class StreamLoad implements Stream.Listener {
        final int eventsPerStream;
        final byte[] line = new byte[64];
        int lineLength;
        int received;
        boolean answered;
        /** Answered 200: open until it ends. */
        boolean opened;
        boolean done;

        StreamLoad(int eventsPerStream) {
            this.eventsPerStream = eventsPerStream;
        }

        @Override
        public void onHeaders(Stream stream, HeadersFrame frame) {
            answer();
            MetaData.Response response = (MetaData.Response) frame.getMetaData();
            if (response.getStatus() != 200 || frame.isEndStream()) {
                finish(false);
                return;
            }
            H2LoadClient.connected.incrementAndGet();
            opened = true;
            mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            stream.demand();
        }

        @Override
        public void onDataAvailable(Stream stream) {
            while (true) {
                Stream.Data data = stream.readData();
                if (data == null) {
                    stream.demand();
                    return;
                }
                ByteBuffer buffer = data.frame().getByteBuffer();
                bytes.add(buffer.remaining());
                parse(buffer);
                data.release();
                if (data.frame().isEndStream()) {
                    finish(received >= eventsPerStream);
                    return;
                }
            }
        }

        @Override
        public void onReset(Stream stream, ResetFrame frame, Callback callback) {
            answer();
            finish(false);
            callback.succeeded();
        }

        @Override
        public void onFailure(Stream stream, int error, String reason, Throwable failure, Callback callback) {
            answer();
            finish(false);
            callback.succeeded();
        }

        void answer() {
            if (!answered) {
                answered = true;
                pending.release();
            }
        }

        void finish(boolean ok) {
            if (done) {
                return;
            }
            done = true;
            if (opened) {
                open.decrementAndGet();
            }
            (ok ? completed : failed).incrementAndGet();
        }

        /** Finds "data: <micros> " lines, whatever the frames they arrive in. */
        void parse(ByteBuffer buffer) {
            while (buffer.hasRemaining()) {
                byte b = buffer.get();
                if (b == '\n') {
                    onLine();
                    lineLength = 0;
                } else if (lineLength < line.length) {
                    line[lineLength++] = b;
                }
            }
        }

        void onLine() {
            if (lineLength < 7 || line[0] != 'd' || line[4] != ':' || line[5] != ' ' || line[6] < '0' || line[6] > '9') {
                return; // not an event of the benchmark's (a resumable stream's end marker)
            }
            long sentMicros = 0;
            for (int i = 6; i < lineLength && line[i] >= '0' && line[i] <= '9'; i++) {
                sentMicros = sentMicros * 10 + (line[i] - '0');
            }
            Instant now = Instant.now();
            long delay = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000 - sentMicros;
            int bucket = (int) Math.max(0, Math.min(LoadClient.BUCKETS - 1, delay / LoadClient.BUCKET_MICROS));
            histogram.incrementAndGet(bucket);
            long at = System.nanoTime();
            if (at >= steadyFrom && at < steadyUntil) {
                steadyHistogram.incrementAndGet(bucket);
            }
            received++;
            events.increment();
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // not left hanging by the HTTP/2 client's threads
        }
    }

    private static void run(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int connections = Integer.parseInt(args[2]);
        int streams = Integer.parseInt(args[3]);
        int eventsPerStream = Integer.parseInt(args[4]);
        int intervalMs = Integer.parseInt(args[5]);
        int eventBytes = Integer.parseInt(args[6]);
        long deadline = System.nanoTime() + Long.parseLong(args[7]) * 1_000_000_000L;
        byte[] body = ("{\"count\":" + eventsPerStream + ",\"intervalMs\":" + intervalMs + ",\"size\":" + eventBytes + "}")
                .getBytes(StandardCharsets.US_ASCII);
        HttpURI uri = HttpURI.from("http://" + host + ":" + port + System.getProperty("path", "/stream"));

        HTTP2Client client = new HTTP2Client();
        client.start();
        long steadyNanos = Long.getLong("steady", 20) * 1_000_000_000L;
        long started = System.nanoTime();
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            sessions.add(client.connect(new InetSocketAddress(host, port), new Session.Listener() {
            }).get(10, TimeUnit.SECONDS));
        }
        CompletableFuture<Long> heapAtPlateau = null;
        long allConnectedAt = 0;
        boolean windowOpened = false;
        int opened = 0;
        while (System.nanoTime() < deadline && completed.get() + failed.get() < streams) {
            while (opened < streams && pending.tryAcquire()) {
                Session session = sessions.get(opened % connections);
                StreamLoad load = new StreamLoad(eventsPerStream);
                HttpFields fields = HttpFields.build().put(HttpHeader.CONTENT_TYPE, "application/json")
                        .put(HttpHeader.ACCEPT, "text/event-stream");
                MetaData.Request request = new MetaData.Request("POST", uri, HttpVersion.HTTP_2, fields);
                session.newStream(new HeadersFrame(request, null, false), new Promise<>() {
                    @Override
                    public void succeeded(Stream stream) {
                        stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(body), true), Callback.NOOP);
                    }

                    @Override
                    public void failed(Throwable failure) {
                        load.answer();
                        load.finish(false);
                    }
                }, load);
                opened++;
            }
            if (allConnectedAt == 0 && connected.get() == streams) {
                allConnectedAt = System.nanoTime();
                steadyFrom = allConnectedAt + 2_000_000_000L;
                steadyUntil = steadyFrom + steadyNanos;
            }
            if (!windowOpened && System.nanoTime() >= steadyFrom) {
                windowOpened = true;
                mark("from");
            }
            if (heapAtPlateau == null && allConnectedAt != 0 && System.nanoTime() >= steadyUntil) {
                mark("until");
                heapAtPlateau = serverHeap(sessions.get(0), host, port, System.getProperty("breakdown") == null ? "" : "?breakdown=" + System.getProperty("breakdown"));
            }
            Thread.sleep(opened < streams ? 1 : 50);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long serverHeap = -1;
        try {
            serverHeap = (heapAtPlateau != null ? heapAtPlateau : serverHeap(sessions.get(0), host, port, "")).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            // reported as -1
        }
        long serverHeapAfter = -1; // once every stream has ended: what the server still holds of them
        try {
            serverHeapAfter = serverHeap(sessions.get(0), host, port, "?full=true").get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            // reported as -1
        }
        long[] delays = new long[LoadClient.BUCKETS];
        long[] steadyDelays = new long[LoadClient.BUCKETS];
        long steadyEvents = 0;
        for (int i = 0; i < delays.length; i++) {
            delays[i] = histogram.get(i);
            steadyDelays[i] = steadyHistogram.get(i);
            steadyEvents += steadyDelays[i];
        }
        double openSeconds = allConnectedAt == 0 ? -1 : (allConnectedAt - started) / 1e9;
        System.out.printf("{\"streams\":%d,\"connections\":%d,\"connected\":%d,\"completed\":%d,\"failed\":%d,\"events\":%d,"
                        + "\"seconds\":%.1f,\"eventsPerSecond\":%.0f,\"megabytesPerSecond\":%.1f,"
                        + "\"delayP50Ms\":%.1f,\"delayP99Ms\":%.1f,\"delayMaxMs\":%.1f,\"serverHeapBytes\":%d,"
                        + "\"serverHeapAfterBytes\":%d,\"mostOpen\":%d,\"openSeconds\":%.1f,\"steadyEvents\":%d,"
                        + "\"steadyDelayP50Ms\":%.1f,\"steadyDelayP99Ms\":%.1f,\"steadyDelayMaxMs\":%.1f}%n",
                streams, connections, connected.get(), completed.get(), streams - completed.get(), events.sum(), seconds,
                events.sum() / seconds, bytes.sum() / seconds / 1e6, LoadClient.percentile(delays, 50),
                LoadClient.percentile(delays, 99), LoadClient.percentile(delays, 100), serverHeap, serverHeapAfter,
                mostOpen.get(), openSeconds, steadyEvents, LoadClient.percentile(steadyDelays, 50),
                LoadClient.percentile(steadyDelays, 99), LoadClient.percentile(steadyDelays, 100));
        client.stop();
        System.exit(0);
    }

    /** Appends a line to the file named by {@code -Dwindow}, if any: how a script learns the steady window's bounds. */
    private static void mark(String line) throws IOException {
        String file = System.getProperty("window");
        if (file != null) {
            Files.writeString(Path.of(file), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    /** GET /stats with the query, on an open connection: the server's heap after a collection (see {@link LoadServer}). */
    private static CompletableFuture<Long> serverHeap(Session session, String host, int port, String query) {
        CompletableFuture<Long> heap = new CompletableFuture<>();
        StringBuilder text = new StringBuilder();
        MetaData.Request request = new MetaData.Request("GET", HttpURI.from("http://" + host + ":" + port + "/stats" + query),
                HttpVersion.HTTP_2, HttpFields.EMPTY);
        session.newStream(new HeadersFrame(request, null, true), new Promise<>() {
            @Override
            public void succeeded(Stream stream) {
            }

            @Override
            public void failed(Throwable failure) {
                heap.completeExceptionally(failure);
            }
        }, new Stream.Listener() {
            @Override
            public void onDataAvailable(Stream stream) {
                while (true) {
                    Stream.Data data = stream.readData();
                    if (data == null) {
                        stream.demand();
                        return;
                    }
                    text.append(StandardCharsets.UTF_8.decode(data.frame().getByteBuffer()));
                    data.release();
                    if (data.frame().isEndStream()) {
                        if (text.indexOf("\"heapBytes\":") < 0) {
                            heap.completeExceptionally(new IllegalStateException("no heap in " + text));
                            return;
                        }
                        int start = text.indexOf("\"heapBytes\":") + 12;
                        int end = start;
                        while (end < text.length() && Character.isDigit(text.charAt(end))) {
                            end++;
                        }
                        heap.complete(Long.parseLong(text.substring(start, end)));
                        return;
                    }
                }
            }

            @Override
            public void onReset(Stream stream, ResetFrame frame, Callback callback) {
                heap.completeExceptionally(new IllegalStateException("reset"));
                callback.succeeded();
            }
        });
        return heap;
    }
}
