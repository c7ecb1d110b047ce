package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A body reaches the producer whole, whether its length was declared or it came chunked, and
 * whatever its size against the reader's buffer, which starts small and grows.
 */
class RequestBodyReadingTest {
    /** A request body whose text the producer echoes back as its length and its last characters. */
    public record Note(String text) {
    }

    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(sse -> {
            sse.maxBodyBytes = 1 << 20;
            sse.post("/note", Note.class, (note, events) ->
                    events.send(note.text().length() + " " + note.text().substring(note.text().length() - 3)));
        });
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A text of the length: the alphabet, over and over. */
    private static String text(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) ('a' + i % 26));
        }
        return text.toString();
    }

    private HttpResponse<String> postChunked(String json) throws Exception {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri("/note"))
                        .header("Content-Type", "application/json")
                        // A publisher of unknown length makes the client send the body chunked.
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void assertEchoed(HttpResponse<String> response, String text) {
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("data: " + text.length() + " " + text.substring(text.length() - 3) + "\n\n", response.body());
    }

    @Test
    void chunkedBodiesOfEverySizeAgainstTheBufferAreReadWhole() throws Exception {
        // Below the first buffer, at its edges, across each time it grows, and far past the largest.
        for (int length : new int[] {3, 490, 500, 511, 2_000, 2_100, 9_000, 300_000}) {
            String text = text(length);
            assertEchoed(postChunked("{\"text\":\"" + text + "\"}"), text);
        }
    }

    @Test
    void bodiesOfADeclaredLengthAreReadWhole() throws Exception {
        for (int length : new int[] {3, 8_180, 8_200, 300_000}) {
            String text = text(length);
            assertEchoed(server.postJson("/note", "{\"text\":\"" + text + "\"}"), text);
        }
    }
}
