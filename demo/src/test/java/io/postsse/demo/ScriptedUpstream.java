package io.postsse.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An upstream for the relay's tests, on a loopback port, answering each request byte for byte as
 * its script says: so that it can hang before its head, send a head and nothing, trickle, or end
 * its body anywhere. Records the requests, and notices when the relay closes a connection.
 */
final class ScriptedUpstream implements AutoCloseable {
    /** Answers one request, writing to the connection; returns when it is done with it. */
    interface Script {
        void answer(Connection connection) throws Exception;
    }

    /** One connection from the relay, its request read. */
    static final class Connection {
        final String head;
        final String body;
        private final Socket socket;
        private final OutputStream out;
        private final CountDownLatch closedByRelay;

        Connection(Socket socket, String head, String body, CountDownLatch closedByRelay) throws IOException {
            this.socket = socket;
            this.head = head;
            this.body = body;
            this.out = socket.getOutputStream();
            this.closedByRelay = closedByRelay;
        }

        /** Writes and flushes; an IOException means the relay closed the connection. */
        void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** The head of a streamed answer: 200, {@code text/event-stream}, chunked. */
        void streamHead() throws IOException {
            write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        }

        /** One chunk of the body. */
        void chunk(String text) throws IOException {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            write(Integer.toHexString(bytes.length) + "\r\n" + text + "\r\n");
        }

        /** One event, {@code data:} the payload, in a chunk of its own. */
        void event(String data) throws IOException {
            chunk("data: " + data + "\n\n");
        }

        /** The last chunk: the body ends normally. */
        void endBody() throws IOException {
            write("0\r\n\r\n");
        }

        /** A whole answer with this status, content type and body. */
        void answer(int status, String contentType, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            write("HTTP/1.1 " + status + " Status\r\nContent-Type: " + contentType + "\r\nContent-Length: " + bytes.length
                    + "\r\n\r\n");
            out.write(bytes);
            out.flush();
        }

        /** Notes that the relay closed the connection: a write failed. */
        void closedByRelay() {
            closedByRelay.countDown();
        }

        /** Blocks until the relay closes the connection (or 30 s pass): what a hung upstream does. */
        void awaitClose() throws IOException {
            socket.setSoTimeout(30_000);
            try {
                while (socket.getInputStream().read() >= 0) {
                    // nothing more is expected from the relay
                }
                closedByRelay.countDown();
            } catch (IOException e) {
                closedByRelay.countDown(); // reset by the relay
            }
        }
    }

    final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
    /** Counted down when the relay closed a connection that the script was holding open. */
    final CountDownLatch closedByRelay = new CountDownLatch(1);
    private final ServerSocket server;
    private final Thread acceptor;

    ScriptedUpstream(Script script) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                Socket socket;
                try {
                    socket = server.accept();
                } catch (IOException e) {
                    return;
                }
                Thread handler = new Thread(() -> handle(socket, script), "scripted-upstream");
                handler.setDaemon(true);
                handler.start();
            }
        }, "scripted-upstream-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void handle(Socket socket, Script script) {
        try (socket) {
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            int length = 0;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            requests.add(head + "\r\n\r\n" + body);
            script.answer(new Connection(socket, head, body, closedByRelay));
        } catch (Exception e) {
            // the relay went away: the scripts that care notice it themselves
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the request ended in its head");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
    }

    /** A chunk of a streamed chat completion with one delta of content (plain text: no quotes or backslashes). */
    static String delta(String content) {
        return "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                + content + "\"},\"finish_reason\":null}]}";
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1");
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
