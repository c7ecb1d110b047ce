package io.postsse.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * The demo's built-in, offline stand-in for a language model: a deterministic reply built from
 * the prompt, cut into word-sized tokens the way a model streams them.
 */
public final class ReplyGenerator {
    private ReplyGenerator() {
    }

    /** The reply's tokens to a single question; joined, they form the whole reply. */
    public static List<String> tokens(String prompt) {
        return tokens(List.of(ChatMessage.user(prompt)));
    }

    /** The reply's tokens to the conversation's last message; joined, they form the whole reply. */
    public static List<String> tokens(List<ChatMessage> conversation) {
        String prompt = conversation.get(conversation.size() - 1).content();
        String topic = prompt == null ? "" : prompt.strip();
        if (topic.isEmpty()) {
            topic = "nothing in particular";
        }
        long earlierQuestions = conversation.stream().filter(message -> "user".equals(message.role())).count() - 1;
        String reply = "You asked about \u201c" + topic + "\u201d. "
                + (earlierQuestions > 0 ? "That makes " + (earlierQuestions + 1) + " questions so far in this conversation. " : "")
                + "This answer is streamed from the server over a POST request, one token at a time, "
                + "as Server-Sent Events. Each token is its own event, and the page appends it as text "
                + "the moment it arrives.";
        return splitIntoTokens(reply);
    }

    /** Splits text before each space, so every token but the first starts with one. */
    static List<String> splitIntoTokens(String text) {
        List<String> tokens = new ArrayList<>();
        int start = 0;
        for (int i = 1; i < text.length(); i++) {
            if (text.charAt(i) == ' ') {
                tokens.add(text.substring(start, i));
                start = i;
            }
        }
        if (start < text.length()) {
            tokens.add(text.substring(start));
        }
        return tokens;
    }
}
