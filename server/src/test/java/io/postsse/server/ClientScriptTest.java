package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code sse.serveClientScript()}: the web client's four files on their four paths, and nothing more. */
class ClientScriptTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<String> FILES = List.of("/postsse.js", "/postsse.mjs", "/postsse.d.ts", "/postsse.d.mts");

    @Test
    void servesTheWebClientsScriptAsJavaScript() throws Exception {
        try (TestServer server = TestServer.start(PostSse::serveClientScript)) {
            HttpResponse<byte[]> response = get(server, "/postsse.js", null);

            assertEquals(200, response.statusCode());
            assertEquals("text/javascript;charset=utf-8", contentType(response));
            assertEquals("nosniff", header(response, "X-Content-Type-Options"));
            assertEquals("no-cache", header(response, "Cache-Control"));
            byte[] file = resource("io/postsse/web/postsse.js");
            assertArrayEquals(file, response.body());
            String text = new String(response.body(), StandardCharsets.UTF_8);
            assertTrue(text.startsWith("/* postsse.js:"), text.substring(0, Math.min(80, text.length())));
            assertTrue(text.length() > 1000, "the compiled client, not a stub: " + text.length() + " chars");
        }
    }

    @Test
    void servesItsTypeDeclarationsAsText() throws Exception {
        try (TestServer server = TestServer.start(PostSse::serveClientScript)) {
            HttpResponse<byte[]> response = get(server, "/postsse.d.ts", null);

            assertEquals(200, response.statusCode());
            assertEquals("text/plain;charset=utf-8", contentType(response));
            assertEquals("nosniff", header(response, "X-Content-Type-Options"));
            assertArrayEquals(resource("io/postsse/web/postsse.d.ts"), response.body());
            String text = new String(response.body(), StandardCharsets.UTF_8);
            assertTrue(text.contains("declare namespace postsse"));
            assertTrue(text.contains("interface Window {\n  postsse: typeof postsse;\n}"), "types window.postsse");
            String module = new String(resource("io/postsse/web/postsse.d.mts"), StandardCharsets.UTF_8);
            List<String> declarations = module.lines().filter(line -> line.startsWith("export ")).toList();
            assertTrue(declarations.size() >= 8, "the module's declarations: " + declarations);
            for (String declaration : declarations) {
                assertTrue(text.contains("\n  " + declaration + "\n"), "the module's declaration, in the namespace: " + declaration);
            }
        }
    }

    @Test
    void servesTheSameClientAsAnEsModuleWithoutAGlobal() throws Exception {
        try (TestServer server = TestServer.start(PostSse::serveClientScript)) {
            HttpResponse<byte[]> response = get(server, "/postsse.mjs", null);

            assertEquals(200, response.statusCode());
            assertEquals("text/javascript;charset=utf-8", contentType(response));
            assertEquals("nosniff", header(response, "X-Content-Type-Options"));
            assertEquals("no-cache", header(response, "Cache-Control"));
            assertArrayEquals(resource("io/postsse/web/postsse.mjs"), response.body());
            String text = new String(response.body(), StandardCharsets.UTF_8);
            assertTrue(text.startsWith("/* postsse.mjs:"), text.substring(0, Math.min(80, text.length())));
            assertTrue(text.contains("\nexport const {stream, resume} = "), "exports stream and resume");
            assertFalse(text.contains("window."), "touches no global");
            String script = new String(resource("io/postsse/web/postsse.js"), StandardCharsets.UTF_8);
            assertTrue(script.contains(compiledClient(text)), "the script wraps the same compiled client");
        }
    }

    @Test
    void servesTheModulesTypeDeclarationsAsText() throws Exception {
        try (TestServer server = TestServer.start(PostSse::serveClientScript)) {
            HttpResponse<byte[]> response = get(server, "/postsse.d.mts", null);

            assertEquals(200, response.statusCode());
            assertEquals("text/plain;charset=utf-8", contentType(response));
            assertEquals("nosniff", header(response, "X-Content-Type-Options"));
            assertEquals("no-cache", header(response, "Cache-Control"));
            assertArrayEquals(resource("io/postsse/web/postsse.d.mts"), response.body());
            String text = new String(response.body(), StandardCharsets.UTF_8);
            assertTrue(text.contains("\nexport function stream("), "declares the module's exports");
            assertFalse(text.contains("declare namespace"), "a module, not a global");
        }
    }

    @Test
    void anUnchangedScriptIsRevalidatedWithoutItsBody() throws Exception {
        try (TestServer server = TestServer.start(PostSse::serveClientScript)) {
            String etag = header(get(server, "/postsse.js", null), "ETag");
            assertTrue(etag.matches("\"[0-9a-f]{32}\""), etag);

            HttpResponse<byte[]> again = get(server, "/postsse.js", etag);
            assertEquals(304, again.statusCode());
            assertEquals(0, again.body().length);
            assertEquals(etag, header(again, "ETag"));

            assertEquals(200, get(server, "/postsse.js", "\"something-else\"").statusCode());
            Set<String> tags = new HashSet<>();
            for (String path : FILES) {
                String tag = header(get(server, path, null), "ETag");
                assertTrue(tags.add(tag), "one tag per file: " + path + " " + tag);
                assertEquals(304, get(server, path, tag).statusCode(), path);
            }
        }
    }

    @Test
    void headAnswersLikeGetWithoutTheBody() throws Exception {
        try (TestServer server = TestServer.start(PostSse::serveClientScript)) {
            for (String path : FILES) {
                HttpResponse<byte[]> get = get(server, path, null);
                HttpResponse<byte[]> head = HTTP.send(HttpRequest.newBuilder(server.uri(path))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofByteArray());

                assertEquals(200, head.statusCode(), path);
                assertEquals(0, head.body().length, path);
                assertEquals(contentType(get), contentType(head), path);
                assertEquals(header(get, "ETag"), header(head, "ETag"), path);
                assertEquals("nosniff", header(head, "X-Content-Type-Options"), path);
                assertEquals(String.valueOf(get.body().length), header(head, "Content-Length"), path);
            }
        }
    }

    @Test
    void servesNothingElse() throws Exception {
        try (TestServer server = TestServer.start(PostSse::serveClientScript)) {
            for (String path : List.of("/postsse.js.map", "/web/postsse.js", "/io/postsse/web/postsse.js",
                    "/index.html", "/inspector.html", "/js/demo.js", "/js/testpage.js", "/style.css", "/",
                    "/POSTSSE.JS", "/postsse", "/io/postsse/server/PostSse.class", "/postsse.mjs.map",
                    "/postsse.MJS", "/postsse.cjs", "/postsse.d.cts", "/package.json", "/io/postsse/web/postsse.mjs")) {
                assertEquals(404, get(server, path, null).statusCode(), path);
            }
        }
    }

    @Test
    void withoutTheCallTheScriptIsNotServed() throws Exception {
        try (TestServer server = TestServer.start(sse -> {
        })) {
            for (String path : FILES) {
                assertEquals(404, get(server, path, null).statusCode(), path);
            }
        }
    }

    /**
     * The compiled client inside a wrapper: from the strict-mode directive, which opens the
     * minified module (in either quotes), to its last export.
     */
    private static String compiledClient(String wrapped) {
        int start = wrapped.indexOf("use strict") - 1;
        int end = wrapped.lastIndexOf("exports.");
        assertTrue(start > 0 && end > start, "a wrapped module: " + start + ".." + end);
        return wrapped.substring(start, end);
    }

    private static HttpResponse<byte[]> get(TestServer server, String path, String ifNoneMatch)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).GET();
        if (ifNoneMatch != null) {
            request.header("If-None-Match", ifNoneMatch);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** The Content-Type header without spaces, which Jetty writes for some types and not others. */
    private static String contentType(HttpResponse<?> response) {
        return header(response, "Content-Type").replace(" ", "").toLowerCase(Locale.ROOT);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ClientScriptTest.class.getClassLoader().getResourceAsStream(name)) {
            assertNotNull(in, name + " on the test classpath");
            return in.readAllBytes();
        }
    }
}
