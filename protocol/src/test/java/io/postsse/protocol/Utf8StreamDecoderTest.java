package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streaming UTF-8 decoder against what a browser's TextDecoder gives for the same bytes. */
class Utf8StreamDecoderTest {

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    /** Decodes whole, split at every offset and one byte at a time; all must agree. */
    private static String decodeEveryWay(byte[] input) {
        String whole = decode(input, new int[0]);
        for (int cut = 0; cut <= input.length; cut++) {
            assertEquals(whole, decode(input, new int[] {cut}), "split at " + cut);
        }
        int[] every = new int[input.length];
        for (int i = 0; i < every.length; i++) {
            every[i] = i;
        }
        assertEquals(whole, decode(input, every), "one byte at a time");
        return whole;
    }

    private static String decode(byte[] input, int[] cuts) {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        StringBuilder out = new StringBuilder();
        int start = 0;
        for (int cut : cuts) {
            out.append(decoder.decode(input, start, cut - start));
            start = cut;
        }
        out.append(decoder.decode(input, start, input.length - start));
        out.append(decoder.finish());
        return out.toString();
    }

    @Test
    void asciiPassesThrough() {
        assertEquals("data: x\n", decodeEveryWay("data: x\n".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void multiByteCharacterSplitAcrossChunksDecodesOnce() {
        String text = "\u00e9\u20ac\ud83d\ude00\uffff\u0800\u0080\udbff\udfff";
        assertEquals(text, decodeEveryWay(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void overlongFourByteStartGivesOneReplacementPerByte() {
        assertEquals("\ufffd\ufffd\ufffd", decodeEveryWay(bytes(0xF0, 0x80, 0x80)));
    }

    @Test
    void encodedSurrogateGivesOneReplacementPerByte() {
        assertEquals("\ufffd\ufffd\ufffd", decodeEveryWay(bytes(0xED, 0xA0, 0x80)));
    }

    @Test
    void truncatedSequenceAtEndGivesOneReplacement() {
        assertEquals("\ufffd", decodeEveryWay(bytes(0xC2)));
        assertEquals("a\ufffd", decodeEveryWay(bytes(0x61, 0xF0, 0x9F, 0x98)));
    }

    @Test
    void truncatedSequenceBeforeAsciiGivesOneReplacementAndKeepsTheAscii() {
        assertEquals("\ufffd\n", decodeEveryWay(bytes(0xE2, 0x82, 0x0A)));
    }

    @Test
    void invalidLeadBytesGiveOneReplacementEach() {
        assertEquals("\ufffd\ufffd\ufffd\ufffd\ufffd", decodeEveryWay(bytes(0xC0, 0xC1, 0xF5, 0xFF, 0x80)));
    }

    @Test
    void overlongTwoByteFormIsTwoReplacements() {
        assertEquals("\ufffd\ufffd", decodeEveryWay(bytes(0xC0, 0xAF)));
    }

    @Test
    void aboveMaxCodePointIsReplacedPerByte() {
        assertEquals("\ufffd\ufffd\ufffd\ufffd", decodeEveryWay(bytes(0xF4, 0x90, 0x80, 0x80)));
    }

    @Test
    void boundaryCodePointsDecode() {
        assertEquals("\ud7ff", decodeEveryWay(bytes(0xED, 0x9F, 0xBF)));
        assertEquals("\udbff\udfff", decodeEveryWay(bytes(0xF4, 0x8F, 0xBF, 0xBF)));
        assertEquals("\u0800", decodeEveryWay(bytes(0xE0, 0xA0, 0x80)));
        assertEquals("\u0080", decodeEveryWay(bytes(0xC2, 0x80)));
    }

    @Test
    void overlongThreeByteFormIsReplacedPerByte() {
        assertEquals("\ufffd\ufffd\ufffd", decodeEveryWay(bytes(0xE0, 0x9F, 0x80)));
    }

    @Test
    void leadingBomIsStrippedOnce() {
        assertEquals("\ufeffa", decodeEveryWay(bytes(0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, 0x61)));
    }

    @Test
    void bomOnlyAtTheStartIsStripped() {
        assertEquals("a\ufeff", decodeEveryWay(bytes(0x61, 0xEF, 0xBB, 0xBF)));
    }

    @Test
    void replacementCharacterAtStartIsNotABom() {
        assertEquals("\ufffd\ufeff", decodeEveryWay(bytes(0xFF, 0xEF, 0xBB, 0xBF)));
    }

    @Test
    void randomBytesDecodeLikeTheJdkReplacingDecoder() {
        // The JDK's UTF-8 decoder replaces maximal subparts the same way the WHATWG decoder does.
        Random random = new Random(20261124L);
        int[] interesting = {0x00, 0x0A, 0x0D, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF,
            0xE0, 0xED, 0xEE, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xBB};
        for (int round = 0; round < 5000; round++) {
            byte[] input = new byte[random.nextInt(12)];
            for (int i = 0; i < input.length; i++) {
                input[i] = (byte) (random.nextBoolean() ? interesting[random.nextInt(interesting.length)] : random.nextInt(256));
            }
            if (hasEncodedSurrogate(input)) {
                // The JDK replaces ED A0..BF xx as one unit; WHATWG replaces each byte (tested above).
                continue;
            }
            String expected = new String(input, StandardCharsets.UTF_8);
            if (expected.startsWith("\ufeff")) {
                expected = expected.substring(1);
            }
            assertEquals(expected, decodeEveryWay(input), () -> "bytes " + java.util.Arrays.toString(input));
        }
    }

    private static boolean hasEncodedSurrogate(byte[] input) {
        for (int i = 0; i + 1 < input.length; i++) {
            if ((input[i] & 0xFF) == 0xED && (input[i + 1] & 0xFF) >= 0xA0 && (input[i + 1] & 0xFF) <= 0xBF) {
                return true;
            }
        }
        return false;
    }
}
