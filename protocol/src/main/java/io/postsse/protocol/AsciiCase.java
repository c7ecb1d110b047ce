package io.postsse.protocol;

/**
 * Letter case for protocol words (header names, media types), which are ASCII. By hand, because
 * {@code toLowerCase} and {@code equalsIgnoreCase} would compile Unicode case tables into the
 * browser's script.
 */
public final class AsciiCase {
    private AsciiCase() {
    }

    /** Whether the text is the lower-case ASCII word, in any ASCII letter case. */
    public static boolean equals(String text, String lowerCaseWord) {
        return text.length() == lowerCaseWord.length() && startsWith(text, lowerCaseWord);
    }

    /** Whether the text starts with the lower-case ASCII prefix, in any ASCII letter case. */
    public static boolean startsWith(String text, String lowerCasePrefix) {
        if (text.length() < lowerCasePrefix.length()) {
            return false;
        }
        for (int i = 0; i < lowerCasePrefix.length(); i++) {
            char c = text.charAt(i);
            char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
            if (lower != lowerCasePrefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
