package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random events, encoded then parsed, come back equal: any text, including CR, LF, NULL, BOM and
 * astral characters, with data's CR and CRLF line breaks coming back as LF as the format requires.
 */
class RoundTripTest {
    private static final String[] PIECES = {"a", "Z", " ", "  ", ":", "data:", "\n", "\r", "\r\n", "\n\n", "\u0000",
        "\uFEFF", "\u00e9", "\u2028", "\uD83C\uDF0D", "\t", "id", "event", "{\"k\":\"v\"}", "<script>", "\\"};

    private static String randomText(Random random, int maxPieces, boolean lineBreaks) {
        StringBuilder text = new StringBuilder();
        int pieces = random.nextInt(maxPieces + 1);
        for (int i = 0; i < pieces; i++) {
            String piece = PIECES[random.nextInt(PIECES.length)];
            if (!lineBreaks && (piece.indexOf('\n') >= 0 || piece.indexOf('\r') >= 0)) {
                continue;
            }
            text.append(piece);
        }
        return text.toString();
    }

    @Test
    void randomEventsComeBackEqual() {
        Random random = new Random(7_24_2026);
        for (int round = 0; round < 500; round++) {
            List<ServerSentEvent> expected = new ArrayList<>();
            StringBuilder wire = new StringBuilder();
            String lastEventId = "";
            int events = 1 + random.nextInt(6);
            for (int i = 0; i < events; i++) {
                String type = random.nextInt(3) == 0 ? null : randomText(random, 3, false);
                String id = null;
                if (random.nextBoolean()) {
                    id = randomText(random, 3, false).replace("\u0000", "");
                    lastEventId = id;
                }
                String data = randomText(random, 8, true);
                EventEncoder.appendEvent(wire, type, id, data);
                if (random.nextInt(4) == 0) {
                    wire.append(EventEncoder.comment(randomText(random, 4, true)));
                }
                String expectedType = type == null || type.isEmpty() ? "message" : type;
                expected.add(new ServerSentEvent(expectedType, data.replace("\r\n", "\n").replace('\r', '\n'), lastEventId));
            }
            String text = wire.toString();
            List<ServerSentEvent> parsed = parseInRandomChunks(text, random);
            assertEquals(expected, parsed, () -> "wire: " + text.replace("\r", "\\r").replace("\n", "\\n"));
            // And as UTF-8 bytes through the decoder, the way the JVM client reads them.
            Parsed fromBytes = Parsed.bytes(text.getBytes(StandardCharsets.UTF_8));
            if (!text.startsWith("\uFEFF")) {
                assertEquals(expected, fromBytes.events);
            }
        }
    }

    private static List<ServerSentEvent> parseInRandomChunks(String text, Random random) {
        Parsed.Recorder recorder = new Parsed.Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        int position = 0;
        while (position < text.length()) {
            int end = Math.min(text.length(), position + 1 + random.nextInt(12));
            parser.feed(text.substring(position, end));
            position = end;
        }
        parser.end();
        return recorder.events;
    }
}
