package io.postsse.demo;

/** One turn of a conversation, as OpenAI-compatible APIs name them: role {@code user} or {@code assistant}. */
public record ChatMessage(String role, String content) {
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
