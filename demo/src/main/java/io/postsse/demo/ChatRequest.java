package io.postsse.demo;

import java.util.List;

/**
 * The body of {@code POST /api/chat}: the conversation so far as {@code messages}, the last one
 * the user's new message; or, for a one-off question (say from curl), just a {@code prompt}.
 */
public record ChatRequest(String prompt, List<ChatMessage> messages) {
    /** The conversation to answer. */
    List<ChatMessage> conversation() {
        return messages != null && !messages.isEmpty() ? messages : List.of(ChatMessage.user(prompt));
    }

    /** What is wrong with the request, or null when nothing is. */
    static String problem(ChatRequest request) {
        if ((request.messages() == null || request.messages().isEmpty()) && request.prompt() == null) {
            return "Send the conversation as \"messages\", or a question as \"prompt\".";
        }
        for (ChatMessage message : request.conversation()) {
            if (message == null || message.content() == null
                    || !("user".equals(message.role()) || "assistant".equals(message.role()))) {
                return "Each message needs a \"role\" (user or assistant) and a \"content\".";
            }
        }
        if (!"user".equals(request.conversation().get(request.conversation().size() - 1).role())) {
            return "The last message must be the user's.";
        }
        return null;
    }
}
