package io.postsse.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code Host} headers the demo's stream routes answer. A browser sends the name it looked up,
 * so a page whose own name an attacker points at 127.0.0.1 (DNS rebinding) still sends its own
 * name, and is refused: without this check, that page could use the demo — and the key it relays
 * with — from the visitor's machine.
 *
 * <p>By default: {@code localhost}, {@code 127.0.0.1} and {@code [::1]} on the port the request
 * came in on, and the address the server is bound to when it is a single one. Each further entry
 * is {@code name} (any port, or none, as behind a proxy on port 443) or {@code name:port}. Names
 * are compared without regard to case.
 */
public final class HostAllowlist {
    /** The port the request came in on, for the loopback names and the bound address. */
    private static final int SERVER_PORT = -1;
    /** Any port, or none. */
    private static final int ANY_PORT = -2;

    private record Entry(String name, int port) {
        String show() {
            return name + (port == SERVER_PORT ? ":<port>" : port == ANY_PORT ? "" : ":" + port);
        }
    }

    private final List<Entry> entries;

    private HostAllowlist(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** The loopback names, on the server's port: what a browser on this machine sends. */
    public static HostAllowlist loopback() {
        return of("127.0.0.1", "");
    }

    /**
     * The loopback names and {@code bindHost} (unless it is a wildcard such as {@code 0.0.0.0}) on
     * the server's port, and the comma-separated {@code extra} entries, each {@code name} or
     * {@code name:port}.
     *
     * @throws IllegalArgumentException for an entry that is not a host name, an IPv4 address or a
     *     bracketed IPv6 address, with an optional port
     */
    public static HostAllowlist of(String bindHost, String extra) {
        List<Entry> entries = new ArrayList<>();
        entries.add(new Entry("localhost", SERVER_PORT));
        entries.add(new Entry("127.0.0.1", SERVER_PORT));
        entries.add(new Entry("[::1]", SERVER_PORT));
        String bound = bindHost == null ? "" : bindHost.trim().toLowerCase(Locale.ROOT);
        if (bound.indexOf(':') >= 0 && !bound.startsWith("[")) {
            bound = "[" + bound + "]"; // an IPv6 address, as a Host header writes it
        }
        if (!bound.isEmpty() && !bound.equals("0.0.0.0") && !bound.equals("[::]") && !bound.equals("[0:0:0:0:0:0:0:0]")) {
            Entry entry = new Entry(bound, SERVER_PORT);
            if (!entries.contains(entry)) {
                entries.add(entry);
            }
        }
        if (extra != null) {
            for (String item : extra.split(",")) {
                String text = item.trim();
                if (text.isEmpty()) {
                    continue;
                }
                Entry entry = parse(text);
                if (entry == null) {
                    throw new IllegalArgumentException("POSTSSE_ALLOWED_HOSTS: \"" + text
                            + "\" is not a host name or address with an optional :port");
                }
                entries.add(entry.port() < 0 ? new Entry(entry.name(), ANY_PORT) : entry);
            }
        }
        return new HostAllowlist(entries);
    }

    /** True when a request with this {@code Host} header, which came in on {@code serverPort}, may be answered. */
    public boolean allows(String hostHeader, int serverPort) {
        if (hostHeader == null) {
            return false;
        }
        Entry given = parse(hostHeader.trim());
        if (given == null) {
            return false;
        }
        int port = given.port() < 0 ? 80 : given.port(); // the demo speaks plain HTTP
        for (Entry entry : entries) {
            if (entry.name().equals(given.name())
                    && (entry.port() == ANY_PORT || port == (entry.port() == SERVER_PORT ? serverPort : entry.port()))) {
                return true;
            }
        }
        return false;
    }

    /** The entries, as the startup log shows them: {@code <port>} stands for the server's. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        for (Entry entry : entries) {
            text.append(text.length() == 0 ? "" : ", ").append(entry.show());
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return describe();
    }

    /** A host and optional port, its name in lower case and the port -1 when absent; null when malformed. */
    private static Entry parse(String text) {
        String name;
        String port = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || !text.substring(1, close).matches("[0-9A-Fa-f:.]+")) {
                return null;
            }
            name = text.substring(0, close + 1);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return null;
                }
                port = rest.substring(1);
            }
        } else {
            int colon = text.indexOf(':');
            name = colon < 0 ? text : text.substring(0, colon);
            port = colon < 0 ? null : text.substring(colon + 1);
            if (!name.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) {
                return null;
            }
        }
        int number = -1;
        if (port != null) {
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
                return null;
            }
            number = Integer.parseInt(port);
        }
        return new Entry(name.toLowerCase(Locale.ROOT), number);
    }
}
