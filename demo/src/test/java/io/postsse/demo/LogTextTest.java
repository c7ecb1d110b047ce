package io.postsse.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Outside text in a log line: one line, capped, nothing that a terminal or a log reader acts on. */
class LogTextTest {
    @Test
    void controlAndFormatCharactersAreEscaped() {
        assertEquals("a\\nb\\r\\nc\\td\\u001b[31me\\u0000f\\u2028g\\u202eh\\\\n",
                LogText.of("a\nb\r\nc\td\u001b[31me\u0000f\u2028g\u202eh\\n"));
        assertEquals("h\u00e9llo \uD83C\uDF0D <b>", LogText.of("h\u00e9llo \uD83C\uDF0D <b>"), "printable text stays as it is");
        assertEquals("lone \\ud83c", LogText.of("lone \uD83C"));
        assertEquals("", LogText.of(null));
    }

    @Test
    void longTextIsCutAndWhatWasLeftOutCounted() {
        String text = "x".repeat(5000);
        String logged = LogText.of(text);
        assertEquals("x".repeat(LogText.MAX_CHARS) + "\u2026 (" + (5000 - LogText.MAX_CHARS) + " more characters)", logged);
        assertEquals("y".repeat(LogText.MAX_CHARS), LogText.of("y".repeat(LogText.MAX_CHARS)), "up to the cap, nothing is cut");
    }

    @Test
    void theCutNeverSplitsAnEscapeOrACharacter() {
        String escapes = LogText.of("x".repeat(LogText.MAX_CHARS - 3) + "\n\n");
        assertTrue(escapes.startsWith("x".repeat(LogText.MAX_CHARS - 3) + "\\n\u2026 (1 more characters)"), escapes);
        String emoji = LogText.of("x".repeat(LogText.MAX_CHARS - 1) + "\uD83C\uDF0D");
        assertEquals("x".repeat(LogText.MAX_CHARS - 1) + "\u2026 (2 more characters)", emoji);
    }
}
