package io.postsse.server.demo;

/** The body of {@code POST /api/chat}. */
public record ChatRequest(String prompt) {
}
