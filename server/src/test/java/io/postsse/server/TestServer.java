package io.postsse.server;

import io.javalin.Javalin;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** A Javalin app with postsse routes on a free loopback port, and ways to call it. */
final class TestServer implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final Javalin app;

    private TestServer(Javalin app) {
        this.app = app;
    }

    static TestServer start(Consumer<PostSse> setup) {
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            PostSse.install(config, sse -> {
                sse.heartbeat = null; // exact bodies; the heartbeat test turns it on
                setup.accept(sse);
            });
        }).start("127.0.0.1", 0);
        return new TestServer(app);
    }

    /** Calls on an app started elsewhere; closing stops it. */
    static TestServer of(Javalin app) {
        return new TestServer(app);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + app.port() + path);
    }

    HttpResponse<String> postJson(String path, String json) throws IOException, InterruptedException {
        return post(path, "application/json", json);
    }

    HttpResponse<String> post(String path, String contentType, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Opens a raw connection and sends a JSON POST, leaving the response unread. */
    Socket openRawPost(String path, String json, int receiveBufferBytes) throws IOException {
        Socket socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", app.port()));
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return socket;
    }

    /** Reads from the raw connection until the text has been seen; returns all that was read. */
    static String readUntil(Socket socket, String expected) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder seen = new StringBuilder();
        byte[] buffer = new byte[1024];
        while (seen.indexOf(expected) < 0) {
            int read = in.read(buffer);
            if (read < 0) {
                throw new IOException("connection closed before \"" + expected + "\"; got: " + seen);
            }
            seen.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
        }
        return seen.toString();
    }

    @Override
    public void close() {
        app.stop();
    }
}
