package io.postsse.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The HTTP/2 load generator: many POST streams over a few HTTP/2 connections without TLS (h2c,
 * prior knowledge), each stream's events carrying their send time. Prints one line of results as
 * JSON, in the same fields as {@link LoadClient}.
 *
 * <p>Like {@link LoadClient}, it is one thread and one selector speaking the protocol itself, so
 * that the load takes as little as it can of the CPU it shares with the server: at 100,000 events
 * a second, a general HTTP/2 client took more CPU per event than the server under test. It speaks
 * only what the benchmark needs: requests of a few fixed header blocks, never indexed (HPACK's
 * literals), responses read for their status only (200 or not), the peer told to keep no dynamic
 * table, and flow-control windows opened wide and topped up.
 *
 * <p>Arguments: host port connections streams eventsPerStream intervalMs eventBytes
 * deadlineSeconds. The path is {@code /stream}, or the system property {@code path}; with the
 * system property {@code breakdown}, as {@link LoadClient}. Streams are spread evenly over the
 * connections; at most 1,000 wait for their response headers at a time. Loopback only.
 *
 * <p>Opening many streams takes a while (tens of seconds for 100,000), during which the first
 * streams' events wait behind the new streams' requests. Besides the delays of all events, the
 * client reports those of a steady window: from 2 s after the last stream opened, for
 * {@code -Dsteady=<seconds>} (20 by default), before it asks for the server's heap, whose
 * collection may pause the server. Each stream must send events past the window's end. With
 * {@code -Dwindow=<file>}, the client appends "from" and "until" to the file as the window opens
 * and closes.
 *
 * <p>The steady window may still hold the drain of what queued while the streams opened: a server
 * that fell behind sends faster than the streams' own rate until it has caught up. So the client
 * also reports a settled window, of {@code -Dsettled=<seconds>} (10 by default): it starts at the
 * first whole second of the steady window in which the events received were within 5% of what the
 * streams send in a second; when no such second came in the steady window, there is none (its
 * start -1, its delays NaN). The server's heap is asked for once both windows have closed.
 */
public final class H2LoadClient {
    private static final int MAX_PENDING_STREAMS = 1000;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0x0, HEADERS = 0x1, RST_STREAM = 0x3, SETTINGS = 0x4, PING = 0x6, GOAWAY = 0x7,
            WINDOW_UPDATE = 0x8, CONTINUATION = 0x9;
    private static final int END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4, PADDED = 0x8, PRIORITY = 0x20;
    private static final int MAX_WINDOW = Integer.MAX_VALUE;
    /** A window is topped up once this much of it is used. */
    private static final int TOP_UP = 1 << 30;
    /** The default largest frame (SETTINGS_MAX_FRAME_SIZE), which this client never raises. */
    private static final int MAX_FRAME = 16_384;

    private static final long[] histogram = new long[LoadClient.BUCKETS];
    /** The delays of the events received in the steady window. */
    private static final long[] steadyHistogram = new long[LoadClient.BUCKETS];
    /** The steady window, in {@link System#nanoTime()}: set once every stream has opened. */
    private static long steadyFrom = Long.MAX_VALUE;
    private static long steadyUntil = Long.MAX_VALUE;
    /** The delays of the events received in the settled window. */
    private static final long[] settledHistogram = new long[LoadClient.BUCKETS];
    /** What the streams send in a second, together: a second that received this, ±5%, is settled. */
    private static long sentPerSecond;
    private static long settledNanos;
    /** The second under watch while the settled window is looked for, and what it received so far. */
    private static long secondFrom = Long.MAX_VALUE;
    private static long receivedInSecond;
    /** The settled window, in {@link System#nanoTime()}: set at the first settled second. */
    private static long settledFrom = Long.MAX_VALUE;
    private static long settledUntil = Long.MAX_VALUE;
    private static int open;
    private static int mostOpen;
    private static long events;
    private static long bytes;
    private static int connected;
    private static int completed;
    private static int failed;
    private static int pending;

    /** One stream: its line parser and how it ended. */
    private static class StreamLoad {
        final int eventsPerStream;
        final byte[] line = new byte[64];
        int lineLength;
        int received;
        /** Data received since the stream's window was last topped up. */
        int unacknowledged;
        boolean answered;
        /** Answered 200: open until it ends. */
        boolean opened;
        boolean done;

        StreamLoad(int eventsPerStream) {
            this.eventsPerStream = eventsPerStream;
        }

        /** The response's headers; {@code status200} when they said 200 (the first field, as HPACK's indexed 200). */
        void onHeaders(boolean status200, boolean endStream) {
            if (answered) { // trailers
                if (endStream) {
                    finish(received >= eventsPerStream);
                }
                return;
            }
            answer();
            if (!status200 || endStream) {
                finish(false);
                return;
            }
            connected++;
            opened = true;
            mostOpen = Math.max(mostOpen, ++open);
        }

        void onData(ByteBuffer frame, int from, int to, boolean endStream) {
            for (int i = from; i < to; i++) {
                byte b = frame.get(i);
                if (b == '\n') {
                    onLine();
                    lineLength = 0;
                } else if (lineLength < line.length) {
                    line[lineLength++] = b;
                }
            }
            if (endStream) {
                finish(received >= eventsPerStream);
            }
        }

        /** Reset or lost with its connection. */
        void onFailure() {
            answer();
            finish(false);
        }

        void answer() {
            if (!answered) {
                answered = true;
                pending--;
            }
        }

        void finish(boolean ok) {
            if (done) {
                return;
            }
            done = true;
            if (opened) {
                open--;
            }
            if (ok) {
                completed++;
            } else {
                failed++;
            }
        }

        /** A line ended: counted when it is one of the benchmark's events. */
        void onLine() {
            int bucket = LoadClient.delayBucket(line, lineLength);
            if (bucket < 0) {
                return;
            }
            histogram[bucket]++;
            long at = System.nanoTime();
            boolean steady = at >= steadyFrom && at < steadyUntil;
            if (steady) {
                steadyHistogram[bucket]++;
            }
            if (at >= settledFrom) {
                if (at < settledUntil) {
                    settledHistogram[bucket]++;
                }
            } else if (steady) {
                if (at - secondFrom >= 1_000_000_000L) {
                    if (Math.abs(receivedInSecond - sentPerSecond) * 20 <= sentPerSecond) {
                        settledFrom = at;
                        settledUntil = at + settledNanos;
                        settledHistogram[bucket]++;
                    }
                    secondFrom = at;
                    receivedInSecond = 0;
                }
                receivedInSecond++;
            }
            received++;
            events++;
        }
    }

    /** A GET of /stats: its body collected, for the heap it reports. */
    private static final class StatsLoad extends StreamLoad {
        final StringBuilder text = new StringBuilder();
        long heap = -2; // -2 under way, -1 failed

        StatsLoad() {
            super(0);
            answered = true; // not one of the streams under load
            done = true;
        }

        @Override
        void onHeaders(boolean status200, boolean endStream) {
            if (!status200 || endStream) {
                heap = -1;
            }
        }

        @Override
        void onData(ByteBuffer frame, int from, int to, boolean endStream) {
            for (int i = from; i < to; i++) {
                text.append((char) frame.get(i)); // ASCII JSON
            }
            if (endStream) {
                int at = text.indexOf("\"heapBytes\":");
                if (at < 0) {
                    heap = -1;
                    return;
                }
                int start = at + 12;
                int end = start;
                while (end < text.length() && Character.isDigit(text.charAt(end))) {
                    end++;
                }
                heap = Long.parseLong(text.substring(start, end));
            }
        }

        @Override
        void onFailure() {
            if (heap == -2) {
                heap = -1;
            }
        }
    }

    /** One HTTP/2 connection: its streams by id, what is left to write, what is read and not yet parsed. */
    private static final class Connection {
        final SocketChannel channel;
        final SelectionKey key;
        final List<StreamLoad> streams = new ArrayList<>(); // stream id 2n+1 at n
        ByteBuffer out = ByteBuffer.allocate(16 * 1024);
        final ByteBuffer in = ByteBuffer.allocate(MAX_FRAME + 9 + 64 * 1024);
        int unacknowledged;
        boolean closed;

        Connection(SocketChannel channel, Selector selector) throws IOException {
            this.channel = channel;
            this.key = channel.register(selector, SelectionKey.OP_READ, this);
        }

        int nextStreamId() {
            return 2 * streams.size() + 1;
        }

        StreamLoad stream(int id) {
            int index = (id - 1) / 2;
            return id % 2 == 1 && index < streams.size() ? streams.get(index) : null;
        }

        void frame(int type, int flags, int streamId, byte[] payload, int length) {
            if (out.remaining() < 9 + length) {
                ByteBuffer larger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + 9 + length));
                out.flip();
                larger.put(out);
                out = larger;
            }
            out.put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length);
            out.put((byte) type).put((byte) flags).putInt(streamId);
            if (length > 0) {
                out.put(payload, 0, length);
            }
        }

        void windowUpdate(int streamId, int increment) {
            frame(WINDOW_UPDATE, 0, streamId, new byte[] {(byte) (increment >>> 24), (byte) (increment >>> 16),
                    (byte) (increment >>> 8), (byte) increment}, 4);
        }

        /** Writes what it can of what is queued; waits to write the rest. */
        void flush() throws IOException {
            out.flip();
            channel.write(out);
            int interest = out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            out.compact();
            if (key.interestOps() != interest) {
                key.interestOps(interest);
            }
        }

        /** Reads and handles every whole frame; false once the connection is gone. */
        boolean read() throws IOException {
            int read = channel.read(in);
            if (read < 0) {
                return false;
            }
            bytes += read;
            in.flip();
            while (in.remaining() >= 9) {
                int at = in.position();
                int length = (in.get(at) & 0xff) << 16 | (in.get(at + 1) & 0xff) << 8 | (in.get(at + 2) & 0xff);
                if (in.remaining() < 9 + length) {
                    break;
                }
                int type = in.get(at + 3) & 0xff;
                int flags = in.get(at + 4) & 0xff;
                int streamId = in.getInt(at + 5) & 0x7fffffff;
                onFrame(type, flags, streamId, at + 9, at + 9 + length);
                in.position(at + 9 + length);
            }
            in.compact();
            return true;
        }

        private void onFrame(int type, int flags, int streamId, int from, int to) {
            switch (type) {
                case DATA -> {
                    int length = to - from;
                    if ((flags & PADDED) != 0) {
                        to -= in.get(from) & 0xff;
                        from++;
                    }
                    StreamLoad stream = stream(streamId);
                    unacknowledged += length;
                    if (unacknowledged >= TOP_UP) {
                        windowUpdate(0, unacknowledged);
                        unacknowledged = 0;
                    }
                    if (stream != null) {
                        stream.unacknowledged += length;
                        if (stream.unacknowledged >= TOP_UP && (flags & END_STREAM) == 0) {
                            windowUpdate(streamId, stream.unacknowledged);
                            stream.unacknowledged = 0;
                        }
                        stream.onData(in, from, to, (flags & END_STREAM) != 0);
                    }
                }
                case HEADERS -> {
                    if ((flags & PADDED) != 0) {
                        to -= in.get(from) & 0xff;
                        from++;
                    }
                    if ((flags & PRIORITY) != 0) {
                        from += 5;
                    }
                    // The peer was told to keep no dynamic table: skip its size updates (001xxxxx).
                    while (from < to && (in.get(from) & 0xe0) == 0x20) {
                        from++;
                    }
                    boolean status200 = from < to && (in.get(from) & 0xff) == 0x88; // static entry 8, ":status: 200"
                    StreamLoad stream = stream(streamId);
                    if (stream != null) {
                        stream.onHeaders(status200, (flags & END_STREAM) != 0);
                    }
                }
                case RST_STREAM -> {
                    StreamLoad stream = stream(streamId);
                    if (stream != null) {
                        stream.onFailure();
                    }
                }
                case SETTINGS -> {
                    if ((flags & ACK) == 0) {
                        frame(SETTINGS, ACK, 0, null, 0);
                    }
                }
                case PING -> {
                    if ((flags & ACK) == 0) {
                        byte[] payload = new byte[8];
                        in.get(from, payload);
                        frame(PING, ACK, 0, payload, 8);
                    }
                }
                case GOAWAY -> {
                    int last = in.getInt(from) & 0x7fffffff; // the last stream the server will answer
                    for (int id = last % 2 == 1 ? last + 2 : last + 1; stream(id) != null; id += 2) {
                        stream(id).onFailure();
                    }
                }
                default -> {
                    // WINDOW_UPDATE: the requests' bodies are far smaller than any window. CONTINUATION:
                    // the status was in the first fragment. PRIORITY and the rest: nothing to do.
                }
            }
        }

        /** The connection is gone: its streams not ended have failed. */
        void close() {
            if (closed) {
                return;
            }
            closed = true;
            key.cancel();
            try {
                channel.close();
            } catch (IOException e) {
                // gone already
            }
            for (StreamLoad stream : streams) {
                stream.onFailure();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int connectionCount = Integer.parseInt(args[2]);
        int streams = Integer.parseInt(args[3]);
        int eventsPerStream = Integer.parseInt(args[4]);
        int intervalMs = Integer.parseInt(args[5]);
        int eventBytes = Integer.parseInt(args[6]);
        long deadline = System.nanoTime() + Long.parseLong(args[7]) * 1_000_000_000L;
        byte[] body = ("{\"count\":" + eventsPerStream + ",\"intervalMs\":" + intervalMs + ",\"size\":" + eventBytes + "}")
                .getBytes(StandardCharsets.US_ASCII);
        String authority = host + ":" + port;
        byte[] post = headerBlock(System.getProperty("path", "/stream"), authority, body.length);

        Selector selector = Selector.open();
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < connectionCount; i++) {
            SocketChannel channel = SocketChannel.open(new InetSocketAddress(host, port));
            channel.configureBlocking(false);
            channel.socket().setTcpNoDelay(true);
            Connection connection = new Connection(channel, selector);
            connection.out.put(PREFACE);
            // SETTINGS: HEADER_TABLE_SIZE 0 (no dynamic table to keep), ENABLE_PUSH 0, INITIAL_WINDOW_SIZE at its most.
            byte[] settings = {0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 4, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
            connection.frame(SETTINGS, 0, 0, settings, settings.length);
            connection.windowUpdate(0, MAX_WINDOW - 65_535);
            connection.flush();
            connections.add(connection);
        }
        long started = System.nanoTime();
        long steadyNanos = Long.getLong("steady", 20) * 1_000_000_000L;
        settledNanos = Long.getLong("settled", 10) * 1_000_000_000L;
        sentPerSecond = (long) streams * 1000 / intervalMs;
        boolean windowClosed = false;
        StatsLoad heapAtPlateau = null;
        long allConnectedAt = 0;
        boolean windowOpened = false;
        int opened = 0;
        while (System.nanoTime() < deadline && completed + failed < streams) {
            while (opened < streams && pending < MAX_PENDING_STREAMS) {
                Connection connection = connections.get(opened % connectionCount);
                if (!connection.closed) {
                    StreamLoad load = new StreamLoad(eventsPerStream);
                    int id = connection.nextStreamId();
                    connection.streams.add(load);
                    pending++;
                    connection.frame(HEADERS, END_HEADERS, id, post, post.length);
                    connection.frame(DATA, END_STREAM, id, body, body.length);
                    connection.flush();
                } else {
                    failed++;
                }
                opened++;
            }
            if (allConnectedAt == 0 && connected == streams) {
                allConnectedAt = System.nanoTime();
                steadyFrom = allConnectedAt + 2_000_000_000L;
                steadyUntil = steadyFrom + steadyNanos;
                secondFrom = steadyFrom;
            }
            if (!windowOpened && System.nanoTime() >= steadyFrom) {
                windowOpened = true;
                mark("from");
            }
            if (!windowClosed && System.nanoTime() >= steadyUntil) {
                windowClosed = true;
                mark("until");
            }
            if (heapAtPlateau == null && windowClosed
                    && (settledFrom == Long.MAX_VALUE || System.nanoTime() >= settledUntil)) {
                String breakdown = System.getProperty("breakdown");
                heapAtPlateau = askStats(connections.get(0), authority, breakdown == null ? "" : "?breakdown=" + breakdown);
            }
            poll(selector, opened < streams ? 1 : 50);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long totalEvents = events;
        long totalBytes = bytes;
        if (heapAtPlateau == null) {
            heapAtPlateau = askStats(connections.get(0), authority, "");
        }
        long serverHeap = awaitStats(selector, heapAtPlateau);
        // Once every stream has ended: what the server still holds of them (a resumable route's logs).
        long serverHeapAfter = awaitStats(selector, askStats(connections.get(0), authority, "?full=true"));
        long[] delays = histogram;
        long steadyEvents = 0;
        for (long count : steadyHistogram) {
            steadyEvents += count;
        }
        double openSeconds = allConnectedAt == 0 ? -1 : (allConnectedAt - started) / 1e9;
        long settledEvents = 0;
        for (long count : settledHistogram) {
            settledEvents += count;
        }
        double settledAfter = settledFrom == Long.MAX_VALUE ? -1 : (settledFrom - allConnectedAt) / 1e9;
        System.out.printf("{\"streams\":%d,\"connections\":%d,\"connected\":%d,\"completed\":%d,\"failed\":%d,\"events\":%d,"
                        + "\"seconds\":%.1f,\"eventsPerSecond\":%.0f,\"megabytesPerSecond\":%.1f,"
                        + "\"delayP50Ms\":%.1f,\"delayP99Ms\":%.1f,\"delayMaxMs\":%.1f,\"serverHeapBytes\":%d,"
                        + "\"serverHeapAfterBytes\":%d,\"mostOpen\":%d,\"openSeconds\":%.1f,\"steadyEvents\":%d,"
                        + "\"steadyDelayP50Ms\":%.1f,\"steadyDelayP99Ms\":%.1f,\"steadyDelayMaxMs\":%.1f,"
                        + "\"settledAfterSeconds\":%.1f,\"settledEvents\":%d,\"settledDelayP50Ms\":%.1f,"
                        + "\"settledDelayP99Ms\":%.1f}%n",
                streams, connectionCount, connected, completed, streams - completed, totalEvents, seconds,
                totalEvents / seconds, totalBytes / seconds / 1e6, LoadClient.percentile(delays, 50),
                LoadClient.percentile(delays, 99), LoadClient.percentile(delays, 100), serverHeap, serverHeapAfter,
                mostOpen, openSeconds, steadyEvents, LoadClient.percentile(steadyHistogram, 50),
                LoadClient.percentile(steadyHistogram, 99), LoadClient.percentile(steadyHistogram, 100),
                settledAfter, settledEvents, LoadClient.percentile(settledHistogram, 50),
                LoadClient.percentile(settledHistogram, 99));
        for (Connection connection : connections) {
            connection.close();
        }
        selector.close();
    }

    /** Waits up to the timeout for readiness, and handles every connection that is ready. */
    private static void poll(Selector selector, long timeoutMs) throws IOException {
        selector.select(timeoutMs);
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
            SelectionKey key = keys.next();
            keys.remove();
            Connection connection = (Connection) key.attachment();
            try {
                if (key.isReadable() && !connection.read()) {
                    connection.close();
                    continue;
                }
                // Reading may have queued answers (SETTINGS and PING acknowledgements, window updates).
                if (connection.out.position() > 0) {
                    connection.flush();
                }
            } catch (IOException e) {
                connection.close();
            }
        }
    }

    /** Asks the connection for GET /stats with the query (see {@link LoadServer}). */
    private static StatsLoad askStats(Connection connection, String authority, String query) throws IOException {
        StatsLoad stats = new StatsLoad();
        if (connection.closed) {
            stats.heap = -1;
            return stats;
        }
        int id = connection.nextStreamId();
        connection.streams.add(stats);
        byte[] get = headerBlock("/stats" + query, authority, -1);
        connection.frame(HEADERS, END_HEADERS | END_STREAM, id, get, get.length);
        connection.flush();
        return stats;
    }

    /** Reads on until /stats answers, for at most a minute: the heap it reports, or -1. */
    private static long awaitStats(Selector selector, StatsLoad stats) throws IOException {
        long until = System.nanoTime() + 60_000_000_000L;
        while (stats.heap == -2 && System.nanoTime() < until) {
            poll(selector, 50);
        }
        return Math.max(-1, stats.heap);
    }

    /**
     * A request's header block in HPACK, no field indexed: {@code :method} and {@code :scheme} from
     * the static table, the path and authority as literals of a static name, and for a POST (a
     * body's length given) the JSON body's content type and length, and the event stream's accept,
     * as a browser's {@code fetch} sends them.
     */
    private static byte[] headerBlock(String path, String authority, int contentLength) {
        boolean post = contentLength >= 0;
        ByteBuffer block = ByteBuffer.allocate(512);
        block.put((byte) (post ? 0x83 : 0x82)); // :method POST (3) or GET (2)
        block.put((byte) 0x86); // :scheme http (6)
        literal(block, 4, path); // :path
        literal(block, 1, authority); // :authority
        if (post) {
            literal(block, 31, "application/json"); // content-type
            literal(block, 28, Integer.toString(contentLength)); // content-length
            literal(block, 19, "text/event-stream"); // accept
        }
        byte[] bytes = new byte[block.position()];
        block.flip().get(bytes);
        return bytes;
    }

    /** A literal field without indexing, its name the static table's entry {@code nameIndex} (4-bit prefix), its value unencoded. */
    private static void literal(ByteBuffer block, int nameIndex, String value) {
        if (nameIndex < 15) {
            block.put((byte) nameIndex);
        } else {
            block.put((byte) 15).put((byte) (nameIndex - 15)); // < 128 past the prefix: one byte
        }
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > 126) {
            throw new IllegalArgumentException("header value too long for this client: " + value);
        }
        block.put((byte) bytes.length).put(bytes);
    }

    /** Appends a line to the file named by {@code -Dwindow}, if any: how a script learns the steady window's bounds. */
    private static void mark(String line) throws IOException {
        String file = System.getProperty("window");
        if (file != null) {
            Files.writeString(Path.of(file), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}
