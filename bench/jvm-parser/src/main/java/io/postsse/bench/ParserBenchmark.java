package io.postsse.bench;

import io.postsse.protocol.EventEncoder;
import io.postsse.protocol.EventHandler;
import io.postsse.protocol.EventStreamDecoder;
import io.postsse.protocol.ServerSentEvent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import okhttp3.internal.sse.ServerSentEventReader;
import okio.BufferedSource;
import okio.Okio;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Parses one whole stream per operation, from the same bytes, with postsse's byte entry point
 * ({@link EventStreamDecoder}, fed 8 KiB chunks as a socket would give them) and with okhttp-sse's
 * {@code ServerSentEventReader} (reading an okio source over the same bytes, 8 KiB segments).
 *
 * <p>Throughput is streams per second; {@code bench/jvm-parser.sh} turns it into MB/s and events/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ParserBenchmark {
    static final int CHUNK = 8192;

    /** tokens: 100k LLM-like token events; large: 200 events of 64 KiB data each. */
    @Param({"tokens", "large"})
    public String stream;

    byte[] bytes;
    int events;

    @Setup(Level.Trial)
    public void setUp() {
        StringBuilder out = new StringBuilder();
        if (stream.equals("tokens")) {
            String[] words = {" the", " quick", " brown", " fox", " jumps", " over", " lazy", " dog", ",", " and", "\\n", " caf\u00e9"};
            for (int i = 0; i < 100_000; i++) {
                EventEncoder.appendEvent(out, "token", null, "{\"text\":\"" + words[i % words.length] + "\"}");
            }
            events = 100_000;
        } else {
            StringBuilder data = new StringBuilder(65536);
            int n = 0;
            while (data.length() < 65536) {
                data.append("lorem ipsum dolor sit amet ").append(n++).append(' ');
            }
            data.setLength(65536);
            String big = data.toString();
            for (int i = 0; i < 200; i++) {
                EventEncoder.appendEvent(out, "chunk", Integer.toString(i), big);
            }
            events = 200;
        }
        bytes = out.toString().getBytes(StandardCharsets.UTF_8);
        // Both parsers must see the same events before they are timed.
        int mine = postsse(null);
        int theirs = okhttpSse(null);
        if (mine != events || theirs != events) {
            throw new IllegalStateException("event counts differ: postsse " + mine + ", okhttp-sse " + theirs + ", expected " + events);
        }
    }

    /** Prints each stream's name, size in bytes and event count, for bench/jvm-parser.sh. */
    public static void main(String[] args) {
        for (String name : new String[] {"tokens", "large"}) {
            ParserBenchmark benchmark = new ParserBenchmark();
            benchmark.stream = name;
            benchmark.setUp();
            System.out.println(name + " " + benchmark.bytes.length + " " + benchmark.events);
        }
    }

    @Benchmark
    public int postsse(Blackhole blackhole) {
        Counter counter = new Counter(blackhole);
        EventStreamDecoder decoder = new EventStreamDecoder(counter);
        for (int off = 0; off < bytes.length; off += CHUNK) {
            decoder.feed(bytes, off, Math.min(CHUNK, bytes.length - off));
        }
        decoder.end();
        return counter.count;
    }

    @Benchmark
    public int okhttpSse(Blackhole blackhole) {
        OkCounter counter = new OkCounter(blackhole);
        try (BufferedSource source = Okio.buffer(Okio.source(new ByteArrayInputStream(bytes)))) {
            ServerSentEventReader reader = new ServerSentEventReader(source, counter);
            while (reader.processNextEvent()) {
                // keep reading
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return counter.count;
    }

    static final class Counter implements EventHandler {
        final Blackhole blackhole;
        int count;

        Counter(Blackhole blackhole) {
            this.blackhole = blackhole;
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            count++;
            if (blackhole != null) {
                blackhole.consume(event);
            }
        }
    }

    static final class OkCounter implements ServerSentEventReader.Callback {
        final Blackhole blackhole;
        int count;

        OkCounter(Blackhole blackhole) {
            this.blackhole = blackhole;
        }

        @Override
        public void onEvent(String id, String type, String data) {
            count++;
            if (blackhole != null) {
                blackhole.consume(id);
                blackhole.consume(type);
                blackhole.consume(data);
            }
        }

        @Override
        public void onRetryChange(long timeMs) {
        }
    }
}
