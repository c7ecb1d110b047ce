package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random round trips: events of any text are encoded, then parsed back, as text and as
 * UTF-8 bytes cut into random chunks. Data comes back with CR and CRLF turned into LF; everything
 * else comes back exactly.
 */
class RoundTripTest {
    private static final char[] SPECIAL = {'\n', '\r', '\u0000', '\uFEFF', ' ', ':', '\t', '\u2028', '\u0085', '\uFFFD', '\uFFFF'};

    private static String randomText(Random random, int maxLength, boolean allowLineBreaks) {
        int length = random.nextInt(maxLength + 1);
        StringBuilder out = new StringBuilder(length);
        while (out.length() < length) {
            int pick = random.nextInt(10);
            if (pick < 3) {
                char c = SPECIAL[random.nextInt(SPECIAL.length)];
                if (!allowLineBreaks && (c == '\n' || c == '\r')) {
                    continue;
                }
                out.append(c);
                if (c == '\r' && allowLineBreaks && random.nextBoolean()) {
                    out.append('\n');
                }
            } else if (pick < 6) {
                out.append((char) (0x20 + random.nextInt(0x5F)));
            } else if (pick < 8) {
                out.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000 + 1));
            } else {
                char c = (char) random.nextInt(0xD800); // BMP below the surrogates
                if (!allowLineBreaks && (c == '\n' || c == '\r')) {
                    continue;
                }
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String normalizeLineBreaks(String data) {
        return data.replace("\r\n", "\n").replace('\r', '\n');
    }

    @Test
    void randomEventsComeBackEqual() {
        Random random = new Random(0x5EE5EEL);
        for (int round = 0; round < 3000; round++) {
            int count = 1 + random.nextInt(4);
            StringBuilder wire = new StringBuilder();
            List<ServerSentEvent> expected = new ArrayList<>();
            String lastId = "";
            long retry = -1;
            for (int i = 0; i < count; i++) {
                if (random.nextInt(5) == 0) {
                    retry = random.nextInt(100000);
                    wire.append(EventEncoder.retry(retry));
                }
                if (random.nextInt(5) == 0) {
                    wire.append(EventEncoder.comment(randomText(random, 10, true)));
                }
                String type = random.nextBoolean() ? null : randomText(random, 8, false);
                String id = null;
                if (random.nextBoolean()) {
                    id = randomText(random, 8, false).replace('\u0000', '0');
                    lastId = id;
                }
                String data = randomText(random, 40, true);
                EventEncoder.appendEvent(wire, type, id, data);
                String expectedType = type == null || type.isEmpty() ? ServerSentEvent.DEFAULT_TYPE : type;
                expected.add(new ServerSentEvent(expectedType, normalizeLineBreaks(data), lastId));
            }
            String text = wire.toString();
            String context = "round " + round + ": " + Recorder.show(text);

            Recorder whole = new Recorder();
            EventStreamParser parser = new EventStreamParser(whole);
            parser.feed(text);
            parser.end();
            assertEquals(expected, whole.events, context);
            assertEquals(lastId, parser.lastEventId(), context);
            assertEquals(retry, parser.retryMillis(), context);

            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            Recorder chunked = new Recorder();
            EventStreamDecoder decoder = new EventStreamDecoder(chunked);
            int position = 0;
            while (position < bytes.length) {
                int size = Math.min(bytes.length - position, random.nextInt(9));
                decoder.feed(bytes, position, size);
                position += size;
            }
            decoder.end();
            assertEquals(expected, chunked.events, context);
            assertEquals(lastId, decoder.lastEventId(), context);
        }
    }

    @Test
    void randomTextChunkingNeverChangesTheResult() {
        Random random = new Random(42L);
        for (int round = 0; round < 1000; round++) {
            String text = randomText(random, 60, true);
            // Sprinkle field names so lines do something.
            String stream = text.replace("a", "data:").replace("b", "id:").replace("c", "event:").replace("d", "retry: 1");
            List<String> whole = Parsing.parseText(stream, new int[0]);
            int[] cuts = new int[random.nextInt(6)];
            for (int i = 0; i < cuts.length; i++) {
                cuts[i] = random.nextInt(stream.length() + 1);
            }
            java.util.Arrays.sort(cuts);
            assertEquals(whole, Parsing.parseText(stream, cuts), Recorder.show(stream));
        }
    }
}
