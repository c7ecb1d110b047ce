package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

/**
 * What a parser made of a whole stream: its events, its last event ID and retry time. The parse
 * methods feed the text whole, split at every offset, and one character at a time, and insist
 * that all agree: the parser must not care how its input is cut.
 */
final class Parsed {
    final List<ServerSentEvent> events;
    final List<String> comments;
    final String lastEventId;
    final long retry;

    private Parsed(List<ServerSentEvent> events, List<String> comments, String lastEventId, long retry) {
        this.events = events;
        this.comments = comments;
        this.lastEventId = lastEventId;
        this.retry = retry;
    }

    /** Parses the text however it is split, asserting that every split gives the same result. */
    static Parsed text(String text) {
        Parsed whole = feed(List.of(text));
        for (int cut = 0; cut <= text.length(); cut++) {
            assertSame(whole, feed(List.of(text.substring(0, cut), text.substring(cut))), "split at " + cut);
        }
        List<String> single = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            single.add(text.substring(i, i + 1));
        }
        assertSame(whole, feed(single), "one character at a time");
        return whole;
    }

    /** Parses UTF-8 bytes through the decoder, whole and split at every offset. */
    static Parsed bytes(byte[] bytes) {
        Parsed whole = feedBytes(bytes, bytes.length);
        for (int cut = 0; cut <= bytes.length; cut++) {
            assertSame(whole, feedBytes(bytes, cut), "bytes split at " + cut);
        }
        return whole;
    }

    private static Parsed feed(List<String> chunks) {
        Recorder recorder = new Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        for (String chunk : chunks) {
            parser.feed(chunk);
        }
        parser.end();
        return new Parsed(recorder.events, recorder.comments, parser.lastEventId(), parser.retryMillis());
    }

    private static Parsed feedBytes(byte[] bytes, int cut) {
        Recorder recorder = new Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        parser.feed(bytes, 0, cut);
        parser.feed(bytes, cut, bytes.length - cut);
        parser.end();
        return new Parsed(recorder.events, recorder.comments, parser.lastEventId(), parser.retryMillis());
    }

    private static void assertSame(Parsed expected, Parsed actual, String how) {
        assertEquals(expected.events, actual.events, how);
        assertEquals(expected.comments, actual.comments, how);
        assertEquals(expected.lastEventId, actual.lastEventId, how);
        assertEquals(expected.retry, actual.retry, how);
    }

    /** The data of each event, in order. */
    List<String> data() {
        List<String> data = new ArrayList<>();
        for (ServerSentEvent event : events) {
            data.add(event.data());
        }
        return data;
    }

    /** Collects what the parser reports. */
    static final class Recorder implements EventHandler {
        final List<ServerSentEvent> events = new ArrayList<>();
        final List<String> comments = new ArrayList<>();
        final List<Long> retries = new ArrayList<>();

        @Override
        public void onEvent(ServerSentEvent event) {
            events.add(event);
        }

        @Override
        public void onRetry(long millis) {
            retries.add(millis);
        }

        @Override
        public void onComment(String comment) {
            comments.add(comment);
        }
    }
}
