package io.postsse.protocol;

/**
 * Writes events as {@code text/event-stream} text.
 *
 * <p>Data may hold any text: each of its lines (split at LF, CR or CRLF) becomes a {@code data:}
 * line, so the client gets it back whole. A client joins those lines with LF, so data sent with CR
 * or CRLF line breaks arrives with LF ones: the format cannot carry a CR in data. An event type or
 * id that contains CR or LF could forge frames and is rejected, as is an id with NULL (a client
 * would ignore it).
 */
public final class EventEncoder {
    private EventEncoder() {
    }

    /** One event: {@code event:} when the type is not null, empty or "message"; {@code id:} when not null. */
    public static String event(String type, String id, String data) {
        StringBuilder out = new StringBuilder(data.length() + 32);
        appendEvent(out, type, id, data);
        return out.toString();
    }

    /** An event of the default type and no id. */
    public static String data(String data) {
        return event(null, null, data);
    }

    /** Appends one event, ended by its blank line. */
    public static void appendEvent(StringBuilder out, String type, String id, String data) {
        if (data == null) {
            throw new NullPointerException("data");
        }
        if (type != null && !type.isEmpty() && !type.equals(ServerSentEvent.DEFAULT_TYPE)) {
            requireSingleLine("event type", type);
            out.append("event: ").append(type).append('\n');
        }
        if (id != null) {
            requireSingleLine("event id", id);
            if (id.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("an event id must not contain NULL: clients ignore such an id");
            }
            out.append("id: ").append(id).append('\n');
        }
        appendLines(out, "data", data);
        out.append('\n');
    }

    /** A comment block, which clients ignore: used for heartbeats. */
    public static String comment(String text) {
        StringBuilder out = new StringBuilder(text.length() + 4);
        appendLines(out, "", text);
        out.append('\n');
        return out.toString();
    }

    /** A block that sets the client's reconnection time. */
    public static String retry(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("retry must not be negative: " + millis);
        }
        return "retry: " + millis + "\n\n";
    }

    /** Writes {@code prefix: line} for every line of text; for comments the prefix is empty. */
    private static void appendLines(StringBuilder out, String prefix, String text) {
        int length = text.length();
        int lineStart = 0;
        int i = 0;
        while (true) {
            char c = i < length ? text.charAt(i) : 0;
            if (i == length || c == '\n' || c == '\r') {
                out.append(prefix).append(':');
                if (i > lineStart) {
                    out.append(' ').append(text, lineStart, i);
                }
                out.append('\n');
                if (i == length) {
                    return;
                }
                if (c == '\r' && i + 1 < length && text.charAt(i + 1) == '\n') {
                    i++;
                }
                lineStart = i + 1;
            }
            i++;
        }
    }

    private static void requireSingleLine(String what, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\n' || c == '\r') {
                throw new IllegalArgumentException("an " + what + " must not contain CR or LF: " + escape(value));
            }
        }
    }

    private static String escape(String value) {
        return '"' + value.replace("\r", "\\r").replace("\n", "\\n") + '"';
    }
}
