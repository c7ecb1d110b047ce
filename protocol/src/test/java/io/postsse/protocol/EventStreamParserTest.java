package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per rule of the WHATWG HTML standard's "Interpreting an event stream". Each input is
 * also parsed split at every offset and one character at a time (see {@link Parsed}).
 */
class EventStreamParserTest {
    private static ServerSentEvent event(String type, String data, String lastEventId) {
        return new ServerSentEvent(type, data, lastEventId);
    }

    @Test
    void lfEndsALine() {
        assertEquals(List.of("a", "b"), Parsed.text("data: a\n\ndata: b\n\n").data());
    }

    @Test
    void crEndsALine() {
        assertEquals(List.of("a", "b"), Parsed.text("data: a\r\rdata: b\r\r").data());
    }

    @Test
    void crlfEndsALine() {
        assertEquals(List.of("a", "b"), Parsed.text("data: a\r\n\r\ndata: b\r\n\r\n").data());
    }

    @Test
    void mixedLineEndsEachEndALine() {
        assertEquals(List.of("a\nb\nc"), Parsed.text("data: a\rdata: b\ndata: c\r\n\n").data());
    }

    @Test
    void crAtTheEndOfAChunkAndLfAtTheStartOfTheNextAreOneLineEnd() {
        Parsed.Recorder recorder = new Parsed.Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        parser.feed("data: a\r");
        parser.feed("\ndata: b\r");
        parser.feed("\n\r");
        parser.feed("\n");
        assertEquals(List.of(ServerSentEvent.message("a\nb")), recorder.events);
    }

    @Test
    void crThenEmptyChunkThenLfIsStillOneLineEnd() {
        Parsed.Recorder recorder = new Parsed.Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        parser.feed("data: a\r");
        parser.feed("");
        parser.feed("\ndata: b\n\n");
        assertEquals(List.of(ServerSentEvent.message("a\nb")), recorder.events);
    }

    @Test
    void blankLineDispatchesTheEvent() {
        assertEquals(List.of(ServerSentEvent.message("x")), Parsed.text("data: x\n\n").events);
    }

    @Test
    void lineStartingWithColonIsAComment() {
        Parsed parsed = Parsed.text(": a comment\n:\n:: two colons\ndata: x\n\n");
        assertEquals(List.of(" a comment", "", ": two colons"), parsed.comments);
        assertEquals(List.of("x"), parsed.data());
    }

    @Test
    void blockOfOnlyCommentsDispatchesNothing() {
        assertTrue(Parsed.text(": keep-alive\n\n: again\n\n").events.isEmpty());
    }

    @Test
    void fieldWithoutColonHasAnEmptyValue() {
        Parsed parsed = Parsed.text("data\n\ndata\ndata\n\n");
        assertEquals(List.of("", "\n"), parsed.data());
    }

    @Test
    void exactlyOneLeadingSpaceIsStrippedFromTheValue() {
        assertEquals(List.of("no space", "one space", " two spaces", "\ttab kept"),
                Parsed.text("data:no space\n\ndata: one space\n\ndata:  two spaces\n\ndata:\ttab kept\n\n").data());
    }

    @Test
    void onlyTheFirstColonSeparatesNameFromValue() {
        assertEquals(List.of("a: b:c"), Parsed.text("data: a: b:c\n\n").data());
    }

    @Test
    void dataLinesAreJoinedWithLf() {
        assertEquals(List.of("one\ntwo\nthree"), Parsed.text("data: one\ndata: two\ndata: three\n\n").data());
    }

    @Test
    void oneTrailingLfIsRemovedFromData() {
        assertEquals(List.of("", "\n", "a\n"), Parsed.text("data:\n\ndata:\ndata:\n\ndata: a\ndata:\n\n").data());
    }

    @Test
    void blockWithoutDataDispatchesNothing() {
        assertTrue(Parsed.text("event: ping\n\nid: 1\n\nretry: 10\n\n").events.isEmpty());
    }

    @Test
    void idOfABlockWithoutDataStillSetsTheLastEventId() {
        Parsed parsed = Parsed.text("id: 5\n\ndata: after\n\n");
        assertEquals(List.of(event("message", "after", "5")), parsed.events);
        assertEquals("5", parsed.lastEventId);
    }

    @Test
    void lastEventIdPersistsAcrossEventsWithoutId() {
        assertEquals(List.of(event("message", "a", "1"), event("message", "b", "1")),
                Parsed.text("id: 1\ndata: a\n\ndata: b\n\n").events);
    }

    @Test
    void idAppliesToTheEventOfItsOwnBlockWhereverItStands() {
        assertEquals(List.of(event("message", "a", "9")), Parsed.text("data: a\nid: 9\n\n").events);
    }

    @Test
    void emptyIdResetsTheLastEventId() {
        Parsed parsed = Parsed.text("id: 1\ndata: a\n\nid\ndata: b\n\nid:\ndata: c\n\n");
        assertEquals(List.of(event("message", "a", "1"), event("message", "b", ""), event("message", "c", "")),
                parsed.events);
        assertEquals("", parsed.lastEventId);
    }

    @Test
    void idContainingNullIsIgnored() {
        Parsed parsed = Parsed.text("id: 1\ndata: a\n\nid: 2\u00003\ndata: b\n\n");
        assertEquals(List.of(event("message", "a", "1"), event("message", "b", "1")), parsed.events);
        assertEquals("1", parsed.lastEventId);
    }

    @Test
    void nullInDataIsKept() {
        assertEquals(List.of("\u0000"), Parsed.text("data:\u0000\n\n").data());
    }

    @Test
    void eventFieldSetsTheType() {
        assertEquals(List.of(event("token", "x", "")), Parsed.text("event: token\ndata: x\n\n").events);
    }

    @Test
    void eventTypeResetsAfterEachBlock() {
        assertEquals(List.of(event("token", "a", ""), event("message", "b", "")),
                Parsed.text("event: token\ndata: a\n\ndata: b\n\n").events);
    }

    @Test
    void eventTypeOfABlockWithoutDataDoesNotCarryOver() {
        assertEquals(List.of(event("message", "b", "")), Parsed.text("event: lost\n\ndata: b\n\n").events);
    }

    @Test
    void emptyEventFieldMeansTheDefaultType() {
        assertEquals(List.of(event("message", "x", "")), Parsed.text("event:\ndata: x\n\n").events);
    }

    @Test
    void lastEventFieldOfABlockWins() {
        assertEquals(List.of(event("second", "x", "")), Parsed.text("event: first\nevent: second\ndata: x\n\n").events);
    }

    @Test
    void retryOfAsciiDigitsSetsTheReconnectionTime() {
        Parsed parsed = Parsed.text("retry: 2500\n\n");
        assertEquals(2500, parsed.retry);
    }

    @Test
    void retryIsTakenEvenWithoutABlankLine() {
        Parsed.Recorder recorder = new Parsed.Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        parser.feed("retry: 300\n");
        assertEquals(List.of(300L), recorder.retries);
        assertEquals(300, parser.retryMillis());
    }

    @Test
    void retryWithAnythingButAsciiDigitsIsIgnored() {
        // Arabic-Indic and full-width digits are digits to Character.isDigit, not to the spec.
        Parsed parsed = Parsed.text("retry: 100\n\nretry: 1000x\n\nretry: \u0661\u0662\n\nretry: \uFF11\n\n"
                + "retry: -5\n\nretry: 1.5\n\nretry:  7\n\nretry:\n\nretry\n\n");
        assertEquals(100, parsed.retry);
    }

    @Test
    void retryWithoutAnyValidValueLeavesNoRetryTime() {
        assertEquals(-1, Parsed.text("retry: soon\n\ndata: x\n\n").retry);
    }

    @Test
    void hugeRetryIsCappedInsteadOfOverflowing() {
        assertEquals(Long.MAX_VALUE, Parsed.text("retry: 99999999999999999999999999\n\n").retry);
    }

    @Test
    void fieldNamesAreCaseSensitive() {
        Parsed parsed = Parsed.text("DATA: a\nData: b\nEvent: x\nID: 1\nRetry: 5\ndata: c\n\n");
        assertEquals(List.of(event("message", "c", "")), parsed.events);
        assertEquals(-1, parsed.retry);
    }

    @Test
    void unknownFieldsAreIgnored() {
        assertEquals(List.of("x"), Parsed.text("foo: bar\ndata: x\nbaz\n\n").data());
    }

    @Test
    void unterminatedLastBlockIsDiscardedAtTheEnd() {
        Parsed parsed = Parsed.text("data: complete\n\ndata: incomplete\nid: 99\n");
        assertEquals(List.of("complete"), parsed.data());
        assertEquals("", parsed.lastEventId);
    }

    @Test
    void unterminatedLastLineIsDiscardedAtTheEnd() {
        assertTrue(Parsed.text("data: no line end").events.isEmpty());
    }

    @Test
    void leadingByteOrderMarkIsNotStrippedFromText() {
        // TextDecoderStream has already removed the stream's BOM: a U+FEFF left is the stream's own.
        Parsed parsed = Parsed.text("\uFEFFdata: first\n\ndata: second\n\n");
        assertEquals(List.of("second"), parsed.data());
    }

    @Test
    void spaceBeforeTheColonIsPartOfTheName() {
        assertTrue(Parsed.text("data : x\n\n").events.isEmpty());
    }

    @Test
    void parserCanBeUsedAgainAfterEndKeepingTheLastEventId() {
        Parsed.Recorder recorder = new Parsed.Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        parser.feed("id: 4\ndata: a\n\ndata: cut");
        parser.end();
        parser.feed("data: b\n\n");
        assertEquals(List.of(event("message", "a", "4"), event("message", "b", "4")), recorder.events);
    }
}
