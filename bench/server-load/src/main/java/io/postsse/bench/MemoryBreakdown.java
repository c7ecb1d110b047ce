package io.postsse.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a server's bytes go per stream: the difference between two class histograms of its live
 * heap ({@code jcmd GC.class_histogram}, idle and at load) and between two native memory summaries
 * ({@code jcmd VM.native_memory summary}), divided by the streams, as two Markdown tables.
 *
 * <p>Arguments: idleHistogram loadHistogram idleNmt loadNmt streams [idleRssKiB loadRssKiB].
 */
public final class MemoryBreakdown {
    private static final Pattern HISTOGRAM_LINE = Pattern.compile("\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*");
    private static final Pattern NMT_LINE = Pattern.compile("-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB.*");

    /** The heap's parts, by the classes' names, first match wins. */
    private static final List<String[]> HEAP_PARTS = List.of(
            new String[] {"virtual threads: their stacks (`StackChunk`) and thread objects",
                    "jdk.internal.vm.", "java.lang.VirtualThread", "java.util.concurrent.ThreadPerTaskExecutor",
                    "java.lang.ThreadLocal"},
            new String[] {"Jetty: connections, HTTP/2 streams, requests, responses, their headers", "org.eclipse.jetty."},
            new String[] {"Javalin: each request's context", "io.javalin.", "kotlin."},
            new String[] {"postsse: streams, writers, request heads, body readers", "io.postsse.server."},
            new String[] {"the benchmark's producers (timers, their tasks)", "io.postsse.bench.",
                    "java.util.concurrent.ScheduledThreadPoolExecutor", "java.util.concurrent.Executors$RunnableAdapter"},
            new String[] {"JDK objects that all of the above hold: maps, strings, byte arrays, locks, futures", ""});

    public static void main(String[] args) throws Exception {
        Map<String, long[]> idle = histogram(Path.of(args[0]));
        Map<String, long[]> load = histogram(Path.of(args[1]));
        Map<String, Long> idleNative = nmt(Path.of(args[2]));
        Map<String, Long> loadNative = nmt(Path.of(args[3]));
        long streams = Long.parseLong(args[4]);

        Map<String, Long> parts = new LinkedHashMap<>();
        for (String[] part : HEAP_PARTS) {
            parts.put(part[0], 0L);
        }
        long heap = 0;
        for (Map.Entry<String, long[]> entry : load.entrySet()) {
            long[] before = idle.getOrDefault(entry.getKey(), new long[2]);
            long bytes = entry.getValue()[1] - before[1];
            heap += bytes;
            parts.merge(part(entry.getKey()), bytes, Long::sum);
        }
        System.out.println("| live heap, by whose objects | bytes per stream | share |");
        System.out.println("|---|---:|---:|");
        for (Map.Entry<String, Long> part : parts.entrySet()) {
            System.out.printf("| %s | %,d | %.0f%% |%n", part.getKey(), part.getValue() / streams,
                    100.0 * part.getValue() / heap);
        }
        System.out.printf("| **all live objects** (after a full collection) | **%,d** | |%n", heap / streams);
        System.out.println();
        System.out.println("| memory the JVM took (native memory tracking, committed) | bytes per stream |");
        System.out.println("|---|---:|");
        long total = 0;
        for (Map.Entry<String, Long> area : loadNative.entrySet()) {
            long grown = area.getValue() - idleNative.getOrDefault(area.getKey(), 0L);
            total += grown;
            if (Math.abs(grown * 1024 / streams) >= 64) {
                System.out.printf("| %s | %,d |%n", describe(area.getKey()), grown * 1024 / streams);
            }
        }
        System.out.printf("| **all areas** | **%,d** |%n", total * 1024 / streams);
        if (args.length > 6) {
            long rss = Long.parseLong(args[6]) - Long.parseLong(args[5]);
            System.out.printf("| resident set (RSS), from `/proc` | %,d |%n", rss * 1024 / streams);
        }
    }

    private static String part(String className) {
        String name = className.startsWith("[L") ? className.substring(2) : className;
        for (String[] part : HEAP_PARTS) {
            for (int i = 1; i < part.length; i++) {
                if (name.startsWith(part[i])) {
                    return part[0];
                }
            }
        }
        throw new IllegalStateException("no part for " + className);
    }

    private static String describe(String area) {
        switch (area) {
            case "Java Heap":
                return "Java heap (live objects, garbage between collections, room the collector keeps)";
            case "GC":
                return "the collector's own structures (card table, remembered sets, mark bitmaps)";
            case "Thread":
                return "threads' native stacks";
            case "Other":
                return "direct buffers (Jetty's I/O buffers)";
            case "Code":
                return "compiled code";
            default:
                return area;
        }
    }

    private static Map<String, long[]> histogram(Path file) throws Exception {
        Map<String, long[]> classes = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            Matcher matcher = HISTOGRAM_LINE.matcher(line);
            if (matcher.matches()) {
                classes.put(matcher.group(3), new long[] {Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2))});
            }
        }
        return classes;
    }

    /** Committed KiB by area. */
    private static Map<String, Long> nmt(Path file) throws Exception {
        Map<String, Long> areas = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            Matcher matcher = NMT_LINE.matcher(line.trim());
            if (matcher.matches()) {
                areas.put(matcher.group(1).trim(), Long.parseLong(matcher.group(2)));
            }
        }
        return areas;
    }
}
