package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** {@code sse.serveClientScript()}: the web client's two files on their two paths, and nothing more. */
class ClientScriptTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

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
            assertTrue(new String(response.body(), StandardCharsets.UTF_8).contains("declare namespace postsse"));
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
            assertTrue(!etag.equals(header(get(server, "/postsse.d.ts", null), "ETag")), "one tag per file");
        }
    }

    @Test
    void headAnswersLikeGetWithoutTheBody() throws Exception {
        try (TestServer server = TestServer.start(PostSse::serveClientScript)) {
            HttpResponse<byte[]> get = get(server, "/postsse.js", null);
            HttpResponse<byte[]> head = HTTP.send(HttpRequest.newBuilder(server.uri("/postsse.js"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofByteArray());

            assertEquals(200, head.statusCode());
            assertEquals(0, head.body().length);
            assertEquals(contentType(get), contentType(head));
            assertEquals(header(get, "ETag"), header(head, "ETag"));
            assertEquals("nosniff", header(head, "X-Content-Type-Options"));
            assertEquals(String.valueOf(get.body().length), header(head, "Content-Length"));
        }
    }

    @Test
    void servesNothingElse() throws Exception {
        try (TestServer server = TestServer.start(PostSse::serveClientScript)) {
            for (String path : List.of("/postsse.js.map", "/web/postsse.js", "/io/postsse/web/postsse.js",
                    "/index.html", "/inspector.html", "/js/demo.js", "/js/testpage.js", "/style.css", "/",
                    "/POSTSSE.JS", "/postsse", "/io/postsse/server/PostSse.class")) {
                assertEquals(404, get(server, path, null).statusCode(), path);
            }
        }
    }

    @Test
    void withoutTheCallTheScriptIsNotServed() throws Exception {
        try (TestServer server = TestServer.start(sse -> {
        })) {
            assertEquals(404, get(server, "/postsse.js", null).statusCode());
            assertEquals(404, get(server, "/postsse.d.ts", null).statusCode());
        }
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
