package io.postsse.demo;

import java.util.List;
import java.util.Map;

/** Where the chat's replies come from: the built-in generator, or a relayed language model. */
public interface ChatBackend {
    /** Receives the reply as it is produced. */
    interface TokenSink {
        void token(String text);
    }

    /** How a reply ended: the model's finish reason and token usage, where it reports them. */
    record Completion(String finishReason, Map<String, Object> usage) {
    }

    /**
     * Streams the reply to the conversation's last message into the sink, blocking until it is
     * complete. An interrupt means the client went away: stop, and release what the reply holds.
     *
     * @throws UpstreamException when the model's server fails: its message, in the backend's own
     *     words, is shown to the user; its {@link UpstreamException#logDetail() logDetail} is logged
     */
    Completion reply(List<ChatMessage> conversation, TokenSink sink) throws Exception;

    /** Where replies come from, for the server's log at start; never a secret. */
    default String describe() {
        return getClass().getSimpleName();
    }
}
