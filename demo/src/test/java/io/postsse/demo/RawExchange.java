package io.postsse.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 request on a connection of its own to a loopback port, written byte for byte (so
 * that a test chooses its {@code Host} header), and its whole response, read until the server
 * closes the connection or the response is complete, within a bounded time.
 */
final class RawExchange {
    /** A response as it arrived: status, headers (names in lower case), the body de-chunked. */
    record Response(int status, Map<String, String> headers, String body, Duration elapsed) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawExchange() {
    }

    static Response get(int port, String path, String host) throws IOException {
        return exchange(port, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n", null,
                Duration.ofSeconds(10));
    }

    static Response postJson(int port, String path, String host, String json, Duration within) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                + "Accept: text/event-stream\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        return exchange(port, head, body, within);
    }

    /**
     * Sends the request and reads the response; fails with {@link SocketTimeoutException} when the
     * whole of it has not come within {@code within}.
     */
    static Response exchange(int port, String head, byte[] body, Duration within) throws IOException {
        long started = System.nanoTime();
        long deadline = started + within.toNanos();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            byte[] buffer = new byte[16384];
            while (!complete(raw.toByteArray())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("no whole response within " + within.toMillis() + " ms: "
                            + raw.toString(StandardCharsets.UTF_8));
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int read;
                try {
                    read = in.read(buffer);
                } catch (SocketTimeoutException e) {
                    throw new SocketTimeoutException("no whole response within " + within.toMillis() + " ms: "
                            + raw.toString(StandardCharsets.UTF_8));
                }
                if (read < 0) {
                    break;
                }
                raw.write(buffer, 0, read);
            }
            return parse(raw.toByteArray(), Duration.ofNanos(System.nanoTime() - started));
        }
    }

    /** True once the head and the whole body (by length, or to the last chunk) have arrived. */
    private static boolean complete(byte[] raw) {
        int headEnd = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
        if (headEnd < 0) {
            return false;
        }
        Map<String, String> headers = headers(new String(raw, 0, headEnd, StandardCharsets.ISO_8859_1));
        int bodyStart = headEnd + 4;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            return dechunk(raw, bodyStart) != null;
        }
        String length = headers.get("content-length");
        return length != null && raw.length - bodyStart >= Integer.parseInt(length.trim());
    }

    private static Response parse(byte[] raw, Duration elapsed) throws IOException {
        int headEnd = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
        if (headEnd < 0) {
            throw new IOException("no response head: " + new String(raw, StandardCharsets.UTF_8));
        }
        String head = new String(raw, 0, headEnd, StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(head.substring(9, 12));
        Map<String, String> headers = headers(head);
        int bodyStart = headEnd + 4;
        byte[] body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(raw, bodyStart);
            if (body == null) {
                throw new IOException("the chunked body was cut short: " + new String(raw, StandardCharsets.UTF_8));
            }
        } else {
            body = java.util.Arrays.copyOfRange(raw, bodyStart, raw.length);
        }
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8), elapsed);
    }

    private static Map<String, String> headers(String head) {
        Map<String, String> headers = new LinkedHashMap<>();
        String[] lines = head.split("\r\n");
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
            }
        }
        return headers;
    }

    /** The chunked body's bytes, or null while its last chunk has not arrived. */
    private static byte[] dechunk(byte[] raw, int from) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = from;
        while (true) {
            int lineEnd = indexOf(raw, new byte[] {'\r', '\n'}, at);
            if (lineEnd < 0) {
                return null;
            }
            String sizeLine = new String(raw, at, lineEnd - at, StandardCharsets.ISO_8859_1);
            int size = Integer.parseInt(sizeLine.split(";", 2)[0].trim(), 16);
            int dataStart = lineEnd + 2;
            if (size == 0) {
                return indexOf(raw, new byte[] {'\r', '\n'}, dataStart) < 0 ? null : body.toByteArray();
            }
            if (raw.length < dataStart + size + 2) {
                return null;
            }
            body.write(raw, dataStart, size);
            at = dataStart + size + 2;
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
