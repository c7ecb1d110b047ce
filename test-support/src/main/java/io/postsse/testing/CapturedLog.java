package io.postsse.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * What a server logs while this is open: slf4j-simple (the tests' logging backend) writes to
 * {@code System.err}, looked up at each line, so the lines are copied here as well as passed on.
 */
public final class CapturedLog implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    /** Starts copying {@code System.err}; {@link #close} puts the original back. */
    public CapturedLog() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (copy) {
                    copy.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                synchronized (copy) {
                    copy.write(bytes, offset, length);
                }
                original.write(bytes, offset, length);
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    /** The lines logged so far. */
    public List<String> lines() {
        synchronized (copy) {
            return Arrays.asList(copy.toString(StandardCharsets.UTF_8).split("\n"));
        }
    }

    /** The lines that contain all of the given parts. */
    public List<String> linesWith(String... parts) {
        return lines().stream().filter(line -> Arrays.stream(parts).allMatch(line::contains)).toList();
    }

    /** Waits, 10 s at most, for a line that matches the pattern whole; returns it. */
    public String awaitLine(Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            for (String line : lines()) {
                if (pattern.matcher(line).matches()) {
                    return line;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no line matching " + pattern + " in:\n" + String.join("\n", lines()));
            }
            Thread.sleep(5); // a poll of the condition, bounded by the deadline
        }
    }

    @Override
    public void close() {
        System.err.flush();
        System.setErr(original);
    }
}
