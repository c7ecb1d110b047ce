package io.postsse.protocol;

import static io.postsse.protocol.Parsing.assertParses;
import static io.postsse.protocol.Parsing.ev;
import static io.postsse.protocol.Parsing.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per rule of the WHATWG HTML "interpreting an event stream" algorithm. Every input is
 * checked whole, split at every offset, one character at a time, and as UTF-8 bytes the same ways.
 */
class EventStreamParserRulesTest {

    @Test
    void lfEndsALine() {
        assertParses("data: a\n\n", "", -1, msg("a"));
    }

    @Test
    void crEndsALine() {
        assertParses("data: a\r\r", "", -1, msg("a"));
    }

    @Test
    void crlfEndsALine() {
        assertParses("data: a\r\n\r\n", "", -1, msg("a"));
    }

    @Test
    void mixedLineEndsInOneStream() {
        assertParses("data: a\rdata: b\ndata: c\r\n\r\ndata: d\n\r", "", -1, msg("a\nb\nc"), msg("d"));
    }

    @Test
    void crAtEndOfChunkThenLfStartsNoEmptyLine() {
        Recorder recorder = new Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        parser.feed("data: a\r");
        parser.feed("\ndata: b\r");
        parser.feed("\n");
        assertEquals(List.of(), recorder.log, "CR then LF across chunks is one line end");
        parser.feed("\r");
        parser.feed("\n");
        assertEquals(List.of(msg("a\nb")), recorder.log);
    }

    @Test
    void crAtEndOfChunkThenEmptyChunkThenLfIsOneLineEnd() {
        Recorder recorder = new Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        parser.feed("data: a\r");
        parser.feed("");
        parser.feed("\n");
        parser.feed("\n");
        assertEquals(List.of(msg("a")), recorder.log);
    }

    @Test
    void crCrIsTwoLineEnds() {
        assertParses("data: a\r\rdata: b\r\r", "", -1, msg("a"), msg("b"));
    }

    @Test
    void lfCrIsTwoLineEnds() {
        assertParses("data: a\n\rdata: b\n\r", "", -1, msg("a"), msg("b"));
    }

    @Test
    void emptyLineDispatchesTheEvent() {
        assertParses("data: a\n\ndata: b\n\n", "", -1, msg("a"), msg("b"));
    }

    @Test
    void lineStartingWithColonIsAComment() {
        assertParses(": hello\n:\n:: x\n\n", "", -1, "comment \" hello\"", "comment \"\"", "comment \": x\"");
    }

    @Test
    void commentDoesNotEndTheBlock() {
        assertParses("data: a\n: keep-alive\ndata: b\n\n", "", -1, "comment \" keep-alive\"", msg("a\nb"));
    }

    @Test
    void fieldWithoutColonHasEmptyValue() {
        assertParses("data\n\n", "", -1, msg(""));
    }

    @Test
    void fieldWithoutColonWholeLineIsTheName() {
        assertParses("data a\n\n", "", -1);
    }

    @Test
    void exactlyOneLeadingSpaceIsStrippedFromValue() {
        assertParses("data:  two\ndata:none\ndata: one\n\n", "", -1, msg(" two\nnone\none"));
    }

    @Test
    void onlyASpaceIsStrippedNotATab() {
        assertParses("data:\tx\n\n", "", -1, msg("\tx"));
    }

    @Test
    void trailingSpacesAreKept() {
        assertParses("data: x  \n\n", "", -1, msg("x  "));
    }

    @Test
    void valueStartsAfterTheFirstColon() {
        assertParses("data: a: b:c\n\n", "", -1, msg("a: b:c"));
    }

    @Test
    void dataLinesAreJoinedWithLf() {
        assertParses("data: a\ndata: b\ndata: c\n\n", "", -1, msg("a\nb\nc"));
    }

    @Test
    void oneTrailingLfIsRemovedFromData() {
        assertParses("data: a\ndata\n\n", "", -1, msg("a\n"));
    }

    @Test
    void emptyDataLineDispatchesAnEmptyEvent() {
        assertParses("data:\n\n", "", -1, msg(""));
    }

    @Test
    void twoEmptyDataLinesGiveOneLf() {
        assertParses("data\ndata\n\n", "", -1, msg("\n"));
    }

    @Test
    void blockWithoutDataDispatchesNothing() {
        assertParses("event: x\n\n", "", -1);
    }

    @Test
    void blockWithoutDataStillSetsTheLastEventId() {
        assertParses("id: 7\n\ndata: a\n\n", "7", -1, ev("message", "a", "7"));
    }

    @Test
    void eventFieldSetsTheType() {
        assertParses("event: add\ndata: a\n\n", "", -1, ev("add", "a", ""));
    }

    @Test
    void emptyEventTypeMeansMessage() {
        assertParses("event:\ndata: a\n\n", "", -1, msg("a"));
    }

    @Test
    void eventTypeResetsAfterEachBlock() {
        assertParses("event: add\ndata: a\n\ndata: b\n\n", "", -1, ev("add", "a", ""), msg("b"));
    }

    @Test
    void eventTypeResetsAfterABlockWithoutData() {
        assertParses("event: add\n\ndata: b\n\n", "", -1, msg("b"));
    }

    @Test
    void lastEventTypeFieldInABlockWins() {
        assertParses("event: a\nevent: b\ndata: x\n\n", "", -1, ev("b", "x", ""));
    }

    @Test
    void idSetsTheLastEventIdWhenTheBlockDispatches() {
        assertParses("id: 1\ndata: a\n\ndata: b\n\n", "1", -1, ev("message", "a", "1"), ev("message", "b", "1"));
    }

    @Test
    void idWithNullIsIgnored() {
        assertParses("id: 1\n\nid: 2\u00003\ndata: a\n\n", "1", -1, ev("message", "a", "1"));
    }

    @Test
    void emptyIdResetsTheLastEventId() {
        assertParses("id: 1\ndata: a\n\nid\ndata: b\n\nid: 2\n\nid:\ndata: c\n\n", "", -1,
                ev("message", "a", "1"), msg("b"), msg("c"));
    }

    @Test
    void idInAnUnterminatedBlockDoesNotCount() {
        assertParses("id: 1\n\nid: 2\ndata: x\n", "1", -1);
    }

    @Test
    void idMayHoldAnyOtherText() {
        assertParses("id: a b\u00e9\ud83d\ude00\ndata: x\n\n", "a b\u00e9\ud83d\ude00", -1, ev("message", "x", "a b\u00e9\ud83d\ude00"));
    }

    @Test
    void retryWithAsciiDigitsSetsTheReconnectionTime() {
        assertParses("retry: 3000\n\n", "", 3000, "retry 3000");
    }

    @Test
    void retryTakesEffectWithoutABlankLine() {
        assertParses("retry: 5\n", "", 5, "retry 5");
    }

    @Test
    void retryWithNonAsciiDigitIsIgnored() {
        // U+0663 ARABIC-INDIC DIGIT THREE and U+FF11 FULLWIDTH DIGIT ONE pass Character.isDigit.
        assertParses("retry: 1\u0663\nretry: \uff11\n\n", "", -1);
    }

    @Test
    void retryWithSignOrSpaceOrDotIsIgnored() {
        assertParses("retry: -1\nretry: +1\nretry:  1\nretry: 1 \nretry: 1.5\nretry: 1e3\n\n", "", -1);
    }

    @Test
    void retryWithEmptyValueIsIgnored() {
        assertParses("retry:\nretry\n\n", "", -1);
    }

    @Test
    void retryOfZeroIsValid() {
        assertParses("retry: 0\n\n", "", 0, "retry 0");
    }

    @Test
    void retryHugeValueSaturates() {
        assertParses("retry: 99999999999999999999999\n\n", "", Long.MAX_VALUE, "retry " + Long.MAX_VALUE);
    }

    @Test
    void fieldNamesAreCaseSensitive() {
        assertParses("Data: a\nDATA: b\nEvent: x\nID: 1\nRetry: 1\n\n", "", -1);
    }

    @Test
    void unknownFieldIsIgnored() {
        assertParses("foo: bar\ndata: a\nx\n\n", "", -1, msg("a"));
    }

    @Test
    void fieldNameWithLeadingSpaceIsUnknown() {
        assertParses(" data: a\n\n", "", -1);
    }

    @Test
    void unterminatedLastBlockIsDiscardedAtEndOfStream() {
        assertParses("data: a\n\ndata: b\n", "", -1, msg("a"));
    }

    @Test
    void unterminatedLastLineIsDiscardedAtEndOfStream() {
        assertParses("data: a\n\ndata: b", "", -1, msg("a"));
    }

    @Test
    void endDiscardsTheBlockSoANewStreamStartsClean() {
        Recorder recorder = new Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        parser.feed("event: x\ndata: a\nid: 3\nda");
        parser.end();
        parser.feed("data: b\n\n");
        assertEquals(List.of(msg("b")), recorder.log);
    }

    @Test
    void leadingBomIsNotStrippedFromText() {
        // The text entry point gets text from TextDecoderStream, which has already removed one BOM.
        assertParses("\uFEFFdata: a\n\ndata: b\n\n", "", -1, msg("b"));
    }

    @Test
    void leadingBomIsStrippedOnceFromBytes() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] body = "data: a\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] once = concat(bom, body);
        assertEquals(List.of(msg("a"), "lastEventId=\"\"", "retry=-1"), Parsing.parseBytesEveryWay(once));
        byte[] twice = concat(bom, once);
        assertEquals(List.of("lastEventId=\"\"", "retry=-1"), Parsing.parseBytesEveryWay(twice));
    }

    @Test
    void nullCharactersInDataAreKept() {
        assertParses("data: a\u0000b\n\n", "", -1, msg("a\u0000b"));
    }

    @Test
    void nullCharacterInFieldNameMakesItUnknown() {
        assertParses("da\u0000ta: a\n\n", "", -1);
    }

    @Test
    void emptyStreamGivesNothing() {
        assertParses("", "", -1);
    }

    @Test
    void onlyBlankLinesGiveNothing() {
        assertParses("\n\r\n\r\n", "", -1);
    }

    @Test
    void handlerFailureOnALineSpanningChunksLeavesNoPartLineBehind() {
        List<String> seen = new java.util.ArrayList<>();
        EventStreamParser parser = new EventStreamParser(new EventHandler() {
            @Override
            public void onEvent(ServerSentEvent event) {
                seen.add(event.data());
            }

            @Override
            public void onComment(String comment) {
                throw new IllegalStateException("handler failed");
            }
        });
        parser.feed(": a long com");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> parser.feed("ment\n"));
        parser.feed("data: x\n\n");
        assertEquals(List.of("x"), seen);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
