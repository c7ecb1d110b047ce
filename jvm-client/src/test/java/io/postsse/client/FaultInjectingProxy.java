package io.postsse.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy that breaks responses the way networks do, seeded so that a failing run
 * can be repeated: each connection may be cut after a random number of response bytes (anywhere:
 * in the headers, inside a chunk, inside an event or a UTF-8 character), by a reset or by an
 * orderly close, and every response is passed on in tiny pieces.
 */
final class FaultInjectingProxy implements AutoCloseable {
    private final ServerSocket serverSocket;
    private final int upstreamPort;
    private final long seed;
    private final double cutProbability;
    private final int maxCutOffset;
    private final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger cuts = new AtomicInteger();

    /**
     * @param cutProbability the share of connections that are cut
     * @param maxCutOffset a cut falls after 0 to this many response bytes
     */
    FaultInjectingProxy(int upstreamPort, long seed, double cutProbability, int maxCutOffset) throws IOException {
        this.upstreamPort = upstreamPort;
        this.seed = seed;
        this.cutProbability = cutProbability;
        this.maxCutOffset = maxCutOffset;
        this.serverSocket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "fault-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI uri(String path) {
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
            // One generator per connection, from the seed and the connection's number: the same
            // connection order meets the same faults.
            Random random = new Random(seed * 1_000_003L + connections.incrementAndGet());
            Thread pair = new Thread(() -> relay(client, random), "fault-proxy-pair");
            pair.setDaemon(true);
            pair.start();
        }
    }

    private void relay(Socket client, Random random) {
        boolean cut = random.nextDouble() < cutProbability;
        long cutAfter = cut ? random.nextInt(maxCutOffset + 1) : Long.MAX_VALUE;
        boolean reset = random.nextBoolean();
        try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            Thread requests = new Thread(() -> copyQuietly(client, upstream), "fault-proxy-request");
            requests.setDaemon(true);
            requests.start();
            InputStream in = upstream.getInputStream();
            OutputStream out = client.getOutputStream();
            byte[] buffer = new byte[8192];
            long sent = 0;
            int read;
            while ((read = in.read(buffer)) >= 0) {
                for (int at = 0; at < read; ) {
                    int piece = Math.min(read - at, 1 + random.nextInt(7));
                    if (sent + piece > cutAfter) {
                        piece = (int) (cutAfter - sent);
                        out.write(buffer, at, piece);
                        out.flush();
                        breakConnection(client, reset);
                        return;
                    }
                    out.write(buffer, at, piece);
                    out.flush();
                    sent += piece;
                    at += piece;
                }
            }
        } catch (IOException e) {
            // the client or the server went away: so does the other side
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
