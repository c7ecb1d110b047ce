package io.postsse.demo;

/**
 * Text from outside (an upstream's error body, an event it sent) made fit for one log line: control
 * and format characters escaped, so that it can neither break the line nor forge another, and
 * capped, so that a huge answer cannot flood the log.
 */
final class LogText {
    /** The most characters of outside text one log line carries. */
    static final int MAX_CHARS = 2048;

    private LogText() {
    }

    /**
     * The text with {@code \n}, {@code \r}, {@code \t} and every other control or format character
     * (such as a bidirectional override) written as an escape, cut at {@value #MAX_CHARS}
     * characters, never inside an escape or a surrogate pair, with what was left out counted.
     */
    static String of(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_CHARS) + 32);
        int i = 0;
        while (i < text.length()) {
            int c = text.codePointAt(i);
            String piece = escape(c);
            if (out.length() + piece.length() > MAX_CHARS) {
                break;
            }
            out.append(piece);
            i += Character.charCount(c);
        }
        if (i < text.length()) {
            out.append("\u2026 (").append(text.length() - i).append(" more characters)");
        }
        return out.toString();
    }

    private static String escape(int c) {
        switch (c) {
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            case '\\':
                return "\\\\";
            default:
                break;
        }
        int type = Character.getType(c);
        if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE) {
            return c > 0xFFFF ? String.format("\\u{%x}", c) : String.format("\\u%04x", c);
        }
        return new String(Character.toChars(c));
    }
}
