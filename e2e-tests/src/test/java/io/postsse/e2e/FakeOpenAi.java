package io.postsse.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An OpenAI-compatible server for the tests, real HTTP on loopback: {@code POST /v1/chat/completions}
 * answers with the scripted response, and records each request.
 */
final class FakeOpenAi implements AutoCloseable {
    /** A request as it arrived. */
    record Request(String authorization, String body) {
    }

    /** Answers one completion request. */
    interface Script {
        void respond(HttpExchange exchange) throws Exception;
    }

    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final HttpServer server;

    FakeOpenAi(Script script) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/v1/chat/completions", exchange -> {
            try (exchange) {
                requests.add(new Request(exchange.getRequestHeaders().getFirst("Authorization"),
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                script.respond(exchange);
            } catch (Exception e) {
                // the relay went away mid-stream: the scripts that care catch it themselves
            }
        });
        server.start();
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    /** Streams the given data payloads as SSE events, then ends. */
    static Script streaming(List<String> dataPayloads) {
        return exchange -> {
            OutputStream out = startStream(exchange);
            for (String data : dataPayloads) {
                send(out, data);
            }
        };
    }

    static OutputStream startStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    static void send(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** A chunk with one delta of content, JSON-escaped here. */
    static String delta(String content) {
        return "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                + quote(content) + "},\"finish_reason\":null}]}";
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
