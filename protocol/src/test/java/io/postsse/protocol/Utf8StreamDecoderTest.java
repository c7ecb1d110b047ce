package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The WHATWG Encoding standard's UTF-8 decoder, as the browser's TextDecoder runs it. */
class Utf8StreamDecoderTest {
    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }

    /** Decodes the bytes split at every offset, insisting that every split decodes the same. */
    private static String decode(byte[] bytes) {
        String whole = decodeSplit(bytes, bytes.length);
        for (int cut = 0; cut <= bytes.length; cut++) {
            assertEquals(whole, decodeSplit(bytes, cut), "split at " + cut);
        }
        StringBuilder oneByOne = new StringBuilder();
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        for (int i = 0; i < bytes.length; i++) {
            oneByOne.append(decoder.decode(bytes, i, 1));
        }
        assertEquals(whole, oneByOne.append(decoder.finish()).toString(), "one byte at a time");
        return whole;
    }

    private static String decodeSplit(byte[] bytes, int cut) {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        return decoder.decode(bytes, 0, cut) + decoder.decode(bytes, cut, bytes.length - cut) + decoder.finish();
    }

    @Test
    void asciiPassesThrough() {
        assertEquals("data: x\n", decode("data: x\n".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void multiByteCharactersSplitAcrossChunksDecodeOnce() {
        assertEquals("\u00e9\u20ac\uD83C\uDF0D", decode("\u00e9\u20ac\uD83C\uDF0D".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void leadingByteOrderMarkIsDroppedOnce() {
        assertEquals("\uFEFFx", decode(bytes(0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, 'x')));
    }

    @Test
    void byteOrderMarkAfterTheStartIsKept() {
        assertEquals("x\uFEFF", decode(bytes('x', 0xEF, 0xBB, 0xBF)));
    }

    @Test
    void loneContinuationByteIsOneReplacement() {
        assertEquals("a\uFFFDb", decode(bytes('a', 0x80, 'b')));
    }

    @Test
    void truncatedSequenceIsOneReplacementAndTheNextByteIsReadAfresh() {
        assertEquals("\uFFFDA", decode(bytes(0xE2, 0x82, 'A')));
    }

    @Test
    void truncatedSequenceAtTheEndIsOneReplacement() {
        assertEquals("a\uFFFD", decode(bytes('a', 0xF0, 0x9F, 0x8C)));
    }

    @Test
    void overlongEncodingIsOneReplacementPerByte() {
        assertEquals("\uFFFD\uFFFD", decode(bytes(0xC0, 0xAF)));
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(bytes(0xE0, 0x80, 0xAF)));
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", decode(bytes(0xF0, 0x80, 0x80, 0xAF)));
    }

    @Test
    void encodedSurrogateIsOneReplacementPerByte() {
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(bytes(0xED, 0xA0, 0x80)));
    }

    @Test
    void codePointAboveTheUnicodeRangeIsReplaced() {
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", decode(bytes(0xF4, 0x90, 0x80, 0x80)));
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", decode(bytes(0xF5, 0x80, 0x80, 0x80)));
    }

    @Test
    void invalidLeadBytesAreEachReplaced() {
        assertEquals("\uFFFD\uFFFD", decode(bytes(0xFE, 0xFF)));
    }

    @Test
    void randomBytesDecodeAsTheJdksReplacingDecoderDoes() throws Exception {
        // The JDK's decoder also replaces each maximal invalid subpart with one U+FFFD, except after
        // ED, the lead byte of encoded surrogates, where it departs from the Encoding standard (see
        // encodedSurrogateIsOneReplacementPerByte): the random bytes leave ED out.
        Random random = new Random(20261124);
        for (int round = 0; round < 2000; round++) {
            byte[] bytes = new byte[random.nextInt(40)];
            for (int i = 0; i < bytes.length; i++) {
                // Bias towards the interesting range of lead and continuation bytes.
                bytes[i] = (byte) (random.nextBoolean() ? 0x80 + random.nextInt(0x80) : random.nextInt(0x100));
                if (bytes[i] == (byte) 0xED) {
                    bytes[i] = (byte) 0xEE;
                }
            }
            if (bytes.length >= 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB && bytes[2] == (byte) 0xBF) {
                continue; // the JDK keeps a BOM; this decoder drops it
            }
            CharsetDecoder jdk = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
            CharBuffer expected = jdk.decode(ByteBuffer.wrap(bytes));
            assertEquals(expected.toString(), decode(bytes), () -> "bytes " + java.util.Arrays.toString(bytes));
        }
    }
}
