package io.postsse.server;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where the events of resumable streams are kept, so that a client can attach to a stream again
 * and read it from where it was cut. One log holds many streams, each named by its id (22 to 64
 * characters of {@code A-Z a-z 0-9 _ -}); a stream's entries are its encoded events
 * ({@code text/event-stream} frames, UTF-8), numbered from 1 without gaps.
 *
 * <p>By default ({@link PostSse#eventLog} null) the logs are kept in this server's memory, within
 * {@link PostSse#maxLogBytes}. Another implementation, such as a shared store — {@link RedisEventLog}
 * ({@link PostSse#redisUrl}) — lets a client attach through another server than the one that runs
 * the producer. Implementations must be safe to use from many threads at once.
 *
 * <p>The outcome of an ended stream is one of {@value #COMPLETED}, {@value #FAILED} and
 * {@value #CANCELLED}: the data of its end marker.
 */
public interface EventLog {
    /** The outcome of a stream whose producer returned, or closed it. */
    String COMPLETED = "completed";
    /** The outcome of a stream whose producer threw, or sent past a limit. */
    String FAILED = "failed";
    /** The outcome of a stream that was stopped, or cancelled with no client left, or by a server stop. */
    String CANCELLED = "cancelled";

    /**
     * Creates the stream's log, empty and running, atomically.
     *
     * @param retention how long the stream is kept once it ended: also when it ends without
     *     {@link #end}, as a log shared by servers ends the stream of a producer whose server died
     * @return false, creating nothing, when the log already holds the stream, or holds a tombstone
     *     for it ({@link #tombstone})
     */
    boolean create(String streamId, Duration retention);

    /**
     * Appends the stream's next entry; {@code seq} is the number of entries before it plus one.
     *
     * @throws StreamCapacityException when the log's budget is spent: nothing was appended
     * @throws StreamClosedException when a client stopped the stream through another server
     *     ({@link #requestStop}): nothing was appended, and the producer is to be cancelled
     * @throws IllegalStateException when the log holds no running stream of that id
     */
    void append(String streamId, long seq, byte[] frame);

    /**
     * Appends the stream's error event, the last entry of a stream that is about to end
     * {@value #FAILED}: like {@link #append}, but never refused for the log's budget, so that the
     * readers of a stream stopped for want of room still learn why (an overdraft of one small entry
     * per stream).
     *
     * @throws IllegalStateException when the log holds no running stream of that id
     */
    void appendError(String streamId, long seq, byte[] frame);

    /**
     * Ends the stream with its outcome, after its last entry. The ended log is kept for
     * {@code retention} (it may be dropped sooner when the log needs the room), then forgotten.
     * Does nothing when the stream has ended already.
     */
    void end(String streamId, String outcome, Duration retention);

    /**
     * Reads the stream's entries after {@code afterSeq}, in order, at most {@code maxEntries} of them.
     *
     * @return null when the log does not hold the stream (never created, a tombstone, expired,
     *     dropped); otherwise the entries, possibly none
     * @throws IllegalArgumentException when {@code afterSeq} is past the stream's last entry: the
     *     reader claims events the log never held (or, in a shared store, lost), and is refused
     *     alone; the stream goes on
     */
    Entries read(String streamId, long afterSeq, int maxEntries);

    /**
     * Calls {@code onChange}, from any thread and without holding locks a reader would need, after
     * each append to the stream, its end, and its removal, until the returned watch is closed. The
     * callback must be quick: it only wakes a reader, which then {@link #read}s. A log that does not
     * hold the stream may return a watch that never calls.
     */
    Watch watch(String streamId, Runnable onChange);

    /**
     * Records that the stream was stopped before the log held it, so that a later {@link #create}
     * of that id fails; the tombstone is kept for {@code retention}, and counts as an ended stream.
     *
     * @return true when the tombstone was laid; false, changing nothing, when the log holds the
     *     stream already
     */
    boolean tombstone(String streamId, Duration retention);

    // ---- several servers sharing the log ----

    /**
     * Asks the server that runs the stream's producer to cancel it: called when a client stops a
     * stream that the log holds running, and whose producer does not run on this server. That
     * server learns it through its {@link #onStopRequest} handler, or by its producer's next
     * {@link #append} failing. The default does nothing: a log that one server keeps to itself.
     */
    default void requestStop(String streamId) {
    }

    /**
     * Takes the handler that cancels a producer running on this server when a client asked another
     * server to stop its stream ({@link #requestStop}). Called once, before the first {@link #create}.
     */
    default void onStopRequest(Consumer<String> cancelProducer) {
    }

    /**
     * How long the stream has had no reader through the other servers that share the log:
     * {@link Duration#ZERO} while one is attached there; null when none ever was (and always, by
     * default: a log that one server keeps to itself). A producer with no reader on its own server
     * is cancelled after the resume grace ({@link PostSse#resumeGrace}) only once this says that
     * no reader was attached elsewhere either for as long.
     */
    default Duration withoutRemoteReaders(String streamId) {
        return null;
    }

    /**
     * Entries read from a stream's log.
     *
     * @param frames the entries, in order, numbered {@code afterSeq + 1} to {@code lastSeq}
     * @param lastSeq the number of the last entry in {@code frames}, or {@code afterSeq} when none
     * @param outcome the stream's outcome when it has ended and {@code frames} reach its last
     *     entry; null while there may be more
     */
    record Entries(List<byte[]> frames, long lastSeq, String outcome) {
        public Entries {
            frames = Collections.unmodifiableList(Objects.requireNonNull(frames, "frames"));
        }

        /** Whether the stream has ended with these entries: nothing follows but its end marker. */
        public boolean ended() {
            return outcome != null;
        }
    }

    /** Stops a {@link #watch}. */
    interface Watch extends AutoCloseable {
        @Override
        void close();
    }
}
