package io.postsse.server.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is logged and counted of one stream, on the server that runs its producer: its start line,
 * its events, and its end line, which says the outcome and its cause, the one line of the stream's
 * end (with the stack trace of an exception nobody planned). The lines go to the logger
 * {@value #LOGGER}.
 */
final class StreamRecord {
    static final String LOGGER = "io.postsse.server.streams";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final String streamId;
    private final RouteMetrics metrics;
    private final long startedNanos = System.nanoTime();

    private StreamRecord(String streamId, RouteMetrics metrics) {
        this.streamId = streamId;
        this.metrics = metrics;
    }

    /** A stream starts, for the request {@code method path}: logged and counted. */
    static StreamRecord start(String streamId, String method, String path, boolean resumable, RouteMetrics metrics) {
        LOG.info("Stream {} started: {} {}{}", streamId, method, path, resumable ? " (resumable)" : "");
        metrics.started();
        return new StreamRecord(streamId, metrics);
    }

    /** The producer sent its {@code count}th event. */
    void eventSent(long count) {
        metrics.eventSent();
        if (count == 1) {
            metrics.firstEvent(System.nanoTime() - startedNanos);
        }
    }

    /** Bytes of the stream were written to its client. */
    void bytesWritten(long count) {
        metrics.bytesWritten(count);
    }

    /** The stream ended, after its producer sent that many events: the end line, and the meters. Called once. */
    void ended(StreamEnd end, long events) {
        long nanos = System.nanoTime() - startedNanos;
        metrics.ended(end.outcome(), nanos);
        String line = "Stream " + streamId + " " + end.outcome().label + " after " + nanos / 1_000_000 + " ms, "
                + events + (events == 1 ? " event" : " events") + (end.cause() == null ? "" : ": " + escaped(end.cause()));
        if (end.unexpected() != null) {
            LOG.warn(line, end.unexpected());
        } else {
            LOG.info(line);
        }
    }

    /** The text on one line: a cause may quote what a client sent, which must not forge log lines. */
    static String escaped(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
