package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EventEncoderTest {
    @Test
    void dataOnly() {
        assertEquals("data: hello\n\n", EventEncoder.data("hello"));
    }

    @Test
    void typeIdAndData() {
        assertEquals("event: token\nid: 7\ndata: hi\n\n", EventEncoder.event("token", "7", "hi"));
    }

    @Test
    void defaultTypeIsNotWritten() {
        assertEquals("data: x\n\n", EventEncoder.event("message", null, "x"));
        assertEquals("data: x\n\n", EventEncoder.event("", null, "x"));
    }

    @Test
    void emptyIdIsWrittenBecauseItResetsTheClientsLastEventId() {
        assertEquals("id: \ndata: x\n\n", EventEncoder.event(null, "", "x"));
    }

    @Test
    void eachLineOfDataBecomesADataLineWhateverItsLineBreak() {
        assertEquals("data: a\ndata: b\ndata: c\ndata:\ndata: d\n\n", EventEncoder.data("a\nb\r\nc\r\rd"));
    }

    @Test
    void emptyDataIsOneEmptyDataLine() {
        assertEquals("data:\n\n", EventEncoder.data(""));
    }

    @Test
    void trailingLineBreakInDataSurvives() {
        String wire = EventEncoder.data("ends with a break\n");
        assertEquals("data: ends with a break\ndata:\n\n", wire);
        assertEquals(List.of("ends with a break\n"), Parsed.text(wire).data());
    }

    @Test
    void leadingSpaceInDataSurvives() {
        assertEquals(List.of("  two spaces"), Parsed.text(EventEncoder.data("  two spaces")).data());
    }

    @Test
    void typeWithLineBreakIsRejected() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> EventEncoder.event("token\ndata: forged", null, "x"));
        assertTrue(error.getMessage().contains("CR or LF"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EventEncoder.event("a\rb", null, "x"));
    }

    @Test
    void idWithLineBreakOrNullIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> EventEncoder.event(null, "1\n\ndata: forged", "x"));
        assertThrows(IllegalArgumentException.class, () -> EventEncoder.event(null, "1\r", "x"));
        assertThrows(IllegalArgumentException.class, () -> EventEncoder.event(null, "1\u00002", "x"));
    }

    @Test
    void commentOfEachLine() {
        assertEquals(": one\n: two\n\n", EventEncoder.comment("one\ntwo"));
        assertEquals(":\n\n", EventEncoder.comment(""));
    }

    @Test
    void retryInMilliseconds() {
        assertEquals("retry: 1500\n\n", EventEncoder.retry(1500));
        assertThrows(IllegalArgumentException.class, () -> EventEncoder.retry(-1));
    }
}
