package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A hostile stream gets a typed error, never an unbounded buffer. */
class LimitsTest {
    @Test
    void lineLongerThanTheLimitFailsEvenWhenItNeverEnds() {
        EventStreamParser parser = new EventStreamParser(new Parsed.Recorder(), 100, 1000);
        parser.feed("data: " + "x".repeat(90));
        StreamLimitException error = assertThrows(StreamLimitException.class, () -> parser.feed("x".repeat(20)));
        assertEquals(100, error.limit());
    }

    @Test
    void lineLongerThanTheLimitInOneChunkFails() {
        EventStreamParser parser = new EventStreamParser(new Parsed.Recorder(), 100, 1000);
        assertThrows(StreamLimitException.class, () -> parser.feed("data: " + "x".repeat(200) + "\n"));
    }

    @Test
    void eventWhoseDataGrowsPastTheLimitFails() {
        EventStreamParser parser = new EventStreamParser(new Parsed.Recorder(), 100, 250);
        String line = "data: " + "x".repeat(90) + "\n";
        parser.feed(line + line);
        StreamLimitException error = assertThrows(StreamLimitException.class, () -> parser.feed(line));
        assertEquals(250, error.limit());
    }

    @Test
    void dataAtTheLimitIsAccepted() {
        Parsed.Recorder recorder = new Parsed.Recorder();
        EventStreamParser parser = new EventStreamParser(recorder, 100, 21);
        parser.feed("data: " + "x".repeat(10) + "\ndata: " + "y".repeat(10) + "\n\n");
        assertEquals(List.of(ServerSentEvent.message("x".repeat(10) + "\n" + "y".repeat(10))), recorder.events);
    }

    @Test
    void parserRefusesInputAfterALimitFailure() {
        EventStreamParser parser = new EventStreamParser(new Parsed.Recorder(), 10, 10);
        assertThrows(StreamLimitException.class, () -> parser.feed("data: 123456789\n"));
        assertThrows(IllegalStateException.class, () -> parser.feed("data: x\n\n"));
    }

    @Test
    void endlessCommentIsBoundedToo() {
        EventStreamParser parser = new EventStreamParser(new Parsed.Recorder(), 1000, 1000);
        assertThrows(StreamLimitException.class, () -> {
            for (int i = 0; i < 100; i++) {
                parser.feed(":" + "z".repeat(50));
            }
        });
    }
}
