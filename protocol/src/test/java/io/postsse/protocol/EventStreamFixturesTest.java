package io.postsse.protocol;

import static io.postsse.protocol.Parsing.ev;
import static io.postsse.protocol.Parsing.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole streams: the examples of the WHATWG event-stream section and fixtures written after the
 * cases the web-platform-tests {@code eventsource/format-*} files cover. Each runs whole, split at
 * every offset, one character at a time, and as UTF-8 bytes through {@link EventStreamDecoder} the
 * same ways, and must give the same events, last event ID and retry time every time.
 */
class EventStreamFixturesTest {

    static Stream<Arguments> fixtures() {
        List<Arguments> all = new ArrayList<>();
        // WHATWG examples.
        all.add(fixture("spec: three messages, one on two lines",
                "data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\ndata: This is the third message.\n\n",
                "", -1, msg("This is the first message."), msg("This is the second message, it\nhas two lines."),
                msg("This is the third message.")));
        all.add(fixture("spec: named events add and remove",
                "event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n",
                "", -1, ev("add", "73857293", ""), ev("remove", "2153", ""), ev("add", "113411", "")));
        all.add(fixture("spec: stock ticker lines joined",
                "data: YHOO\ndata: +2\ndata: 10\n\n", "", -1, msg("YHOO\n+2\n10")));
        all.add(fixture("spec: comment, ids and a reset id",
                ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n",
                "", -1, "comment \" test stream\"", ev("message", "first event", "1"), msg("second event"),
                msg(" third event")));
        all.add(fixture("spec: empty data events and a discarded tail",
                "data\n\ndata\ndata\n\ndata:", "", -1, msg(""), msg("\n")));
        all.add(fixture("spec: one optional space",
                "data:test\n\ndata: test\n\n", "", -1, msg("test"), msg("test")));
        // After the web-platform-tests eventsource/format-* cases.
        all.add(fixture("format-bom: a second BOM later is part of a field name",
                "data:1\n\n\uFEFFdata:2\n\ndata:3\n\n", "", -1, msg("1"), msg("3")));
        all.add(fixture("format-bom-2: a BOM after the stripped one spoils the first line",
                "\uFEFFdata:1\n\ndata:2\n\ndata:3\n\n", "", -1, msg("2"), msg("3")));
        all.add(fixture("format-comments: comments between and inside blocks",
                "data:1\n:comment one\ndata:2\n:\n\n: " + "x".repeat(2000) + "\r:\r\ndata:3\n\n:end\n",
                "", -1, "comment \"comment one\"", "comment \"\"", msg("1\n2"), "comment \" " + "x".repeat(2000) + "\"",
                "comment \"\"", msg("3"), "comment \"end\""));
        all.add(fixture("format-data-before-final-empty-line",
                "retry:1000\ndata:test1\n\nid:test\ndata:test2", "", 1000, "retry 1000", msg("test1")));
        all.add(fixture("format-field-data: empty, two empty and plain",
                "data:\n\ndata\ndata\n\ndata:test\n\n", "", -1, msg(""), msg("\n"), msg("test")));
        all.add(fixture("format-field-event: a type, then reset",
                "event:test\ndata:x\n\ndata:x\n\n", "", -1, ev("test", "x", ""), msg("x")));
        all.add(fixture("format-field-event-empty: a space only means message",
                "event: \ndata:data\n\n", "", -1, msg("data")));
        all.add(fixture("format-field-id: kept across events",
                "id: 1\ndata: a\n\ndata: b\n\n", "1", -1, ev("message", "a", "1"), ev("message", "b", "1")));
        all.add(fixture("format-field-id-2: emptied by a bare id",
                "id:1\ndata:1\n\nid:\ndata:2\n\n", "", -1, ev("message", "1", "1"), msg("2")));
        all.add(fixture("format-field-id-3: id without data counts",
                "id:1\n\ndata:x\n\n", "1", -1, ev("message", "x", "1")));
        all.add(fixture("format-field-id-null: an id with NULL is ignored",
                "id:1\ndata:a\n\nid:1\u00002\ndata:b\n\n", "1", -1, ev("message", "a", "1"), ev("message", "b", "1")));
        for (String id : new String[] {"\u0000\u0000", "x\u0000", "\u0000x", "x\u0000x", " \u0000"}) {
            all.add(fixture("format-field-id-null: id " + Recorder.show(id) + " is ignored",
                    "id:" + id + "\ndata:hello\n\ndata:hello\n\n", "", -1, msg("hello"), msg("hello")));
        }
        all.add(fixture("format-comments: comments with every line end and a data-looking comment",
                "data:1\r:\u0000\n:\r\ndata:2\n:" + "y".repeat(3000) + "\rdata:3\n:data:fail\r:" + "z".repeat(3000) + "\ndata:4\n\n",
                "", -1, "comment \"\\u0000\"", "comment \"\"", "comment \"" + "y".repeat(3000) + "\"",
                "comment \"data:fail\"", "comment \"" + "z".repeat(3000) + "\"", msg("1\n2\n3\n4")));
        all.add(fixture("format-newlines: message2-style blocks",
                "data:msg\ndata:msg\n\ndata:\n\r\ndata:end\r\r", "", -1, msg("msg\nmsg"), msg(""), msg("end")));
        all.add(fixture("format-field-parsing: mixed line ends, NULL and odd names",
                "data:\u0000\ndata:  2\rData:1\ndata\u0000:2\ndata:1\r\u0000data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n",
                "", -1, msg("\u0000\n 2\n1\n3\n\n4")));
        all.add(fixture("format-field-retry: leading zeros",
                "retry:03000\ndata:x\n\n", "", 3000, "retry 3000", msg("x")));
        all.add(fixture("format-field-retry-bogus: a later bogus value changes nothing",
                "retry:3000\nretry:1000x\ndata:x\n\n", "", 3000, "retry 3000", msg("x")));
        all.add(fixture("format-field-retry-empty: no value is ignored",
                "retry\ndata:test\n\n", "", -1, msg("test")));
        all.add(fixture("format-field-unknown: unknown names and lines without colon",
                "data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n",
                "", -1, "comment \"thisisacommentyay\"", msg("test\n\ntest")));
        all.add(fixture("format-leading-space: one space, not a tab",
                "data:\u0020\ttest\n\n", "", -1, msg("\ttest")));
        all.add(fixture("format-newlines: CRLF, LF and CR",
                "data:test\r\ndata\ndata:test\r\n\r\n", "", -1, msg("test\n\ntest")));
        all.add(fixture("format-null-character: NULL data",
                "data:\u0000\n\n\n\n", "", -1, msg("\u0000")));
        all.add(fixture("format-utf-8: non-ASCII text",
                "data:ok\u20ac\n\ndata:\ud83d\ude00 \u00e9\n\n", "", -1, msg("ok\u20ac"), msg("\ud83d\ude00 \u00e9")));
        all.add(fixture("format-field-name case",
                "DATA:x\nEVENT:y\ndata:z\n\n", "", -1, msg("z")));
        return all.stream();
    }

    private static Arguments fixture(String name, String stream, String lastEventId, long retry, String... log) {
        return Arguments.of(name, stream, lastEventId, retry, log);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void fixtureGivesTheSameResultHoweverSplit(String name, String stream, String lastEventId, long retry, String[] log) {
        Parsing.assertParses(stream, lastEventId, retry, log);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void fixtureWithLeadingBomBytesGivesTheSameResult(String name, String stream, String lastEventId, long retry, String[] log) {
        byte[] body = stream.getBytes(StandardCharsets.UTF_8);
        byte[] withBom = EventStreamParserRulesTest.concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, body);
        // The decoder strips exactly that one BOM, so the bytes parse as the text itself does.
        assertEquals(Parsing.parseText(stream, new int[0]), Parsing.parseBytesEveryWay(withBom));
    }
}
