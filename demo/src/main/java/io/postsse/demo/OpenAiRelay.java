package io.postsse.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.postsse.client.EventStreamClient;
import io.postsse.client.EventStreamException;
import io.postsse.client.EventStreamRequest;
import io.postsse.protocol.ServerSentEvent;
import java.io.IOException;
import java.net.URI;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Relays an OpenAI-compatible server's streamed chat completion (Ollama, llama.cpp's server,
 * vLLM, OpenAI): POSTs {@code /chat/completions} with {@code "stream": true} through postsse's
 * JVM client, and passes each {@code choices[0].delta.content} on exactly as it came.
 *
 * <p>The request is never re-sent: a completion costs money and time, so a broken upstream
 * connection is an error for the user to see, not a reason to ask again.
 */
public final class OpenAiRelay implements ChatBackend {
    static final String DEFAULT_MODEL = "llama3.2";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI completions;
    private final String apiKey;
    private final String model;
    private final EventStreamClient client = EventStreamClient.create();

    /**
     * @param baseUrl the API's base, such as {@code http://localhost:11434/v1}
     * @param apiKey sent as {@code Authorization: Bearer …} unless empty; never shown to the browser
     */
    public OpenAiRelay(URI baseUrl, String apiKey, String model) {
        String base = baseUrl.toString();
        this.completions = URI.create(base.endsWith("/") ? base + "chat/completions" : base + "/chat/completions");
        this.apiKey = apiKey;
        this.model = model;
    }

    @Override
    public Completion reply(List<ChatMessage> conversation, TokenSink sink) throws Exception {
        EventStreamRequest request = EventStreamRequest.post(completions).jsonBody(requestBody(conversation)).maxRetries(0);
        if (!apiKey.isEmpty()) {
            request = request.header("Authorization", "Bearer " + apiKey);
        }
        String finishReason = null;
        Map<String, Object> usage = null;
        // Closing the stream, also when the client went away and this thread was interrupted,
        // closes the upstream connection: the model stops generating.
        try (Stream<ServerSentEvent> events = client.stream(request)) {
            Iterator<ServerSentEvent> iterator = events.iterator();
            while (iterator.hasNext()) {
                String data = iterator.next().data();
                if (data.equals("[DONE]")) {
                    break;
                }
                JsonNode chunk = parse(data);
                JsonNode error = chunk.get("error");
                if (error != null) {
                    throw new UpstreamException("The model server reported an error: " + errorMessage(error));
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
        } catch (EventStreamException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("the client went away");
            }
            throw new UpstreamException(describe(e));
        }
        return new Completion(finishReason, usage);
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
            throw new UpstreamException("The model server sent something that is not JSON.");
        }
    }

    private static String errorMessage(JsonNode error) {
        JsonNode message = error.get("message");
        return message != null && message.isTextual() ? message.asText() : error.toString();
    }

    private static String describe(EventStreamException e) {
        switch (e.kind()) {
            case HTTP_STATUS:
                return "The model server answered " + e.getMessage() + (e.detail().isEmpty() ? "." : ": " + e.detail());
            case CONTENT_TYPE:
                return "The model server did not stream: " + e.getMessage() + ".";
            case PARSER_LIMIT:
                return "The model server sent an event larger than allowed.";
            default:
                return "The model server could not be reached, or the connection broke.";
        }
    }
}
