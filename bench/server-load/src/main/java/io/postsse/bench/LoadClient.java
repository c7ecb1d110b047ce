package io.postsse.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;

/**
 * A lean load generator: one thread and one selector holding many streams open, each a raw
 * HTTP/1.1 POST whose events carry their send time. Prints one line of results as JSON.
 *
 * <p>Arguments: host port streams eventsPerStream intervalMs eventBytes deadlineSeconds
 * [histogramFile]. The path is {@code /stream}, or the system property {@code path}. With the
 * system property {@code breakdown}, the call of {@code /stats} once all streams are open asks the
 * server to write its class histogram and native memory summary there. Source addresses rotate over 127.0.0.1–127.0.0.8 so that ephemeral ports do not
 * run short. Loopback only. With a histogram file, the delays are also written there, one
 * {@code bucket count} pair a line, for {@link LoadReport} to merge the runs of several processes
 * (a process may hold only so many sockets).
 */
public final class LoadClient {
    private static final int MAX_PENDING_CONNECTS = 512;
    /** Delay histogram: 100 µs buckets up to 60 s. */
    static final int BUCKET_MICROS = 100;
    static final int BUCKETS = 600_000;
    private static final long[] histogram = new long[BUCKETS];

    /** One stream's connection and its line parser. */
    private static final class Stream {
        final SocketChannel channel;
        final ByteBuffer request;
        final byte[] line = new byte[64];
        int lineLength;
        boolean inBody;
        int received;
        boolean done;

        Stream(SocketChannel channel, ByteBuffer request) {
            this.channel = channel;
            this.request = request;
        }
    }

    private static long events;
    private static long bytes;
    private static int connected;
    private static int completed;
    private static int failed;

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int streams = Integer.parseInt(args[2]);
        int eventsPerStream = Integer.parseInt(args[3]);
        int intervalMs = Integer.parseInt(args[4]);
        int eventBytes = Integer.parseInt(args[5]);
        long deadline = System.nanoTime() + Long.parseLong(args[6]) * 1_000_000_000L;

        byte[] body = ("{\"count\":" + eventsPerStream + ",\"intervalMs\":" + intervalMs + ",\"size\":" + eventBytes + "}")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = ("POST " + System.getProperty("path", "/stream") + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nContent-Type: application/json\r\n"
                + "Accept: text/event-stream\r\nContent-Length: " + body.length + "\r\n\r\n" + new String(body, StandardCharsets.US_ASCII))
                .getBytes(StandardCharsets.US_ASCII);

        Selector selector = Selector.open();
        ByteBuffer readBuffer = ByteBuffer.allocateDirect(256 * 1024);
        long started = System.nanoTime();
        int opened = 0;
        int pendingConnects = 0;
        // Asked from another thread: the server's collection takes a while, and this one must keep reading.
        CompletableFuture<Long> heapAtPlateau = null;
        long allConnectedAt = 0;
        while (System.nanoTime() < deadline && completed + failed < streams) {
            while (opened < streams && pendingConnects < MAX_PENDING_CONNECTS) {
                SocketChannel channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.bind(new InetSocketAddress("127.0.0." + (1 + opened % 8), 0));
                channel.connect(new InetSocketAddress(host, port));
                channel.register(selector, SelectionKey.OP_CONNECT, new Stream(channel, ByteBuffer.wrap(request)));
                opened++;
                pendingConnects++;
            }
            if (allConnectedAt == 0 && connected == streams) {
                allConnectedAt = System.nanoTime();
            }
            if (heapAtPlateau == null && !Boolean.getBoolean("noStats") && allConnectedAt != 0 && System.nanoTime() - allConnectedAt > 5_000_000_000L) {
                heapAtPlateau = CompletableFuture.supplyAsync(() -> serverHeap(host, port, System.getProperty("breakdown") == null ? "" : "?breakdown=" + System.getProperty("breakdown")));
            }
            selector.select(100);
            Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
            while (keys.hasNext()) {
                SelectionKey key = keys.next();
                keys.remove();
                Stream stream = (Stream) key.attachment();
                try {
                    if (key.isConnectable()) {
                        stream.channel.finishConnect();
                        pendingConnects--;
                        connected++;
                        stream.channel.write(stream.request);
                        key.interestOps(stream.request.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
                    } else if (key.isWritable()) {
                        stream.channel.write(stream.request);
                        if (!stream.request.hasRemaining()) {
                            key.interestOps(SelectionKey.OP_READ);
                        }
                    } else if (key.isReadable()) {
                        readBuffer.clear();
                        int read = stream.channel.read(readBuffer);
                        if (read < 0) {
                            finish(key, stream, stream.received >= eventsPerStream);
                            continue;
                        }
                        bytes += read;
                        readBuffer.flip();
                        parse(stream, readBuffer);
                        if (stream.received >= eventsPerStream) {
                            finish(key, stream, true);
                        }
                    }
                } catch (IOException e) {
                    if (key.isValid() && key.isConnectable()) {
                        pendingConnects--;
                    }
                    finish(key, stream, false);
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long serverHeap = heapAtPlateau != null ? heapAtPlateau.join() : Boolean.getBoolean("noStats") ? -1 : serverHeap(host, port, "");
        // Once every stream has ended: what the server still holds of them (a resumable route's logs).
        long serverHeapAfter = Boolean.getBoolean("noStats") ? -1 : serverHeap(host, port, "?full=true");
        System.out.printf("{\"streams\":%d,\"connected\":%d,\"completed\":%d,\"failed\":%d,\"events\":%d,"
                        + "\"seconds\":%.1f,\"eventsPerSecond\":%.0f,\"megabytesPerSecond\":%.1f,"
                        + "\"delayP50Ms\":%.1f,\"delayP99Ms\":%.1f,\"delayMaxMs\":%.1f,\"serverHeapBytes\":%d,"
                        + "\"serverHeapAfterBytes\":%d}%n",
                streams, connected, completed, failed, events, seconds, events / seconds, bytes / seconds / 1e6,
                percentile(histogram, 50), percentile(histogram, 99), percentile(histogram, 100), serverHeap,
                serverHeapAfter);
        selector.close();
        if (args.length > 7) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < histogram.length; i++) {
                if (histogram[i] != 0) {
                    out.append(i).append(' ').append(histogram[i]).append('\n');
                }
            }
            java.nio.file.Files.writeString(java.nio.file.Path.of(args[7]), out);
        }
    }

    private static void finish(SelectionKey key, Stream stream, boolean ok) {
        if (stream.done) {
            return;
        }
        stream.done = true;
        if (ok) {
            completed++;
        } else {
            failed++;
        }
        key.cancel();
        try {
            stream.channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Finds "data: <micros> " lines, whatever the chunked framing around them. */
    private static void parse(Stream stream, ByteBuffer buffer) {
        while (buffer.hasRemaining()) {
            byte b = buffer.get();
            if (b == '\n') {
                onLine(stream);
                stream.lineLength = 0;
            } else if (stream.lineLength < stream.line.length) {
                stream.line[stream.lineLength++] = b;
            }
        }
    }

    private static void onLine(Stream stream) {
        byte[] line = stream.line;
        int length = stream.lineLength;
        if (!stream.inBody) {
            if (length <= 1) { // the blank line after the headers
                stream.inBody = true;
            }
            return;
        }
        int bucket = delayBucket(line, length);
        if (bucket < 0) {
            return;
        }
        histogram[bucket]++;
        stream.received++;
        events++;
    }

    /**
     * The histogram bucket of an event's delay, from a "data: <micros> ..." line: its send time in
     * epoch microseconds against now; -1 for a line that is not an event of the benchmark's (a
     * resumable stream's end marker, say).
     */
    static int delayBucket(byte[] line, int length) {
        if (length < 7 || line[0] != 'd' || line[4] != ':' || line[5] != ' ' || line[6] < '0' || line[6] > '9') {
            return -1;
        }
        long sentMicros = 0;
        for (int i = 6; i < length && line[i] >= '0' && line[i] <= '9'; i++) {
            sentMicros = sentMicros * 10 + (line[i] - '0');
        }
        Instant now = Instant.now();
        long delay = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000 - sentMicros;
        return (int) Math.max(0, Math.min(BUCKETS - 1, delay / BUCKET_MICROS));
    }

    static double percentile(long[] histogram, int percent) {
        long total = 0;
        for (long count : histogram) {
            total += count;
        }
        if (total == 0) {
            return Double.NaN;
        }
        long rank = Math.max(1, (long) Math.ceil(percent / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < histogram.length; i++) {
            seen += histogram[i];
            if (seen >= rank) {
                return (i + 1) * BUCKET_MICROS / 1000.0;
            }
        }
        return Double.NaN;
    }

    /** GET /stats with the query: the server's heap after a collection (see {@link LoadServer}). */
    private static long serverHeap(String host, int port, String query) {
        try {
            String stats = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/stats" + query))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            int start = stats.indexOf("\"heapBytes\":") + 12;
            int end = start;
            while (end < stats.length() && Character.isDigit(stats.charAt(end))) {
                end++;
            }
            return Long.parseLong(stats.substring(start, end));
        } catch (Exception e) {
            return -1;
        }
    }
}
