package io.postsse.protocol;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AsciiCaseTest {
    @Test
    void prefixMatchesInAnyAsciiCase() {
        assertTrue(AsciiCase.startsWith("Text/Event-Stream; charset=utf-8", "text/event-stream"));
        assertFalse(AsciiCase.startsWith("text/event", "text/event-stream"));
        assertFalse(AsciiCase.startsWith("application/json", "text/event-stream"));
    }

    @Test
    void wordMatchesOnlyWhole() {
        assertTrue(AsciiCase.equals("CONTENT-Type", "content-type"));
        assertFalse(AsciiCase.equals("content-types", "content-type"));
    }

    @Test
    void onlyAsciiLettersFoldCase() {
        // The Kelvin sign folds to k in Unicode, never in protocol words.
        assertFalse(AsciiCase.equals("\u212a", "k"));
        assertFalse(AsciiCase.equals("@", "`"));
    }
}
