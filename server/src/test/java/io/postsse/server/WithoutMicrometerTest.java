package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Micrometer is an optional dependency: an app that sets no meter registry runs without it on the
 * class path, every stream route's path taken (starts, ends, resumes, stops, refusals), since no
 * class of Micrometer is loaded then.
 */
class WithoutMicrometerTest {
    private static final String ID = "stream-id-of-an-app-without-metrics";

    @Test
    void anAppWithoutMetricsNeedsNoMicrometer(@TempDir Path dir) throws Exception {
        String[] classPath = System.getProperty("java.class.path").split(File.pathSeparator);
        String withoutMicrometer = Arrays.stream(classPath).filter(entry -> !entry.contains("micrometer"))
                .collect(Collectors.joining(File.pathSeparator));
        assertTrue(classPath.length > withoutMicrometer.split(File.pathSeparator).length, "Micrometer is left out");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", withoutMicrometer, WithoutMicrometerApp.class.getName());
        try (ChildProcess app = new ChildProcess(command, dir.resolve("errors.txt"))) {
            app.awaitLine(line -> line.equals("Micrometer is not on the class path"), "the app's look for Micrometer");
            int port = app.awaitPort();
            try (RawHttp post = RawHttp.send(port, "POST", "/s", "{}")) {
                assertEquals("data: a\n\n", post.readToEnd());
            }
            try (RawHttp post = RawHttp.send(port, "POST", "/s", "not JSON")) {
                assertEquals(400, post.status());
            }
            try (RawHttp post = RawHttp.send(port, "POST", "/r", "{}", "Postsse-Stream", ID)) {
                assertEquals("id: " + ID + ":1\ndata: a\n\nevent: postsse.end\ndata: completed\n\n", post.readToEnd());
            }
            try (RawHttp get = RawHttp.send(port, "GET", "/r", null, "Last-Event-ID", ID + ":0")) {
                assertEquals("id: " + ID + ":1\ndata: a\n\nevent: postsse.end\ndata: completed\n\n", get.readToEnd());
            }
            try (RawHttp stop = RawHttp.send(port, "DELETE", "/r", null, "Postsse-Stream", ID)) {
                assertEquals(204, stop.status());
            }
            String errors = Files.readString(app.errors);
            assertFalse(errors.contains("NoClassDefFoundError") || errors.contains("io.micrometer"), errors);
        }
    }
}
