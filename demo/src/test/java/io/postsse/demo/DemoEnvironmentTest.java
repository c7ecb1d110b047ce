package io.postsse.demo;

import io.postsse.testing.CapturedLog;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javalin.Javalin;
import java.util.Map;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/** What the demo makes of its environment: where it listens, which hosts it answers, which backend. */
class DemoEnvironmentTest {
    @Test
    void theDemoListensOnLoopbackUnlessHostSaysOtherwise() {
        assertEquals("127.0.0.1", DemoServer.bindHost(Map.of()));
        assertEquals("127.0.0.1", DemoServer.bindHost(Map.of("HOST", " ")));
        assertEquals("0.0.0.0", DemoServer.bindHost(Map.of("HOST", "0.0.0.0")));
        assertEquals("::1", DemoServer.bindHost(Map.of("HOST", " ::1 ")));
    }

    @Test
    void startedWithNothingSetTheDemoServesLoopbackOnlyAndSaysWhatItServes() throws Exception {
        try (CapturedLog log = new CapturedLog()) {
            Javalin app = DemoServer.start(Map.of("PORT", "0"));
            try {
                ServerConnector connector = (ServerConnector) app.jettyServer().server().getConnectors()[0];
                assertEquals("127.0.0.1", connector.getHost());
                assertEquals(200, RawExchange.get(app.port(), "/", "localhost:" + app.port()).status());
                assertEquals(1, log.linesWith("Replies: the offline generator, one token every 30 ms").size(), log.lines().toString());
                assertEquals(1, log.linesWith("Serving http://127.0.0.1:" + app.port() + "/ ; the chat's stream route answers"
                        + " the hosts localhost:" + app.port() + ", 127.0.0.1:" + app.port() + ", [::1]:" + app.port()).size(),
                        log.lines().toString());
                assertTrue(log.linesWith("reachable from the network").isEmpty());
            } finally {
                app.stop();
            }
        }
    }

    @Test
    void byDefaultTheLoopbackNamesAreAllowedOnTheServersPortOnly() {
        HostAllowlist hosts = HostAllowlist.of("127.0.0.1", null);
        for (String host : new String[] {"localhost:7070", "127.0.0.1:7070", "[::1]:7070", "LOCALHOST:7070"}) {
            assertTrue(hosts.allows(host, 7070), host);
        }
        for (String host : new String[] {"localhost:7071", "localhost", "evil.example", "evil.example:7070", "",
                "localhost:7070:7070", "[::1", "localhost:70700", "127.0.0.1.evil.example:7070", "0.0.0.0:7070"}) {
            assertFalse(hosts.allows(host, 7070), host);
        }
        assertFalse(hosts.allows(null, 7070));
        assertTrue(hosts.allows("localhost", 80), "port 80 is the default of http://");
        assertEquals("localhost:<port>, 127.0.0.1:<port>, [::1]:<port>", hosts.describe());
        assertEquals(hosts.describe(), HostAllowlist.loopback().describe());
    }

    @Test
    void theBoundAddressIsAllowedAndAWildcardIsNot() {
        assertTrue(HostAllowlist.of("192.168.1.20", "").allows("192.168.1.20:7070", 7070));
        assertTrue(HostAllowlist.of("fd00::5", "").allows("[fd00::5]:7070", 7070));
        assertFalse(HostAllowlist.of("0.0.0.0", "").allows("0.0.0.0:7070", 7070));
        assertFalse(HostAllowlist.of("::", "").allows("[::]:7070", 7070));
        assertEquals(HostAllowlist.loopback().describe(), HostAllowlist.of("0.0.0.0", null).describe());
        assertEquals(HostAllowlist.loopback().describe(), HostAllowlist.of("::1", null).describe());
    }

    @Test
    void allowedHostsExtendTheList() {
        HostAllowlist hosts = HostAllowlist.of("0.0.0.0", " chat.example.org , devbox:8080,[fd00::7]:9000,");
        assertTrue(hosts.allows("chat.example.org", 7070), "a name alone: without a port (a proxy on 443)");
        assertTrue(hosts.allows("Chat.Example.Org:8443", 7070), "a name alone: on any port");
        assertTrue(hosts.allows("devbox:8080", 7070));
        assertFalse(hosts.allows("devbox:7070", 7070), "a name with a port: on that port only");
        assertTrue(hosts.allows("[fd00::7]:9000", 7070));
        assertTrue(hosts.allows("localhost:7070", 7070), "the loopback names stay");
        assertFalse(hosts.allows("evil.example:7070", 7070));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostAllowlist.of("", "http://x/"));
        assertTrue(e.getMessage().startsWith("POSTSSE_ALLOWED_HOSTS"), e.getMessage());
    }

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
