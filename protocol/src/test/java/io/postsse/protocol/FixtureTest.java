package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole streams with known results: the examples of the WHATWG standard's section on the event
 * stream format, and the cases the web-platform-tests' eventsource/format-* tests check, written
 * afresh. Each is parsed as UTF-8 bytes split at every offset, and as text split at every offset
 * and one character at a time.
 */
class FixtureTest {
    private static ServerSentEvent message(String data, String lastEventId) {
        return new ServerSentEvent("message", data, lastEventId);
    }

    static Stream<Arguments> fixtures() {
        return Stream.of(
                Arguments.of("spec: a stock ticker's one-line events",
                        "data: YHOO\ndata: +2\ndata: 10\n\n",
                        List.of(message("YHOO\n+2\n10", "")), "", -1L),
                Arguments.of("spec: comments, an id that persists, and an unterminated last block",
                        ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n",
                        List.of(message("first event", "1"), message("second event", "")), "", -1L),
                Arguments.of("spec: an empty event and a data line without colon",
                        "data\n\ndata\ndata\n\ndata:",
                        List.of(message("", ""), message("\n", "")), "", -1L),
                Arguments.of("spec: a space after the colon is optional",
                        "data:test\n\ndata: test\n\n",
                        List.of(message("test", ""), message("test", "")), "", -1L),
                Arguments.of("format-bom: one BOM at the start is dropped",
                        "\uFEFFdata: 1\n\n",
                        List.of(message("1", "")), "", -1L),
                Arguments.of("format-bom-2: a second BOM makes the first line a field of another name",
                        "\uFEFF\uFEFFdata: 1\n\ndata: 2\n\n",
                        List.of(message("2", "")), "", -1L),
                Arguments.of("format-comments: comment lines of every kind, between data lines",
                        "data:1\r:\0\n:\r\ndata:2\n:" + "x".repeat(300) + "\rdata:3\n:data:fail\r:" + "y".repeat(300)
                                + "\ndata:4\n\n",
                        List.of(message("1\n2\n3\n4", "")), "", -1L),
                Arguments.of("format-data-before-final-empty-line: data without the final blank line is lost",
                        "retry:1000\ndata:test1\n\nid:test\ndata:test2",
                        List.of(message("test1", "")), "", 1000L),
                Arguments.of("format-field-data: leading space stripped once, CR and LF line ends",
                        "data:\n\ndata\ndata\n\ndata:test\n\n",
                        List.of(message("", ""), message("\n", ""), message("test", "")), "", -1L),
                Arguments.of("format-field-event: a named event",
                        "event: test\ndata: x\n\ndata: x\n\n",
                        List.of(new ServerSentEvent("test", "x", ""), message("x", "")), "", -1L),
                Arguments.of("format-field-event-empty: an empty event name means message",
                        "event: \ndata: data\n\n",
                        List.of(message("data", "")), "", -1L),
                Arguments.of("format-field-id: the id reaches the event",
                        "id: 1\ndata: x\n\n",
                        List.of(message("x", "1")), "1", -1L),
                Arguments.of("format-field-id-2: ids in data-less blocks still count, the last one wins",
                        "id: 1\n\nid: 2\n\ndata: x\n\n",
                        List.of(message("x", "2")), "2", -1L),
                Arguments.of("format-field-id-3: an id is kept for later events until replaced",
                        "id: \u2026\ndata: a\n\ndata: b\n\nid: z\ndata: c\n\n",
                        List.of(message("a", "\u2026"), message("b", "\u2026"), message("c", "z")), "z", -1L),
                Arguments.of("format-field-id-null: an id with NULL is ignored",
                        "id: a\u0000bc\ndata: x\n\n",
                        List.of(message("x", "")), "", -1L),
                Arguments.of("format-field-retry: a valid retry",
                        "retry: 03000\ndata: x\n\n",
                        List.of(message("x", "")), "", 3000L),
                Arguments.of("format-field-retry-bogus: a bogus retry leaves the earlier one",
                        "retry:2000\nretry:1000x\ndata:x\n\n",
                        List.of(message("x", "")), "", 2000L),
                Arguments.of("format-field-unknown: unknown fields are ignored",
                        "data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n",
                        List.of(message("test\n\ntest", "")), "", -1L),
                Arguments.of("format-leading-space: only one space is stripped",
                        "data:\u0020\u0020test\n\n",
                        List.of(message(" test", "")), "", -1L),
                Arguments.of("format-newlines: CR, LF and CRLF all end lines",
                        "data:test\r\ndata\ndata:test\r\r",
                        List.of(message("test\n\ntest", "")), "", -1L),
                Arguments.of("format-null-character: NULL in data is kept",
                        "data:\u0000\n\n",
                        List.of(message("\u0000", "")), "", -1L),
                Arguments.of("format-utf-8: the stream is always UTF-8",
                        "data:ok\u2026\n\n",
                        List.of(message("ok\u2026", "")), "", -1L),
                Arguments.of("an LLM-style stream: typed JSON tokens, then done",
                        "event: token\ndata: {\"text\":\"Hel\"}\n\nevent: token\ndata: {\"text\":\"lo\"}\n\n"
                                + ": keep-alive\n\nevent: done\ndata: {}\n\n",
                        List.of(new ServerSentEvent("token", "{\"text\":\"Hel\"}", ""),
                                new ServerSentEvent("token", "{\"text\":\"lo\"}", ""),
                                new ServerSentEvent("done", "{}", "")), "", -1L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void fixture(String name, String stream, List<ServerSentEvent> events, String lastEventId, long retry) {
        Parsed fromBytes = Parsed.bytes(stream.getBytes(StandardCharsets.UTF_8));
        assertEquals(events, fromBytes.events);
        assertEquals(lastEventId, fromBytes.lastEventId);
        assertEquals(retry, fromBytes.retry);
        // As text (what TextDecoderStream yields) the stream has lost its one leading BOM.
        String text = stream.startsWith("\uFEFF") ? stream.substring(1) : stream;
        Parsed fromText = Parsed.text(text);
        assertEquals(events, fromText.events);
        assertEquals(lastEventId, fromText.lastEventId);
        assertEquals(retry, fromText.retry);
    }
}
