package io.postsse.web.tests;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * postsse.js keeps to its budget: at most 10 KiB gzipped, the size a page pays for it. BENCHMARKS.md
 * reports it with {@code gzip -9}, whose header also holds the file's name (11 bytes more than here).
 */
class ScriptSizeTest {
    private static final int BUDGET_GZIPPED_BYTES = 10 * 1024;

    @Test
    void postsseJsGzippedIsAtMost10KiB() throws IOException {
        byte[] script;
        try (InputStream in = ScriptSizeTest.class.getClassLoader().getResourceAsStream("io/postsse/web/postsse.js")) {
            assertNotNull(in, "postsse.js is on the classpath, built by the web client");
            script = in.readAllBytes();
        }
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gzipped) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION);
            }
        }) {
            out.write(script);
        }
        assertTrue(gzipped.size() <= BUDGET_GZIPPED_BYTES, "postsse.js is " + script.length + " bytes, "
                + gzipped.size() + " gzipped, over the budget of " + BUDGET_GZIPPED_BYTES);
    }
}
