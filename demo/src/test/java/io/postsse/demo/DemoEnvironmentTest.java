package io.postsse.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the demo makes of its environment: which backend. */
class DemoEnvironmentTest {
    @Test
    void theBackendIsTheOfflineGeneratorUnlessAnUpstreamIsSet() {
        assertEquals("the offline generator, one token every 30 ms", DemoServer.backendFromEnvironment(Map.of()).describe());
        assertEquals("the offline generator, one token every 0 ms",
                DemoServer.backendFromEnvironment(Map.of("POSTSSE_TOKEN_DELAY_MS", "0")).describe());
        ChatBackend relay = DemoServer.backendFromEnvironment(Map.of("POSTSSE_UPSTREAM_URL", "http://127.0.0.1:11434/v1",
                "POSTSSE_UPSTREAM_KEY", "sk-secret", "POSTSSE_UPSTREAM_CONNECT_TIMEOUT_MS", "1500",
                "POSTSSE_UPSTREAM_FIRST_BYTE_TIMEOUT_MS", "60000", "POSTSSE_UPSTREAM_IDLE_TIMEOUT_MS", "250"));
        assertInstanceOf(OpenAiRelay.class, relay);
        assertEquals("relayed to http://127.0.0.1:11434/v1/chat/completions, model llama3.2, with an API key;"
                + " timeouts: connect 1.5 s, first event 60 s, idle 250 ms", relay.describe());
    }

    @Test
    void aValueThatIsNotUsableStopsTheStartSayingWhich() {
        for (Map<String, String> env : new Map[] {
                Map.of("POSTSSE_UPSTREAM_URL", "http://h/v1", "POSTSSE_UPSTREAM_IDLE_TIMEOUT_MS", "30s"),
                Map.of("POSTSSE_UPSTREAM_URL", "http://h/v1", "POSTSSE_UPSTREAM_FIRST_BYTE_TIMEOUT_MS", "0"),
                Map.of("POSTSSE_UPSTREAM_URL", "http://h/v1", "POSTSSE_UPSTREAM_CONNECT_TIMEOUT_MS", "-5"),
                Map.of("POSTSSE_UPSTREAM_URL", "localhost:11434"),
                Map.of("POSTSSE_TOKEN_DELAY_MS", "fast")}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DemoServer.backendFromEnvironment(env), env.toString());
            String named = env.keySet().stream().filter(name -> e.getMessage().startsWith(name)).findFirst().orElse(null);
            assertTrue(named != null, "the message names the variable: " + e.getMessage());
        }
    }
}
