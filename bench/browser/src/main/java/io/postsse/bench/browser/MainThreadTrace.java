package io.postsse.bench.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The page's main thread in a Chromium trace: its slices of work, each named for what it was
 * (script, garbage collection, style and layout, paint and compositing), placed on the page's
 * {@code performance.now()} clock through one {@code performance.mark} whose time the page reported.
 */
final class MainThreadTrace {
    static final String FREE = "free: the event was not at the page yet (server, network, browser process)";
    static final String OTHER = "other work of the page's (tasks, parsing, messages)";

    /** A slice of work on the main thread, in performance.now() milliseconds. */
    private record Slice(double start, double end, String kind) {
    }

    private final List<Slice> slices;

    private MainThreadTrace(List<Slice> slices) {
        this.slices = slices;
    }

    /**
     * Reads a trace in Chrome's JSON trace format. The main thread is the one that recorded the mark
     * {@code syncMark}, made at {@code syncMarkAt} on the page's clock.
     */
    static MainThreadTrace parse(byte[] json, String syncMark, double syncMarkAt) {
        JsonNode events;
        try {
            JsonNode root = new ObjectMapper().readTree(json);
            events = root.isArray() ? root : root.get("traceEvents");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonNode mark = null;
        for (JsonNode event : events) {
            if (syncMark.equals(event.path("name").asText())) {
                mark = event;
                break;
            }
        }
        if (mark == null) {
            throw new IllegalStateException("the trace has no mark " + syncMark);
        }
        long pid = mark.path("pid").asLong();
        long tid = mark.path("tid").asLong();
        double offset = syncMarkAt - mark.path("ts").asDouble() / 1000;
        List<Slice> slices = new ArrayList<>();
        for (JsonNode event : events) {
            if (event.path("pid").asLong() != pid || event.path("tid").asLong() != tid
                    || !"X".equals(event.path("ph").asText()) || !event.has("dur")) {
                continue;
            }
            double start = event.path("ts").asDouble() / 1000 + offset;
            slices.add(new Slice(start, start + event.path("dur").asDouble() / 1000, kind(event.path("name").asText())));
        }
        return new MainThreadTrace(slices);
    }

    /**
     * What the main thread was doing at a moment: the innermost named slice covering it (a later
     * start is nested deeper), {@link #OTHER} under a task of no known kind, {@link #FREE} in none.
     */
    String activityAt(double at) {
        Slice innermost = null;
        boolean inTask = false;
        for (Slice slice : slices) {
            if (slice.start() <= at && at < slice.end()) {
                if (slice.kind() == null) {
                    inTask = true;
                } else if (innermost == null || slice.start() > innermost.start()
                        || (slice.start() == innermost.start() && slice.end() < innermost.end())) {
                    innermost = slice;
                }
            }
        }
        return innermost != null ? innermost.kind() : inTask ? OTHER : FREE;
    }

    /** The kind of work a trace event's name stands for; null for a task that says nothing more. */
    private static String kind(String name) {
        if (name.contains("GC")) {
            return "garbage collection";
        }
        switch (name) {
            case "FunctionCall", "EvaluateScript", "RunMicrotasks", "BlinkScheduler_PerformMicrotaskCheckpoint",
                    "TimerFire", "EventDispatch", "v8.run", "v8.callFunction", "v8.compile", "V8.Execute" -> {
                return "script: the client and the page's handler";
            }
            case "SimpleWatcher::OnHandleReady" -> {
                return "taking the response's bytes from the network process";
            }
            case "UpdateLayoutTree", "RecalculateStyles", "Layout" -> {
                return "style and layout";
            }
            case "Paint", "PrePaint", "Layerize", "UpdateLayer", "UpdateLayerTree", "CompositeLayers", "Commit",
                    "BeginMainThreadFrame", "HitTest" -> {
                return "paint and compositing";
            }
            default -> {
                return null;
            }
        }
    }
}
