package io.postsse.server;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the server logs while it is open: slf4j-simple (the tests' logging backend) writes to
 * {@code System.err}, looked up at each line, so the lines are copied here as well as passed on.
 */
final class CapturedLog implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    CapturedLog() {
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
    List<String> lines() {
        synchronized (copy) {
            return Arrays.asList(copy.toString(StandardCharsets.UTF_8).split("\n"));
        }
    }

    /** The lines that contain the text. */
    List<String> linesWith(String text) {
        return lines().stream().filter(line -> line.contains(text)).toList();
    }

    /** Waits, 10 s at most, for a line that matches the pattern whole; returns it. */
    String awaitLine(Pattern pattern) throws InterruptedException {
        String[] found = new String[1];
        Waiting.until(() -> {
            found[0] = lines().stream().filter(line -> pattern.matcher(line).matches()).findFirst().orElse(null);
            return found[0] != null;
        }, () -> "a line matching " + pattern + " in:\n" + String.join("\n", lines()));
        return found[0];
    }

    @Override
    public void close() {
        System.err.flush();
        System.setErr(original);
    }
}
