package io.postsse.server;

import java.util.Objects;

/**
 * An event to send: data plus an optional type and id. Immutable.
 *
 * <pre>{@code emitter.send(OutboundEvent.of(token).type("token").id("42"));}</pre>
 */
public final class OutboundEvent {
    private final Object data;
    private final String type;
    private final String id;

    private OutboundEvent(Object data, String type, String id) {
        this.data = Objects.requireNonNull(data, "data");
        this.type = type;
        this.id = id;
    }

    /** An event of the default type, {@code message}: a string is sent as is, anything else as JSON. */
    public static OutboundEvent of(Object data) {
        return new OutboundEvent(data, null, null);
    }

    /** The same event with an event type; it must not contain CR or LF. */
    public OutboundEvent type(String type) {
        return new OutboundEvent(data, type, id);
    }

    /**
     * The same event with an id, which the client echoes as {@code Last-Event-ID} when it
     * reconnects; it must not contain CR, LF or NULL.
     */
    public OutboundEvent id(String id) {
        return new OutboundEvent(data, type, id);
    }

    public Object data() {
        return data;
    }

    /** The event type, or null for the default. */
    public String type() {
        return type;
    }

    /** The id, or null for none. */
    public String id() {
        return id;
    }
}
