package io.postsse.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.postsse.client.EventStreamCall;
import io.postsse.client.EventStreamClient;
import io.postsse.client.EventStreamException;
import io.postsse.client.EventStreamListener;
import io.postsse.client.EventStreamRequest;
import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Relays an OpenAI-compatible server's streamed chat completion (Ollama, llama.cpp's server,
 * vLLM, OpenAI): POSTs {@code /chat/completions} with {@code "stream": true} through postsse's
 * JVM client, and passes each {@code choices[0].delta.content} on exactly as it came.
 *
 * <p>The request is never re-sent: a completion costs money and time, so a broken upstream
 * connection is an error for the user to see, not a reason to ask again. Nor is it waited on
 * for ever: the upstream has {@linkplain Builder#connectTimeout a time to accept the connection},
 * {@linkplain Builder#firstByteTimeout a time to send the first event} of its answer, and
 * {@linkplain Builder#idleTimeout a time to send each next one}; past any of them the connection
 * is closed and the reply fails (504). A stream that ends without {@code [DONE]} fails too (502).
 *
 * <p>Failures reach the user in the relay's own words, with the upstream's status at most: an
 * upstream's error text can hold a key, an internal address or a traceback, so it only goes to
 * the server's log ({@link UpstreamException#logDetail()}), escaped and capped.
 */
public final class OpenAiRelay implements ChatBackend {
    static final String DEFAULT_MODEL = "llama3.2";
    /** How long the upstream may take to accept the connection (TCP, and TLS where it applies). */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** How long the upstream may take, from the request, to send the first event of its answer. */
    public static final Duration DEFAULT_FIRST_BYTE_TIMEOUT = Duration.ofSeconds(30);
    /** How long the upstream may go without sending an event, once it has sent one. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

    private static final ObjectMapper JSON = new ObjectMapper();
    /** How many upstream events may wait for the relay to pass them on before the reading waits. */
    private static final int READ_AHEAD = 256;

    private final URI completions;
    private final String apiKey;
    private final String model;
    private final Duration connectTimeout;
    private final Duration firstByteTimeout;
    private final Duration idleTimeout;
    private final EventStreamClient client;

    /** Sets up a relay; {@link #build()} makes it. */
    public static final class Builder {
        private final URI baseUrl;
        private String apiKey = "";
        private String model = DEFAULT_MODEL;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration firstByteTimeout = DEFAULT_FIRST_BYTE_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;

        private Builder(URI baseUrl) {
            this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        }

        /** Sent as {@code Authorization: Bearer …} unless empty; never shown to the browser, never logged. */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey == null ? "" : apiKey;
            return this;
        }

        public Builder model(String model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** How long the upstream may take to accept the connection; default {@link #DEFAULT_CONNECT_TIMEOUT}. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * How long the upstream may take, from the request, to send the first event of its answer
         * (its response's head alone does not count); default {@link #DEFAULT_FIRST_BYTE_TIMEOUT}.
         */
        public Builder firstByteTimeout(Duration timeout) {
            this.firstByteTimeout = positive(timeout, "firstByteTimeout");
            return this;
        }

        /**
         * How long the upstream may go without sending an event once it has sent one (bytes that
         * make no whole event, such as a trickle or comments, do not count); default
         * {@link #DEFAULT_IDLE_TIMEOUT}.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        public OpenAiRelay build() {
            return new OpenAiRelay(this);
        }

        private static Duration positive(Duration timeout, String name) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, not " + timeout);
            }
            return timeout;
        }
    }

    /** @param baseUrl the API's base, such as {@code http://localhost:11434/v1} */
    public static Builder builder(URI baseUrl) {
        return new Builder(baseUrl);
    }

    /**
     * A relay with the default timeouts.
     *
     * @param baseUrl the API's base, such as {@code http://localhost:11434/v1}
     * @param apiKey sent as {@code Authorization: Bearer …} unless empty; never shown to the browser
     */
    public OpenAiRelay(URI baseUrl, String apiKey, String model) {
        this(builder(baseUrl).apiKey(apiKey).model(model));
    }

    private OpenAiRelay(Builder builder) {
        this.completions = completionsOf(builder.baseUrl);
        this.apiKey = builder.apiKey;
        this.model = builder.model;
        this.connectTimeout = builder.connectTimeout;
        this.firstByteTimeout = builder.firstByteTimeout;
        this.idleTimeout = builder.idleTimeout;
        HttpClient http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
        this.client = EventStreamClient.create(http, task -> {
            Thread thread = new Thread(task, "postsse-relay-upstream");
            thread.setDaemon(true);
            thread.start();
        });
    }

    /**
     * One line for the server's log: where replies come from and how long the upstream may take.
     * Names whether a key is set, never the key; the URL without user info or query.
     */
    public String describe() {
        return "relayed to " + forLog(completions) + ", model " + model + ", "
                + (apiKey.isEmpty() ? "without an API key" : "with an API key") + "; timeouts: connect "
                + words(connectTimeout) + ", first event " + words(firstByteTimeout) + ", idle " + words(idleTimeout);
    }

    @Override
    public Completion reply(List<ChatMessage> conversation, TokenSink sink) throws Exception {
        EventStreamRequest request = EventStreamRequest.post(completions).jsonBody(requestBody(conversation)).maxRetries(0);
        if (!apiKey.isEmpty()) {
            request = request.header("Authorization", "Bearer " + apiKey);
        }
        Upstream upstream = new Upstream();
        long started = System.nanoTime();
        EventStreamCall call = client.open(request, upstream);
        String finishReason = null;
        Map<String, Object> usage = null;
        int events = 0;
        // Every way out closes the upstream connection, so that the model stops generating: the
        // end, a failure, a timeout, and an interrupt (the client went away: this thread's
        // producer was cancelled), which passes on from the wait below as InterruptedException.
        try {
            long deadline = started + firstByteTimeout.toNanos();
            while (true) {
                Object item = upstream.queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (item == null) {
                    throw events == 0 ? noFirstEvent(upstream, started) : idle(events);
                }
                if (item instanceof End end) {
                    throw end.failure != null ? failed(end.failure, upstream, events)
                            : new UpstreamException(502, "The model server's answer ended before it was complete.",
                                    "the model server ended its stream without [DONE] after " + events + " events"
                                            + (finishReason != null ? ", finish reason " + LogText.of(finishReason) : ""));
                }
                events++;
                deadline = System.nanoTime() + idleTimeout.toNanos();
                String data = ((ServerSentEvent) item).data();
                if (data.equals("[DONE]")) {
                    return new Completion(finishReason, usage);
                }
                JsonNode chunk = parse(data);
                JsonNode error = chunk.get("error");
                if (error != null) {
                    throw new UpstreamException(502, "The model server reported an error.",
                            "the model server reported an error in its stream: " + LogText.of(errorMessage(error)));
                }
                JsonNode choice = chunk.path("choices").path(0);
                JsonNode content = choice.path("delta").get("content");
                if (content != null && content.isTextual() && !content.asText().isEmpty()) {
                    sink.token(content.asText());
                }
                JsonNode finish = choice.get("finish_reason");
                if (finish != null && finish.isTextual()) {
                    finishReason = finish.asText();
                }
                JsonNode usageNode = chunk.get("usage");
                if (usageNode != null && usageNode.isObject()) {
                    usage = JSON.convertValue(usageNode, Map.class);
                }
            }
        } finally {
            call.cancel();
        }
    }

    private UpstreamException noFirstEvent(Upstream upstream, long started) {
        long headMillis = upstream.openedNanos == 0 ? -1 : (upstream.openedNanos - started) / 1_000_000;
        return new UpstreamException(504, "The model server did not start answering within " + words(firstByteTimeout) + ".",
                "the model server sent no event within " + firstByteTimeout.toMillis() + " ms of the request ("
                        + (headMillis < 0 ? "no response head either" : "the response's head came after " + headMillis + " ms")
                        + "); closed the connection");
    }

    private UpstreamException idle(int events) {
        return new UpstreamException(504, "The model server stopped answering: nothing for " + words(idleTimeout) + ".",
                "the model server sent no event for " + idleTimeout.toMillis() + " ms after " + events
                        + " events; closed the connection");
    }

    /** The client's failure, in the relay's words for the user and the upstream's for the log. */
    private UpstreamException failed(EventStreamException e, Upstream upstream, int events) {
        switch (e.kind()) {
            case HTTP_STATUS:
                // The client's title for the status (a problem's own, else "HTTP <status>") and the
                // start of the body: a problem's detail, or its first 200 characters.
                String title = e.error().message();
                String said = title.equals("HTTP " + e.status()) ? e.detail()
                        : title + (e.detail().isEmpty() ? "" : " \u2014 " + e.detail());
                return new UpstreamException(502, "The model server answered " + e.status() + ".",
                        "the model server answered HTTP " + e.status() + ": " + (said.isEmpty() ? "(no body)" : LogText.of(said)));
            case CONTENT_TYPE:
                return new UpstreamException(502, "The model server did not answer with a stream.",
                        "the model server answered HTTP " + e.status() + " not as a stream: " + LogText.of(e.error().message()));
            case PARSER_LIMIT:
                return new UpstreamException(502, "The model server sent an event larger than allowed.",
                        "the model server sent an event larger than allowed: " + LogText.of(e.error().message()));
            case NETWORK:
                Throwable cause = e.error().cause();
                if (cause instanceof HttpConnectTimeoutException) {
                    return new UpstreamException(504,
                            "The model server did not accept the connection within " + words(connectTimeout) + ".",
                            "the model server did not accept a connection to " + forLog(completions) + " within "
                                    + connectTimeout.toMillis() + " ms");
                }
                if (upstream.openedNanos == 0) {
                    return new UpstreamException(502, "The model server could not be reached.",
                            "the model server could not be reached at " + forLog(completions) + ": " + LogText.of(String.valueOf(cause)));
                }
                return new UpstreamException(502, "The connection to the model server broke before the answer ended.",
                        "the connection to the model server broke after " + events + " events: " + LogText.of(String.valueOf(cause)));
            default:
                return new UpstreamException(502, "The model server's answer could not be read.",
                        "the model server's stream could not be read: " + LogText.of(e.kind() + ": " + e.error().message()));
        }
    }

    private String requestBody(List<ChatMessage> conversation) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage message : conversation) {
            messages.addObject().put("role", message.role()).put("content", message.content());
        }
        return body.toString();
    }

    private static JsonNode parse(String data) throws UpstreamException {
        try {
            return JSON.readTree(data);
        } catch (IOException e) {
            throw new UpstreamException(502, "The model server sent something that is not JSON.",
                    "the model server sent an event that is not JSON: " + LogText.of(data));
        }
    }

    private static String errorMessage(JsonNode error) {
        JsonNode message = error.get("message");
        return message != null && message.isTextual() ? message.asText() : error.toString();
    }

    /** {@code <base>/chat/completions}, the base's query (if any) kept after the path. */
    private static URI completionsOf(URI base) {
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        return URI.create(base.getScheme() + "://" + base.getRawAuthority() + path + (path.endsWith("/") ? "" : "/")
                + "chat/completions" + (base.getRawQuery() == null ? "" : "?" + base.getRawQuery()));
    }

    /** A URL as it may be logged: no user info, query or fragment, which may hold credentials. */
    static String forLog(URI uri) {
        try {
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null).toString();
        } catch (URISyntaxException e) {
            return uri.getScheme() + "://" + uri.getHost();
        }
    }

    /** A duration as people say it: {@code 500 ms}, {@code 1.5 s}, {@code 30 s}. */
    static String words(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        return millis % 1000 == 0 ? millis / 1000 + " s"
                : millis % 100 == 0 ? millis / 1000 + "." + millis % 1000 / 100 + " s" : millis + " ms";
    }

    /** The end of the upstream's stream, as the queue carries it: how it ended, and its failure. */
    private record End(CloseReason reason, EventStreamException failure) {
    }

    /**
     * The upstream's callbacks, on the client's thread: events and the end into a small bounded
     * queue, which the relay's thread takes from with its deadlines.
     */
    private static final class Upstream implements EventStreamListener {
        final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(READ_AHEAD);
        /** When the response's head arrived; 0 until it did. */
        volatile long openedNanos;
        private EventStreamException failure;

        @Override
        public void onOpen(int status, HttpHeaders headers) {
            openedNanos = System.nanoTime();
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            try {
                queue.put(event);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // cancelled while the relay was not taking: it is gone
            }
        }

        @Override
        public void onError(EventStreamException error) {
            if (!error.retrying()) {
                failure = error;
            }
        }

        @Override
        public void onClosed(CloseReason reason) {
            End end = new End(reason, reason == CloseReason.FAILED ? failure : null);
            if (reason == CloseReason.CANCELLED) {
                queue.clear(); // only the relay cancels, once it takes nothing more
            }
            if (!queue.offer(end)) {
                try {
                    queue.put(end);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
