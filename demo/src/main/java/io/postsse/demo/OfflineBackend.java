package io.postsse.demo;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The built-in backend: {@link ReplyGenerator}'s deterministic reply, one token every
 * {@code tokenDelay}, so that streaming is visible with nothing else installed.
 */
public final class OfflineBackend implements ChatBackend {
    private final Duration tokenDelay;

    public OfflineBackend(Duration tokenDelay) {
        this.tokenDelay = tokenDelay;
    }

    @Override
    public String describe() {
        return "the offline generator, one token every " + tokenDelay.toMillis() + " ms";
    }

    @Override
    public Completion reply(List<ChatMessage> conversation, TokenSink sink) throws InterruptedException {
        List<String> tokens = ReplyGenerator.tokens(conversation);
        for (String token : tokens) {
            sink.token(token);
            Thread.sleep(tokenDelay.toMillis());
        }
        return new Completion("stop", Map.of("completion_tokens", tokens.size()));
    }
}
