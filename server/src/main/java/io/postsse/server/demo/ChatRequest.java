package io.postsse.server.demo;

/** The body of {@code POST /api/chat}. */
public record ChatRequest(String prompt) {
    /** What is wrong with the request, or null when nothing is. */
    static String problem(ChatRequest request) {
        return request.prompt() == null ? "The field \"prompt\" is required." : null;
    }
}
