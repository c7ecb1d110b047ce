package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The bytes on the wire of an HTTP/1.1 stream: chunked, so that only a normal end looks like one. */
class ChunkedFramingTest {
    /** A response as read from a raw connection until the server closed it. */
    private record RawResponse(String head, String rest) {
        boolean hasHeader(String name, String value) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)
                        && line.substring(colon + 1).trim().equalsIgnoreCase(value)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Reads all the connection brings until the server closes it, for at most 20 s. */
    private static RawResponse readToClose(Socket socket) throws IOException {
        socket.setSoTimeout(20_000);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        String text = all.toString(StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        assertTrue(headEnd > 0, "no complete head in: " + text);
        return new RawResponse(text.substring(0, headEnd), text.substring(headEnd + 4));
    }

    /**
     * The body carried by chunked framing, which must be complete: every chunk whole, then the
     * last, empty chunk with no trailers, and nothing after it.
     */
    private static String dechunk(String framed) {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = framed.indexOf("\r\n", at);
            assertTrue(lineEnd >= 0, "a chunk size line is cut short at " + at + " in: " + framed);
            String sizeField = framed.substring(at, lineEnd);
            int extension = sizeField.indexOf(';');
            int size = Integer.parseInt((extension < 0 ? sizeField : sizeField.substring(0, extension)).trim(), 16);
            at = lineEnd + 2;
            if (size == 0) {
                assertEquals("\r\n", framed.substring(at), "the last chunk should end the response");
                return body.toString();
            }
            assertTrue(at + size + 2 <= framed.length(), "a chunk is cut short at " + at + " in: " + framed);
            body.append(framed, at, at + size);
            assertEquals("\r\n", framed.substring(at + size, at + size + 2), "a chunk should end with CRLF");
            at += size + 2;
        }
    }

    private static String utf8(String latin1) {
        return new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    @Test
    void http11StreamIsChunkedAndEndsWithTheLastChunk() throws Exception {
        try (TestServer server = TestServer.start(sse -> sse.post("/words", Object.class, (request, events) -> {
            events.send("hello");
            events.send("token", "one\ntwo");
            events.send(OutboundEvent.of("ünï").id("7"));
            events.comment("done");
        })); Socket socket = server.openRawPost("/words", "{}", 0)) {
            RawResponse response = readToClose(socket);
            assertTrue(response.head().startsWith("HTTP/1.1 200 OK\r\n"), response.head());
            assertTrue(response.hasHeader("Transfer-Encoding", "chunked"), response.head());
            assertTrue(response.hasHeader("Connection", "close"), response.head());
            assertFalse(response.head().toLowerCase(Locale.ROOT).contains("content-length"), response.head());
            assertTrue(response.rest().endsWith("0\r\n\r\n"), response.rest());
            assertEquals("data: hello\n\nevent: token\ndata: one\ndata: two\n\nid: 7\ndata: ünï\n\n: done\n\n",
                    utf8(dechunk(response.rest())));
        }
    }

    @Test
    void producerThatThrowsStillEndsTheStreamWithTheLastChunk() throws Exception {
        try (TestServer server = TestServer.start(sse -> sse.post("/fails", Object.class, (request, events) -> {
            events.send("first");
            throw new IllegalStateException("broken on purpose");
        })); Socket socket = server.openRawPost("/fails", "{}", 0)) {
            RawResponse response = readToClose(socket);
            assertTrue(response.hasHeader("Transfer-Encoding", "chunked"), response.head());
            String body = dechunk(response.rest());
            assertTrue(body.startsWith("data: first\n\nevent: error\ndata: {"), body);
            assertTrue(body.endsWith("\"status\":500,\"detail\":\"The stream failed on the server.\"}\n\n"), body);
        }
    }

    @Test
    void http10ClientGetsTheBodyUnframedUntilTheClose() throws Exception {
        try (TestServer server = TestServer.start(sse -> sse.post("/words", Object.class,
                (request, events) -> events.send("hello")));
                Socket socket = new Socket("127.0.0.1", server.app.port())) {
            socket.getOutputStream().write(("POST /words HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            RawResponse response = readToClose(socket);
            assertTrue(response.head().matches("(?s)HTTP/1\\.[01] 200 OK\r\n.*"), response.head());
            assertFalse(response.head().toLowerCase(Locale.ROOT).contains("transfer-encoding"), response.head());
            assertEquals("data: hello\n\n", response.rest());
        }
    }
}
