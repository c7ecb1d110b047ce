package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamLimitsTest {

    @Test
    void lineAtTheLimitIsAccepted() {
        Recorder recorder = new Recorder();
        EventStreamParser parser = new EventStreamParser(recorder, 10, 100);
        parser.feed("data: abcd\n\n");
        assertEquals("abcd", recorder.events.get(0).data());
    }

    @Test
    void lineOverTheLimitInOneChunkFails() {
        EventStreamParser parser = new EventStreamParser(new Recorder(), 10, 100);
        StreamLimitException e = assertThrows(StreamLimitException.class, () -> parser.feed("data: abcde\n"));
        assertEquals(10, e.limit());
        assertEquals("a line is longer than 10 characters", e.getMessage());
    }

    @Test
    void lineOverTheLimitWithoutEndFailsBeforeItEnds() {
        EventStreamParser parser = new EventStreamParser(new Recorder(), 10, 100);
        parser.feed("data: ");
        parser.feed("abcd");
        assertThrows(StreamLimitException.class, () -> parser.feed("e"));
    }

    @Test
    void endlessLineFailsInsteadOfRunningOutOfMemory() {
        EventStreamParser parser = new EventStreamParser(new Recorder(), 1 << 16, 1 << 16);
        String chunk = "x".repeat(4096);
        assertThrows(StreamLimitException.class, () -> {
            for (int i = 0; i < 1_000_000; i++) {
                parser.feed(chunk);
            }
        });
    }

    @Test
    void dataOverTheLimitAcrossLinesFails() {
        EventStreamParser parser = new EventStreamParser(new Recorder(), 100, 5);
        parser.feed("data: ab\n");
        parser.feed("data: cd\n"); // "ab\ncd" is five characters
        StreamLimitException e = assertThrows(StreamLimitException.class, () -> parser.feed("data:\n"));
        assertEquals(5, e.limit());
        assertEquals("an event's data is longer than 5 characters", e.getMessage());
    }

    @Test
    void limitIsAnIntLimitEvenWhenGivenAsALong() {
        assertEquals(5, new StreamLimitException("over", 5L).limit());
        assertEquals(Integer.MAX_VALUE, new StreamLimitException("over", (long) Integer.MAX_VALUE).limit());
        assertThrows(IllegalArgumentException.class, () -> new StreamLimitException("over", 1L << 32));
        assertThrows(IllegalArgumentException.class, () -> new StreamLimitException("over", -1L << 40));
    }

    @Test
    void limitsAreWrittenInDecimal() {
        for (int n : new int[] {0, 1, 9, 10, 99, 100, 1 << 20, Integer.MAX_VALUE}) {
            assertEquals(Integer.toString(n), EventStreamParser.decimal(n));
        }
    }

    @Test
    void dataLimitCountsEachEventAfresh() {
        Recorder recorder = new Recorder();
        EventStreamParser parser = new EventStreamParser(recorder, 100, 5);
        for (int i = 0; i < 10; i++) {
            parser.feed("data: ab\ndata: cd\n\n");
        }
        assertEquals(10, recorder.events.size());
    }

    @Test
    void failedParserRefusesMoreInput() {
        EventStreamParser parser = new EventStreamParser(new Recorder(), 4, 4);
        assertThrows(StreamLimitException.class, () -> parser.feed("data: long\n"));
        assertThrows(IllegalStateException.class, () -> parser.feed("\n"));
    }

    @Test
    void byteEntryPointAppliesTheLimits() {
        EventStreamDecoder decoder = new EventStreamDecoder(new Recorder(), 10, 100);
        byte[] body = "data: abcdefgh\n".getBytes(StandardCharsets.UTF_8);
        assertThrows(StreamLimitException.class, () -> decoder.feed(body, 0, body.length));
    }

    @Test
    void badLimitsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new EventStreamParser(new Recorder(), 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new EventStreamParser(new Recorder(), 1, 0));
    }

    @Test
    void byteEntryPointChecksBounds() {
        EventStreamDecoder decoder = new EventStreamDecoder(new Recorder());
        assertThrows(IndexOutOfBoundsException.class, () -> decoder.feed(new byte[4], 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> decoder.feed(new byte[4], -1, 1));
    }
}
