package io.postsse.bench.resumable;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Many live streams from one thread: each a raw HTTP/1.1 POST on its own connection, opened at a
 * steady rate, whose events carry their send time ({@link System#nanoTime()}, so the server runs
 * in this JVM). Counts the streams that read all their events and the end marker {@code completed},
 * and the delay of each event. Loopback only.
 */
final class LiveLoad {
    /** Delays in 100 µs buckets, up to 60 s. */
    private static final int BUCKET_MICROS = 100;
    private static final int BUCKETS = 600_000;
    private static final int MAX_PENDING = 256;

    /** How a load went. */
    record Result(int streams, int answered, int completed, int failed, long events, double seconds, long[] histogram,
            long[] allOpenHistogram) {
        double percentileMillis(int percent) {
            return percentileMillis(histogram, percent);
        }

        /** Of the events sent once every stream was answered: the steady state, without the opening rush. */
        double allOpenPercentileMillis(int percent) {
            return percentileMillis(allOpenHistogram, percent);
        }

        private static double percentileMillis(long[] histogram, int percent) {
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
            return histogram.length * BUCKET_MICROS / 1000.0;
        }
    }

    /** One stream's connection and its reading state. */
    private static final class Stream {
        final SocketChannel channel;
        final ByteBuffer request;
        boolean sending = true;
        int headMatched;
        final StringBuilder status = new StringBuilder();
        boolean inBody;
        final byte[] line = new byte[64];
        int lineLength;
        int received;
        boolean ended;
        boolean done;

        Stream(SocketChannel channel, ByteBuffer request) {
            this.channel = channel;
            this.request = request;
        }
    }

    private LiveLoad() {
    }

    /**
     * Opens {@code streams} streams, {@code perSecond} a second, each a POST of {@code body} to
     * {@code path}, and reads them all until they end or the deadline passes.
     */
    static Result run(int port, String path, String body, int streams, int perSecond, int eventsPerStream,
            long deadlineSeconds) throws IOException {
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        byte[] request = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bodyBytes.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        long[] histogram = new long[BUCKETS];
        long[] allOpenHistogram = new long[BUCKETS];
        long[] allOpenAt = {Long.MAX_VALUE};
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        List<Stream> all = new ArrayList<>(streams);
        int opened = 0;
        int pending = 0;
        int done = 0;
        int answered = 0;
        int completed = 0;
        long events = 0;
        long started = System.nanoTime();
        long deadline = started + deadlineSeconds * 1_000_000_000L;
        try (Selector selector = Selector.open()) {
            while (done < streams && System.nanoTime() < deadline) {
                long due = Math.min(streams, 1 + (System.nanoTime() - started) * perSecond / 1_000_000_000L);
                while (opened < due && pending < MAX_PENDING) {
                    SocketChannel channel = SocketChannel.open();
                    channel.configureBlocking(false);
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    Stream stream = new Stream(channel, ByteBuffer.wrap(request));
                    all.add(stream);
                    boolean connected = channel.connect(address);
                    channel.register(selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, stream);
                    opened++;
                    pending++;
                }
                selector.select(5);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    Stream stream = (Stream) key.attachment();
                    try {
                        if (key.isConnectable() && stream.channel.finishConnect()) {
                            key.interestOps(SelectionKey.OP_WRITE);
                        }
                        if (key.isValid() && key.isWritable()) {
                            stream.channel.write(stream.request);
                            if (!stream.request.hasRemaining()) {
                                stream.sending = false;
                                pending--;
                                key.interestOps(SelectionKey.OP_READ);
                            }
                        }
                        if (key.isValid() && key.isReadable()) {
                            buffer.clear();
                            int read = stream.channel.read(buffer);
                            if (read < 0) {
                                done++;
                                if (finish(stream, key, eventsPerStream)) {
                                    completed++;
                                }
                                continue;
                            }
                            long now = System.nanoTime();
                            int before = stream.received;
                            boolean wasInBody = stream.inBody;
                            if (!parse(stream, buffer.array(), read, now, histogram, allOpenHistogram, allOpenAt[0])) {
                                done++;
                                finish(stream, key, eventsPerStream);
                                continue;
                            }
                            if (!wasInBody && stream.inBody && ++answered == streams) {
                                allOpenAt[0] = now;
                            }
                            events += stream.received - before;
                        }
                    } catch (IOException e) {
                        if (stream.sending) {
                            pending--;
                            stream.sending = false;
                        }
                        done++;
                        finish(stream, key, eventsPerStream);
                    }
                }
            }
            for (Stream stream : all) { // past the deadline
                if (!stream.done) {
                    stream.done = true;
                    stream.channel.close();
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Result(streams, answered, completed, streams - completed, events, seconds, histogram, allOpenHistogram);
    }

    /** Closes the stream's connection; whether it read all its events and then the end marker {@code completed}. */
    private static boolean finish(Stream stream, SelectionKey key, int eventsPerStream) {
        stream.done = true;
        key.cancel();
        try {
            stream.channel.close();
        } catch (IOException e) {
            // closed: nothing more to learn from it
        }
        return stream.ended && stream.received == eventsPerStream;
    }

    /** Takes in what was read; false when the response is not a 200. */
    private static boolean parse(Stream stream, byte[] bytes, int length, long now, long[] histogram, long[] allOpenHistogram,
            long allOpenAt) {
        for (int i = 0; i < length; i++) {
            byte b = bytes[i];
            if (!stream.inBody) {
                if (stream.status.length() < 12) {
                    stream.status.append((char) b);
                }
                stream.headMatched = b == (stream.headMatched % 2 == 0 ? '\r' : '\n') ? stream.headMatched + 1 : (b == '\r' ? 1 : 0);
                if (stream.headMatched == 4) {
                    if (!stream.status.toString().equals("HTTP/1.1 200")) {
                        return false;
                    }
                    stream.inBody = true;
                }
            } else if (b == '\n') {
                onLine(stream, now, histogram, allOpenHistogram, allOpenAt);
                stream.lineLength = 0;
            } else if (b != '\r' && stream.lineLength < stream.line.length) {
                stream.line[stream.lineLength++] = b;
            }
        }
        return true;
    }

    private static void onLine(Stream stream, long now, long[] histogram, long[] allOpenHistogram, long allOpenAt) {
        byte[] line = stream.line;
        int length = stream.lineLength;
        if (length < 7 || line[0] != 'd' || line[1] != 'a' || line[2] != 't' || line[3] != 'a' || line[4] != ':' || line[5] != ' ') {
            return;
        }
        if (line[6] >= '0' && line[6] <= '9') {
            long sent = 0;
            for (int i = 6; i < length && line[i] >= '0' && line[i] <= '9'; i++) {
                sent = sent * 10 + (line[i] - '0');
            }
            long micros = (now - sent) / 1000;
            int bucket = (int) Math.max(0, Math.min(BUCKETS - 1, micros / BUCKET_MICROS));
            histogram[bucket]++;
            if (sent >= allOpenAt) {
                allOpenHistogram[bucket]++;
            }
            stream.received++;
        } else if (new String(line, 6, length - 6, StandardCharsets.US_ASCII).equals("completed")) {
            stream.ended = true;
        }
    }
}
