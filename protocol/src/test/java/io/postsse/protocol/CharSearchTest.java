package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The parser finds line ends with the search its platform gives it, and gets the same events. */
class CharSearchTest {
    @Test
    void parserUsesTheGivenSearchAndParsesTheSame() {
        AtomicInteger searches = new AtomicInteger();
        CharSearch counting = (text, c, from) -> {
            searches.incrementAndGet();
            return text.indexOf(c, from);
        };
        Recorder recorder = new Recorder();
        EventStreamParser parser = new EventStreamParser(recorder, 1000, 1000, counting);
        parser.feed("event: a\r\ndata: 1\rdata: 2\n\ndata: 3\n");
        parser.feed("\n");
        assertTrue(searches.get() > 0, "the parser should search with the given CharSearch");
        assertEquals(List.of(new ServerSentEvent("a", "1\n2", ""), ServerSentEvent.message("3")), recorder.events);
    }

    @Test
    void searchIsRequired() {
        assertThrows(NullPointerException.class, () -> new EventStreamParser(new Recorder(), 10, 10, null));
    }
}
