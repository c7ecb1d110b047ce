package io.postsse.bench;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 */
public final class H2LoadClient {
    private static final int MAX_PENDING_STREAMS = 1000;

    private static final AtomicLongArray histogram = new AtomicLongArray(LoadClient.BUCKETS);
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
            connected.incrementAndGet();
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
            histogram.incrementAndGet((int) Math.max(0, Math.min(LoadClient.BUCKETS - 1, delay / LoadClient.BUCKET_MICROS)));
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
        long started = System.nanoTime();
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            sessions.add(client.connect(new InetSocketAddress(host, port), new Session.Listener() {
            }).get(10, TimeUnit.SECONDS));
        }
        CompletableFuture<Long> heapAtPlateau = null;
        long allConnectedAt = 0;
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
            }
            if (heapAtPlateau == null && allConnectedAt != 0 && System.nanoTime() - allConnectedAt > 5_000_000_000L) {
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
        for (int i = 0; i < delays.length; i++) {
            delays[i] = histogram.get(i);
        }
        System.out.printf("{\"streams\":%d,\"connections\":%d,\"connected\":%d,\"completed\":%d,\"failed\":%d,\"events\":%d,"
                        + "\"seconds\":%.1f,\"eventsPerSecond\":%.0f,\"megabytesPerSecond\":%.1f,"
                        + "\"delayP50Ms\":%.1f,\"delayP99Ms\":%.1f,\"delayMaxMs\":%.1f,\"serverHeapBytes\":%d,"
                        + "\"serverHeapAfterBytes\":%d}%n",
                streams, connections, connected.get(), completed.get(), streams - completed.get(), events.sum(), seconds,
                events.sum() / seconds, bytes.sum() / seconds / 1e6, LoadClient.percentile(delays, 50),
                LoadClient.percentile(delays, 99), LoadClient.percentile(delays, 100), serverHeap, serverHeapAfter);
        client.stop();
        System.exit(0);
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
