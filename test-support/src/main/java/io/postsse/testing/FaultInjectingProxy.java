package io.postsse.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy that breaks responses the way networks do, seeded so that a failing run
 * can be repeated: each connection may be cut after a random number of response bytes (anywhere:
 * in the headers, inside a chunk, inside an event or a UTF-8 character), by a reset or by an
 * orderly close, and every response is passed on in tiny pieces. With {@link #stalls}, some
 * connections also stop passing bytes on for a while, at a random point, and then go on. In front
 * of several servers ({@link #balancing}) it is a round-robin balancer too.
 */
public final class FaultInjectingProxy implements AutoCloseable {
    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};
    private static final byte[] HEAD_START = "HTTP/1.1 ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final ServerSocket serverSocket;
    private final int[] upstreamPorts;
    private final AtomicInteger[] upstreamConnections;
    private final Random seeds;
    private final double cutProbability;
    private final int maxCutOffset;
    private final boolean cutHeads;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger cuts = new AtomicInteger();
    private final AtomicInteger stalls = new AtomicInteger();
    private final java.util.Set<Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile double stallProbability;
    private volatile int maxStallMillis;

    /**
     * @param cutProbability the share of connections that are cut
     * @param maxCutOffset a cut falls after 0 to this many response bytes
     */
    public FaultInjectingProxy(int upstreamPort, long seed, double cutProbability, int maxCutOffset) throws IOException {
        this(upstreamPort, seed, cutProbability, maxCutOffset, true);
    }

    /**
     * @param cutHeads whether a cut may fall inside a response's head; when not, heads (from
     *     {@code HTTP/1.1 } to {@code \r\n\r\n}) are passed on whole and offsets count body bytes only
     */
    public FaultInjectingProxy(int upstreamPort, long seed, double cutProbability, int maxCutOffset, boolean cutHeads)
            throws IOException {
        this(new int[] {upstreamPort}, seed, cutProbability, maxCutOffset, cutHeads);
    }

    /**
     * A balancer in front of several servers: each connection goes to the next of them in turn
     * (round robin), with the same faults as through one.
     */
    public static FaultInjectingProxy balancing(List<Integer> upstreamPorts, long seed, double cutProbability,
            int maxCutOffset, boolean cutHeads) throws IOException {
        return new FaultInjectingProxy(upstreamPorts.stream().mapToInt(Integer::intValue).toArray(), seed,
                cutProbability, maxCutOffset, cutHeads);
    }

    private FaultInjectingProxy(int[] upstreamPorts, long seed, double cutProbability, int maxCutOffset,
            boolean cutHeads) throws IOException {
        if (upstreamPorts.length == 0) {
            throw new IllegalArgumentException("no upstream");
        }
        this.cutHeads = cutHeads;
        this.upstreamPorts = upstreamPorts.clone();
        this.upstreamConnections = new AtomicInteger[upstreamPorts.length];
        for (int i = 0; i < upstreamPorts.length; i++) {
            upstreamConnections[i] = new AtomicInteger();
        }
        this.seeds = new Random(seed);
        this.cutProbability = cutProbability;
        this.maxCutOffset = maxCutOffset;
        this.serverSocket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "fault-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Makes this share of the connections from now on stall once: after a random number of
     * response bytes (up to the cut offset limit), nothing passes for up to {@code maxMillis}.
     */
    public FaultInjectingProxy stalls(double probability, int maxMillis) {
        this.stallProbability = probability;
        this.maxStallMillis = maxMillis;
        return this;
    }

    /** How many connections stalled so far. */
    public int stalls() {
        return stalls.get();
    }

    /** How many connections were accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** How many connections went to the upstream of that index (in the order given) so far. */
    public int connections(int upstream) {
        return upstreamConnections[upstream].get();
    }

    /** How many connections were cut so far. */
    public int cuts() {
        return cuts.get();
    }

    /** The proxy's origin, {@code http://127.0.0.1:port}. */
    public String origin() {
        return "http://127.0.0.1:" + serverSocket.getLocalPort();
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + serverSocket.getLocalPort() + path);
    }

    private void accept() {
        while (!serverSocket.isClosed()) {
            Socket client;
            try {
                client = serverSocket.accept();
            } catch (IOException closed) {
                return;
            }
            // One generator per connection, drawn in accept order from the seeded one (consecutive
            // seeds would give java.util.Random nearly the same first draws): the same connection
            // order meets the same faults.
            int upstream = (connections.getAndIncrement()) % upstreamPorts.length;
            upstreamConnections[upstream].incrementAndGet();
            Random random = new Random(seeds.nextLong());
            Thread pair = new Thread(() -> relay(client, upstreamPorts[upstream], random), "fault-proxy-pair");
            pair.setDaemon(true);
            pair.start();
        }
    }

    private void relay(Socket client, int upstreamPort, Random random) {
        boolean cut = random.nextDouble() < cutProbability;
        long cutAfter = cut ? random.nextInt(maxCutOffset + 1) : Long.MAX_VALUE;
        boolean reset = random.nextBoolean();
        // Drawn after the cut, so that a seed gives the same cuts with stalls or without.
        boolean stall = stallProbability > 0 && random.nextDouble() < stallProbability;
        long stallAfter = stall ? random.nextInt(maxCutOffset + 1) : Long.MAX_VALUE;
        int stallMillis = stall ? 1 + random.nextInt(Math.max(1, maxStallMillis)) : 0;
        open.add(client);
        try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            Thread requests = new Thread(() -> copyQuietly(client, upstream), "fault-proxy-request");
            requests.setDaemon(true);
            requests.start();
            InputStream in = upstream.getInputStream();
            OutputStream out = client.getOutputStream();
            byte[] buffer = new byte[8192];
            // Bytes counted towards the cut: all of them, or only those outside response heads.
            long counted = 0;
            boolean inHead = !cutHeads;
            int headStartMatched = 0;
            int headEndMatched = 0;
            int read;
            while ((read = in.read(buffer)) >= 0) {
                for (int at = 0; at < read; ) {
                    int end = at + Math.min(read - at, 1 + random.nextInt(7));
                    int from = at; // the piece's first byte not passed on yet
                    for (int i = at; i < end; i++) {
                        if (!cutHeads) {
                            byte b = buffer[i];
                            headEndMatched = b == HEAD_END[headEndMatched] ? headEndMatched + 1 : b == HEAD_END[0] ? 1 : 0;
                            headStartMatched = b == HEAD_START[headStartMatched] ? headStartMatched + 1
                                    : b == HEAD_START[0] ? 1 : 0;
                            boolean headEnds = headEndMatched == HEAD_END.length;
                            boolean headStarts = headStartMatched == HEAD_START.length;
                            if (headEnds) {
                                headEndMatched = 0;
                            }
                            if (headStarts) {
                                headStartMatched = 0;
                            }
                            if (inHead && headEnds) {
                                inHead = false;
                                continue;
                            }
                            if (headStarts) {
                                inHead = true; // the next response on a kept-alive connection
                            }
                        }
                        if (inHead) {
                            continue;
                        }
                        if (counted == stallAfter) {
                            out.write(buffer, from, i - from);
                            out.flush();
                            from = i;
                            stalls.incrementAndGet();
                            pause(stallMillis);
                        }
                        if (counted == cutAfter) {
                            out.write(buffer, from, i - from);
                            out.flush();
                            breakConnection(client, reset);
                            return;
                        }
                        counted++;
                    }
                    out.write(buffer, from, end - from);
                    out.flush();
                    at = end;
                }
            }
        } catch (IOException e) {
            // the client or the server went away: so does the other side
        } finally {
            open.remove(client);
        }
    }

    /** Resets every connection open now, as a network that drops them all at once. */
    public void breakAll() {
        for (Socket client : open) {
            try {
                breakConnection(client, true);
            } catch (IOException e) {
                // already gone
            }
        }
    }

    private static void pause(int millis) throws IOException {
        try {
            Thread.sleep(millis); // the fault itself: a network that holds bytes back for a while
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stalling", e);
        }
    }

    private void breakConnection(Socket client, boolean reset) throws IOException {
        cuts.incrementAndGet();
        if (reset) {
            client.setSoLinger(true, 0); // close with RST
        } else {
            client.shutdownOutput();
        }
        client.close();
    }

    private static void copyQuietly(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // either side closed
        }
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
    }
}
