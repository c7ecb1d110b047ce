package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One raw HTTP/1.1 exchange on its own connection, read as it comes: the head, then the chunked
 * body, de-chunked, so that tests can wait for text in it and assert the exact bytes.
 */
final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    private boolean closed;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        socket.setSoTimeout(20_000);
    }

    /** Sends a request: headers as name, value pairs; a body, when not null, as JSON. */
    static RawHttp send(TestServer server, String method, String path, String body, String... headers)
            throws IOException {
        return send(server.app.port(), method, path, body, headers);
    }

    /** Sends a request to the server on that loopback port (another process's, say). */
    static RawHttp send(int port, String method, String path, String body, String... headers) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        StringBuilder request = new StringBuilder(method).append(' ').append(path)
                .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            request.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        request.append("\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return new RawHttp(socket);
    }

    static RawHttp post(TestServer server, String path, String body, String... headers) throws IOException {
        return send(server, "POST", path, body, headers);
    }

    static RawHttp get(TestServer server, String path, String... headers) throws IOException {
        return send(server, "GET", path, null, headers);
    }

    private String text() {
        return raw.toString(StandardCharsets.ISO_8859_1);
    }

    private int headEnd() {
        return text().indexOf("\r\n\r\n");
    }

    /** Reads more; false at the end of the connection (or a reset). */
    private boolean readMore() throws IOException {
        if (closed) {
            return false;
        }
        byte[] buffer = new byte[8192];
        int read;
        try {
            read = in.read(buffer);
        } catch (java.net.SocketTimeoutException timeout) {
            throw new IOException("nothing more to read within 20 s; got: " + text(), timeout);
        } catch (SocketException reset) {
            read = -1;
        }
        if (read < 0) {
            closed = true;
            return false;
        }
        raw.write(buffer, 0, read);
        return true;
    }

    /** The status line's code, once the head has arrived. */
    int status() throws IOException {
        while (headEnd() < 0) {
            if (!readMore()) {
                throw new IOException("no complete head in: " + text());
            }
        }
        return Integer.parseInt(text().substring(9, 12));
    }

    /** The response's headers, by lower-case name. */
    Map<String, String> headers() throws IOException {
        status();
        Map<String, String> headers = new LinkedHashMap<>();
        String[] lines = text().substring(0, headEnd()).split("\r\n");
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        return headers;
    }

    String header(String name) throws IOException {
        return headers().get(name.toLowerCase(Locale.ROOT));
    }

    /** The body so far: de-chunked (whole chunks only) when chunked, as UTF-8. */
    String body() throws IOException {
        status();
        return decode().body;
    }

    /** Waits until the body holds the text; returns the body. */
    String readUntil(String expected) throws IOException {
        while (true) {
            String body = body();
            if (body.contains(expected)) {
                return body;
            }
            if (!readMore()) {
                throw new IOException("the connection closed before \"" + expected + "\"; got: " + body);
            }
        }
    }

    /** Reads until the server closes the connection; asserts the body ended normally, and returns it. */
    String readToEnd() throws IOException {
        while (readMore()) {
            // until the end
        }
        Decoded decoded = decode();
        assertTrue(decoded.complete, "the body should end with the last chunk: " + text());
        return decoded.body;
    }

    /** Reads until the server closes the connection; returns whether the body ended normally (with the last chunk). */
    boolean readToCloseEndedNormally() throws IOException {
        while (readMore()) {
            // until the end
        }
        return decode().complete;
    }

    /** Reads until the server closes the connection; asserts the body was cut short (no last chunk), and returns it. */
    String readToCut() throws IOException {
        while (readMore()) {
            // until the end
        }
        Decoded decoded = decode();
        assertTrue(!decoded.complete, "the body should be cut short: " + text());
        return decoded.body;
    }

    /** Reads a whole problem response (not chunked) and checks its status and type. */
    String problem(int expectedStatus) throws IOException {
        assertEquals(expectedStatus, status(), text());
        assertEquals("application/problem+json", header("Content-Type"));
        int length = Integer.parseInt(header("Content-Length"));
        while (raw.size() - (headEnd() + 4) < length) {
            if (!readMore()) {
                break;
            }
        }
        return new String(raw.toByteArray(), headEnd() + 4, length, StandardCharsets.UTF_8);
    }

    private record Decoded(String body, boolean complete) {
    }

    private Decoded decode() throws IOException {
        byte[] all = raw.toByteArray();
        int at = headEnd() + 4;
        if (!"chunked".equalsIgnoreCase(headers().get("transfer-encoding"))) {
            return new Decoded(new String(all, at, all.length - at, StandardCharsets.UTF_8), closed);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String text = text();
        while (true) {
            int lineEnd = text.indexOf("\r\n", at);
            if (lineEnd < 0) {
                return new Decoded(body.toString(StandardCharsets.UTF_8), false);
            }
            int size = Integer.parseInt(text.substring(at, lineEnd).split(";")[0].trim(), 16);
            int start = lineEnd + 2;
            if (size == 0) {
                return new Decoded(body.toString(StandardCharsets.UTF_8), text.startsWith("\r\n", start)
                        && text.length() == start + 2);
            }
            if (start + size > all.length) {
                return new Decoded(body.toString(StandardCharsets.UTF_8), false);
            }
            body.write(all, start, size); // whole: its CRLF may come with the next chunk
            if (start + size + 2 > all.length) {
                return new Decoded(body.toString(StandardCharsets.UTF_8), false);
            }
            assertEquals("\r\n", text.substring(start + size, start + size + 2), "a chunk should end with CRLF");
            at = start + size + 2;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
