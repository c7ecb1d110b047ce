package io.postsse.protocol;

import java.util.ArrayList;
import java.util.List;

/** Records what a parser reports as readable strings, in order. */
final class Recorder implements EventHandler {
    final List<String> log = new ArrayList<>();
    final List<ServerSentEvent> events = new ArrayList<>();

    @Override
    public void onEvent(ServerSentEvent event) {
        events.add(event);
        log.add("event " + show(event.type()) + " data=" + show(event.data()) + " id=" + show(event.lastEventId()));
    }

    @Override
    public void onRetry(long millis) {
        log.add("retry " + millis);
    }

    @Override
    public void onComment(String comment) {
        log.add("comment " + show(comment));
    }

    static String show(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c < 0x20 || c >= 0x7f) {
                out.append("\\u").append(String.format("%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
