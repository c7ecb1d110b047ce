package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EventEncoderTest {

    @Test
    void dataOnlyEvent() {
        assertEquals("data: hello\n\n", EventEncoder.data("hello"));
    }

    @Test
    void typeIdAndData() {
        assertEquals("event: add\nid: 7\ndata: x\n\n", EventEncoder.event("add", "7", "x"));
    }

    @Test
    void messageOrEmptyTypeIsLeftOut() {
        assertEquals("data: x\n\n", EventEncoder.event("message", null, "x"));
        assertEquals("data: x\n\n", EventEncoder.event("", null, "x"));
    }

    @Test
    void emptyIdIsWrittenSoItResetsTheClientsId() {
        assertEquals("id: \ndata: x\n\n", EventEncoder.event(null, "", "x"));
    }

    @Test
    void emptyDataIsOneEmptyDataLine() {
        assertEquals("data:\n\n", EventEncoder.data(""));
    }

    @Test
    void lfCrAndCrlfInDataBecomeSeveralDataLines() {
        assertEquals("data: a\ndata: b\ndata: c\ndata: d\n\n", EventEncoder.data("a\nb\rc\r\nd"));
    }

    @Test
    void trailingAndDoubleLineBreaksGiveEmptyDataLines() {
        assertEquals("data: a\ndata:\ndata:\n\n", EventEncoder.data("a\n\n"));
        assertEquals("data:\ndata: a\n\n", EventEncoder.data("\ra"));
    }

    @Test
    void leadingSpaceInDataSurvives() {
        assertEquals("data:  a\n\n", EventEncoder.data(" a"));
    }

    @Test
    void crAndCrlfInDataComeBackAsLf() {
        Recorder recorder = new Recorder();
        new EventStreamParser(recorder).feed(EventEncoder.data("a\r\nb\rc\n"));
        assertEquals("a\nb\nc\n", recorder.events.get(0).data());
    }

    @Test
    void eventTypeWithLineBreakIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventEncoder.event("a\nb", null, "x"));
        assertTrue(e.getMessage().contains("CR or LF"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EventEncoder.event("a\rb", null, "x"));
    }

    @Test
    void idWithLineBreakIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> EventEncoder.event(null, "1\n", "x"));
        assertThrows(IllegalArgumentException.class, () -> EventEncoder.event(null, "\r1", "x"));
    }

    @Test
    void idWithNullIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventEncoder.event(null, "1\u00002", "x"));
        assertTrue(e.getMessage().contains("NULL"), e.getMessage());
    }

    @Test
    void nullDataIsRejected() {
        assertThrows(NullPointerException.class, () -> EventEncoder.data(null));
    }

    @Test
    void nullCharacterInDataAndTypeIsCarried() {
        assertEquals("event: a\u0000\ndata: \u0000\n\n", EventEncoder.event("a\u0000", null, "\u0000"));
    }

    @Test
    void commentLines() {
        assertEquals(": ping\n\n", EventEncoder.comment("ping"));
        assertEquals(":\n\n", EventEncoder.comment(""));
        assertEquals(": a\n: b\n: c\n\n", EventEncoder.comment("a\r\nb\rc"));
    }

    @Test
    void commentIsIgnoredByTheParser() {
        Recorder recorder = new Recorder();
        new EventStreamParser(recorder).feed(EventEncoder.comment("a\ndata: forged"));
        assertEquals(java.util.List.of("comment \" a\"", "comment \" data: forged\""), recorder.log);
    }

    @Test
    void retryBlock() {
        assertEquals("retry: 2500\n\n", EventEncoder.retry(2500));
        assertThrows(IllegalArgumentException.class, () -> EventEncoder.retry(-1));
        Recorder recorder = new Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        parser.feed(EventEncoder.retry(Long.MAX_VALUE));
        assertEquals(Long.MAX_VALUE, parser.retryMillis());
    }

    @Test
    void appendEventAppends() {
        StringBuilder out = new StringBuilder("x");
        EventEncoder.appendEvent(out, "t", null, "d");
        assertEquals("xevent: t\ndata: d\n\n", out.toString());
    }
}
