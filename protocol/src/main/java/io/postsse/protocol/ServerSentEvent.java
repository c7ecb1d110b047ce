package io.postsse.protocol;

import java.util.Objects;

/**
 * One dispatched event: its type ({@code message} unless the stream named another), its data, and
 * the last event ID in force when it was dispatched.
 *
 * <p>A plain final class rather than a record, so that TeaVM compiles it without the JDK's
 * record bootstrap methods.
 */
public final class ServerSentEvent {
    /** The type an event has when its block carries no {@code event} field. */
    public static final String DEFAULT_TYPE = "message";

    private final String type;
    private final String data;
    private final String lastEventId;

    public ServerSentEvent(String type, String data, String lastEventId) {
        this(Objects.requireNonNull(type, "type"), Objects.requireNonNull(data, "data"),
                Objects.requireNonNull(lastEventId, "lastEventId"), null);
    }

    /**
     * The parser's events, whose values are never null: not checked again, so that the checks are
     * not compiled into the browser's script. {@code unchecked} only tells the constructors apart.
     */
    ServerSentEvent(String type, String data, String lastEventId, Void unchecked) {
        this.type = type;
        this.data = data;
        this.lastEventId = lastEventId;
    }

    /** An event of type {@code message} with no last event ID. */
    public static ServerSentEvent message(String data) {
        return new ServerSentEvent(DEFAULT_TYPE, data, "");
    }

    public String type() {
        return type;
    }

    public String data() {
        return data;
    }

    /** The stream's last event ID when this event was dispatched; empty when none was set. */
    public String lastEventId() {
        return lastEventId;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof ServerSentEvent)) {
            return false;
        }
        ServerSentEvent that = (ServerSentEvent) other;
        return type.equals(that.type) && data.equals(that.data) && lastEventId.equals(that.lastEventId);
    }

    @Override
    public int hashCode() {
        return (type.hashCode() * 31 + data.hashCode()) * 31 + lastEventId.hashCode();
    }

    @Override
    public String toString() {
        return "ServerSentEvent{type=" + type + ", data=" + data + ", lastEventId=" + lastEventId + "}";
    }
}
