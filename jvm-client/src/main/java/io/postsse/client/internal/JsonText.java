package io.postsse.client.internal;

/** Just enough JSON for the client and the CLI: quoting strings, and reading one string field. */
public final class JsonText {
    private JsonText() {
    }

    /** A JSON string literal for the text. */
    public static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /**
     * The value of a top-level string field of a JSON object, such as a problem's {@code title};
     * null when the text has no such field. Not a validating parser: it is for error messages.
     */
    public static String stringField(String json, String name) {
        String key = quote(name);
        int at = json.indexOf(key);
        while (at >= 0) {
            int i = skipSpace(json, at + key.length());
            if (i < json.length() && json.charAt(i) == ':') {
                i = skipSpace(json, i + 1);
                return i < json.length() && json.charAt(i) == '"' ? readString(json, i + 1) : null;
            }
            at = json.indexOf(key, at + 1);
        }
        return null;
    }

    private static int skipSpace(String json, int i) {
        while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
            i++;
        }
        return i;
    }

    private static String readString(String json, int i) {
        StringBuilder out = new StringBuilder();
        while (i < json.length()) {
            char c = json.charAt(i++);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\' || i >= json.length()) {
                out.append(c);
                continue;
            }
            char escaped = json.charAt(i++);
            switch (escaped) {
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    if (i + 4 > json.length()) {
                        return null;
                    }
                    out.append((char) Integer.parseInt(json.substring(i, i + 4), 16));
                    i += 4;
                }
                default -> out.append(escaped);
            }
        }
        return null;
    }
}
