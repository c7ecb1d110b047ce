package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a stream through the parser whole, split at every offset and one unit at a time, and checks
 * that every way gives the same log, last event ID and retry time.
 */
final class Parsing {
    private Parsing() {
    }

    /** The outcome of one run: the handler's log, then the parser's final state. */
    static List<String> outcome(Recorder recorder, String lastEventId, long retry) {
        List<String> out = new ArrayList<>(recorder.log);
        out.add("lastEventId=" + Recorder.show(lastEventId));
        out.add("retry=" + retry);
        return out;
    }

    static List<String> parseText(String text, int[] cuts) {
        Recorder recorder = new Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        int start = 0;
        for (int cut : cuts) {
            parser.feed(text.substring(start, cut));
            start = cut;
        }
        parser.feed(text.substring(start));
        parser.end();
        return outcome(recorder, parser.lastEventId(), parser.retryMillis());
    }

    static List<String> parseBytes(byte[] bytes, int[] cuts) {
        Recorder recorder = new Recorder();
        EventStreamDecoder decoder = new EventStreamDecoder(recorder);
        int start = 0;
        for (int cut : cuts) {
            decoder.feed(bytes, start, cut - start);
            start = cut;
        }
        decoder.feed(bytes, start, bytes.length - start);
        decoder.end();
        return outcome(recorder, decoder.lastEventId(), decoder.retryMillis());
    }

    /** Parses text every way and returns the (identical) outcome. */
    static List<String> parseEveryWay(String text) {
        List<String> whole = parseText(text, new int[0]);
        for (int cut = 0; cut <= text.length(); cut++) {
            assertEquals(whole, parseText(text, new int[] {cut}), "split at " + cut + " of " + Recorder.show(text));
        }
        int[] everyChar = new int[text.length()];
        for (int i = 0; i < everyChar.length; i++) {
            everyChar[i] = i;
        }
        assertEquals(whole, parseText(text, everyChar), "one character at a time: " + Recorder.show(text));
        return whole;
    }

    /** Parses bytes through the decoder every way and returns the (identical) outcome. */
    static List<String> parseBytesEveryWay(byte[] bytes) {
        List<String> whole = parseBytes(bytes, new int[0]);
        for (int cut = 0; cut <= bytes.length; cut++) {
            assertEquals(whole, parseBytes(bytes, new int[] {cut}), "split at byte " + cut);
        }
        int[] everyByte = new int[bytes.length];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i;
        }
        assertEquals(whole, parseBytes(bytes, everyByte), "one byte at a time");
        return whole;
    }

    /**
     * Asserts the expected log lines (events, retries, comments) followed by the final last event
     * ID and retry time, for the text every way and for its UTF-8 bytes every way.
     */
    static void assertParses(String text, String lastEventId, long retry, String... log) {
        List<String> expected = new ArrayList<>(List.of(log));
        expected.add("lastEventId=" + Recorder.show(lastEventId));
        expected.add("retry=" + retry);
        assertEquals(expected, parseEveryWay(text), "text " + Recorder.show(text));
        if (!text.startsWith("\uFEFF")) {
            // Without a leading BOM the byte entry point must give just the same.
            assertEquals(expected, parseBytesEveryWay(text.getBytes(StandardCharsets.UTF_8)), "bytes of " + Recorder.show(text));
        }
    }

    static String ev(String type, String data, String id) {
        return "event " + Recorder.show(type) + " data=" + Recorder.show(data) + " id=" + Recorder.show(id);
    }

    static String msg(String data) {
        return ev("message", data, "");
    }
}
