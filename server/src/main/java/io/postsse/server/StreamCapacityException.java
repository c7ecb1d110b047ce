package io.postsse.server;

/**
 * Thrown by a send on a resumable stream that cannot take another event: it would pass
 * {@link PostSse#maxEventsPerStream} or {@link PostSse#maxBytesPerStream}, or the event log has
 * no room left for it ({@link PostSse#maxLogBytes}). The message names the limit.
 *
 * <p>By the time a producer sees it, the stream has ended: its readers got one {@code error} event
 * and the end marker {@code failed}, and further sends throw {@link StreamClosedException}. An
 * {@link EventLog} throws it from {@link EventLog#append} when its budget is spent.
 */
public class StreamCapacityException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StreamCapacityException(String message) {
        super(message);
    }
}
