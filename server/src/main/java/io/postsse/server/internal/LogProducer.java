package io.postsse.server.internal;

import io.javalin.json.JsonMapper;
import io.postsse.protocol.EventEncoder;
import io.postsse.server.EventEmitter;
import io.postsse.server.EventLog;
import io.postsse.server.EventProducer;
import io.postsse.server.OutboundEvent;
import io.postsse.server.RequestHead;
import io.postsse.server.StreamCapacityException;
import io.postsse.server.StreamClosedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer side of one resumable stream: the emitter that numbers each event and appends it to
 * the stream's event log, detached from any connection. Readers attach to the log, not to this.
 *
 * <p>The stream ends exactly once, in the log: completed when the producer returns (or closes it),
 * failed when it throws or sends past a limit (after one {@code error} event, itself a numbered
 * entry), cancelled when it is stopped, left with no reader for the grace period, or the server stops.
 */
final class LogProducer implements EventEmitter {
    private static final Logger LOG = LoggerFactory.getLogger(LogProducer.class);
    /** The shortest wait before the grace period is looked at again. */
    private static final Duration MIN_GRACE_RECHECK = Duration.ofMillis(100);

    private final String streamId;
    /** {@code <streamId>:}, which each event's id starts with. */
    private final String idPrefix;
    private final String path;
    private final RequestHead request;
    private final ResumableStreams owner;
    private final EventLog log;
    private final JsonMapper jsonMapper;
    private final RouteMetrics metrics;
    /** Set when the stream started: what is logged and counted of it. */
    private StreamRecord record;
    private final CountDownLatch created = new CountDownLatch(1);

    private final ReentrantLock lock = new ReentrantLock();
    private final CancelCallbacks cancelCallbacks = new CancelCallbacks();
    /** Events appended so far: the last event's seq. */
    private long seq;
    /** Bytes of events appended so far. */
    private long bytes;
    /** Comments and retry fields sent since the last event: they go out with the next one. */
    private StringBuilder pending;
    private boolean keepOpen;
    /** Null while running; then how it ended. */
    private String outcome;
    private boolean cancelled;
    private Thread producerThread;
    /** Connections attached to the stream on this server. */
    private int attached;
    private ScheduledFuture<?> graceTimer;
    /** The stream's time limit, cancelled when it ends before it. */
    private ScheduledFuture<?> timeLimit;
    /** Counts the grace timers set, so that one overtaken by an attach and a detach does nothing. */
    private long graceRound;

    LogProducer(String streamId, RequestHead request, ResumableStreams owner, JsonMapper jsonMapper,
            RouteMetrics metrics) {
        this.streamId = streamId;
        this.request = request;
        this.path = request.path();
        this.idPrefix = streamId + ":";
        this.owner = owner;
        this.log = owner.log();
        this.jsonMapper = jsonMapper;
        this.metrics = metrics;
    }

    // ---- the start ----

    /** The log was asked to create the stream (whether or not it did): twins waiting on it may look. */
    void creationTried() {
        created.countDown();
    }

    /** Waits, until the deadline, for {@link #creationTried()}. */
    boolean awaitCreationTried(long timeoutMillis) throws InterruptedException {
        return created.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** The log holds the stream now: the stream has started, unless it was stopped already. */
    void started() {
        lock.lock();
        try {
            if (outcome == null) {
                record = StreamRecord.start(streamId, request.method(), path, true, metrics);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- the emitter ----

    @Override
    public void send(OutboundEvent event) {
        if (event.id() != null) {
            throw new IllegalArgumentException("A resumable stream numbers its events itself (<stream>:<seq>), "
                    + "so that a client can resume from any of them: send the event without an id (not \""
                    + event.id() + "\").");
        }
        Object data = event.data();
        String text = SseStream.dataText(jsonMapper, data);
        String type = event.type();
        StreamCapacityException full;
        StreamClosedException stopped = null;
        lock.lock();
        try {
            requireOpen();
            long next = seq + 1;
            if (next > owner.settings().maxEventsPerStream()) {
                full = new StreamCapacityException("The stream " + streamId + " reached its limit of "
                        + owner.settings().maxEventsPerStream() + " events (maxEventsPerStream).");
            } else {
                StringBuilder frame = pending != null ? pending
                        : new StringBuilder(text.length() + idPrefix.length() + (type == null ? 0 : type.length()) + 40);
                EventEncoder.appendEvent(frame, type, idPrefix + next, text);
                byte[] encoded = frame.toString().getBytes(StandardCharsets.UTF_8);
                if (bytes + encoded.length > owner.settings().maxBytesPerStream()) {
                    full = new StreamCapacityException("The stream " + streamId + " reached its limit of "
                            + owner.settings().maxBytesPerStream() + " bytes of events (maxBytesPerStream).");
                } else {
                    try {
                        log.append(streamId, next, encoded);
                        seq = next;
                        bytes += encoded.length;
                        pending = null;
                        record.eventSent(seq);
                        return;
                    } catch (StreamCapacityException e) {
                        full = e;
                    } catch (StreamClosedException e) {
                        full = null;
                        stopped = e; // through another server, whose message did not reach this one
                    }
                }
            }
            if (full != null) {
                finish(StreamEnd.failed(full.getMessage()), EventLog.FAILED, 500,
                        "The stream was stopped: it grew past what the server keeps of one stream.");
            }
        } finally {
            lock.unlock();
        }
        if (full != null) {
            throw full;
        }
        cancel("stopped by its client, through another server");
        throw stopped;
    }

    @Override
    public void retry(Duration delay) {
        addPending(EventEncoder.retry(delay.toMillis()));
    }

    @Override
    public void comment(String text) {
        addPending(EventEncoder.comment(text));
    }

    private void addPending(String frame) {
        lock.lock();
        try {
            requireOpen();
            if (pending == null) {
                pending = new StringBuilder();
            }
            if (bytes + pending.length() + frame.length() > owner.settings().maxBytesPerStream()) {
                // Counted in chars: as many bytes or fewer, so never refused wrongly for the next event.
                throw new StreamCapacityException("The stream " + streamId + " holds more comments than its limit of "
                        + owner.settings().maxBytesPerStream() + " bytes (maxBytesPerStream).");
            }
            pending.append(frame);
        } finally {
            lock.unlock();
        }
    }

    private void requireOpen() {
        if (outcome != null) {
            throw new StreamClosedException(cancelled ? "the stream was cancelled" : "the stream has ended (" + outcome + ")");
        }
    }

    @Override
    public EventEmitter keepOpen() {
        lock.lock();
        try {
            keepOpen = true;
        } finally {
            lock.unlock();
        }
        return this;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            finish(StreamEnd.COMPLETED, EventLog.COMPLETED, 0, null);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void fail(int status, String detail) {
        lock.lock();
        try {
            requireOpen();
            finish(StreamEnd.producerFailed(status, detail), EventLog.FAILED, status, detail);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isOpen() {
        lock.lock();
        try {
            return outcome == null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onCancel(Runnable callback) {
        boolean kept;
        lock.lock();
        try {
            kept = cancelCallbacks.add(callback);
        } finally {
            lock.unlock();
        }
        if (!kept) {
            callback.run();
        }
    }

    @Override
    public String streamId() {
        return streamId;
    }

    @Override
    public RequestHead request() {
        return request;
    }

    /** Always "": the producer runs once, for the request that started the stream; attaching never runs it. */
    @Override
    public String lastEventId() {
        return "";
    }

    // ---- the producer ----

    /** Runs the producer on the calling thread, and ends the stream when it returns, unless kept open. */
    <T> void runProducer(EventProducer<T> producer, T request) {
        lock.lock();
        try {
            if (outcome != null) {
                return;
            }
            producerThread = Thread.currentThread();
        } finally {
            lock.unlock();
        }
        try {
            producer.produce(request, this);
            lock.lock();
            try {
                if (!keepOpen) {
                    finish(StreamEnd.COMPLETED, EventLog.COMPLETED, 0, null);
                }
            } finally {
                lock.unlock();
            }
        } catch (Throwable failure) {
            lock.lock();
            try {
                if (outcome == null) {
                    // Its stack trace goes with the end line.
                    finish(StreamEnd.producerThrew(failure), EventLog.FAILED, 500, "The stream failed on the server.");
                } else if (!cancelled && !(failure instanceof StreamClosedException)
                        && !(failure instanceof StreamCapacityException)) {
                    LOG.warn("Stream {}: the producer failed after the stream ended", streamId, failure);
                }
            } finally {
                lock.unlock();
            }
        } finally {
            lock.lock();
            try {
                producerThread = null;
                // A cancellation's interrupt must not leak to the next task on a pooled thread.
                Thread.interrupted();
            } finally {
                lock.unlock();
            }
        }
    }

    /** The producer could not be run at all. */
    void notRun() {
        lock.lock();
        try {
            finish(StreamEnd.cancelled(StreamEnd.producerNotRun()), EventLog.CANCELLED, 0, null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the stream, once: in the log {@code how} (an outcome of {@link EventLog}), after an
     * {@code error} event when {@code problemDetail} is not null; in the end line and the meters
     * {@code end}. Holding the lock.
     */
    private void finish(StreamEnd end, String how, int problemStatus, String problemDetail) {
        if (outcome != null) {
            return;
        }
        outcome = how;
        pending = null;
        long events = seq; // the producer's, without the error event
        if (problemDetail != null) {
            String problem = Problems.json(jsonMapper, Problems.problem(problemStatus, problemDetail));
            byte[] error = EventEncoder.event("error", idPrefix + (seq + 1), problem).getBytes(StandardCharsets.UTF_8);
            try {
                log.appendError(streamId, seq + 1, error); // past the limits: it ends the stream
                seq++;
            } catch (RuntimeException e) {
                LOG.warn("Stream {}: the event log took no error event ({}); the stream ends without it",
                        streamId, e.getMessage());
            }
        }
        try {
            log.end(streamId, how, owner.settings().retention());
        } catch (RuntimeException e) {
            LOG.warn("Stream {}: the event log could not end the stream", streamId, e);
        }
        if (graceTimer != null) {
            graceTimer.cancel(false);
            graceTimer = null;
        }
        if (timeLimit != null) {
            timeLimit.cancel(false);
            timeLimit = null;
        }
        owner.ended(this);
        if (record != null) { // else stopped before it started, by a client through another server
            record.ended(end, events);
        }
    }

    // ---- cancellation ----

    /**
     * Stops the stream at once: the producer is interrupted and its sends fail, the cancel
     * callbacks run, and the log ends {@code cancelled}, so that attached readers get the end.
     */
    void cancel(String why) {
        stop(EventLog.CANCELLED, null, StreamEnd.cancelled(why));
    }

    /**
     * Stops the producer — interrupted, its sends failing, the cancel callbacks run — and ends the
     * stream {@code how}, after an {@code error} event when {@code problemDetail} is not null.
     */
    private void stop(String how, String problemDetail, StreamEnd end) {
        List<Runnable> callbacks;
        lock.lock();
        try {
            if (outcome != null) {
                return;
            }
            cancelled = true; // the producer's failures from now on are not its own
            callbacks = cancelCallbacks.take();
            if (producerThread != null && producerThread != Thread.currentThread()) {
                producerThread.interrupt();
            }
            finish(end, how, 500, problemDetail);
        } finally {
            lock.unlock();
        }
        CancelCallbacks.run(callbacks, streamId);
    }

    /** Sets the timer of the stream's time limit, which {@link #stopAtTimeLimit} when it fires first. */
    void limitTime(ScheduledFuture<?> timer) {
        lock.lock();
        try {
            if (outcome != null) {
                timer.cancel(false);
            } else {
                timeLimit = timer;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The stream reached its time limit: the producer is stopped as by a cancellation, and the
     * stream ends {@value EventLog#FAILED} in the log, with an {@code error} event of the
     * {@code detail}, and {@code end} in its end line.
     */
    void stopAtTimeLimit(String detail, StreamEnd end) {
        stop(EventLog.FAILED, detail, end);
    }

    /** A connection attached to the stream on this server: no grace count while one is. */
    void attached() {
        lock.lock();
        try {
            attached++;
            if (graceTimer != null) {
                graceTimer.cancel(false);
                graceTimer = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /** A connection left: the last one to leave a running stream starts the grace count. */
    void detached() {
        lock.lock();
        try {
            attached--;
            if (attached == 0 && outcome == null && graceTimer == null) {
                long round = ++graceRound;
                graceTimer = owner.schedule(() -> graceOver(round), owner.settings().resumeGrace());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The grace period after the last connection here left is over: cancels the stream, unless a
     * connection attached since, or clients read it through other servers sharing the log (then
     * the grace counts from when the last of them left).
     */
    private void graceOver(long round) {
        lock.lock();
        try {
            if (attached > 0 || outcome != null || round != graceRound) {
                return;
            }
        } finally {
            lock.unlock();
        }
        Duration grace = owner.settings().resumeGrace();
        Duration elsewhere;
        try {
            elsewhere = log.withoutRemoteReaders(streamId);
        } catch (RuntimeException e) {
            LOG.debug("Stream {}: could not learn whether other servers have readers: {}", streamId, e.toString());
            elsewhere = null;
        }
        lock.lock();
        try {
            if (attached > 0 || outcome != null || round != graceRound) {
                return;
            }
            if (elsewhere != null && elsewhere.compareTo(grace) < 0) {
                // Read elsewhere until a moment ago: look again once the grace since then is over.
                Duration wait = grace.minus(elsewhere);
                long next = ++graceRound;
                graceTimer = owner.schedule(() -> graceOver(next), wait.compareTo(MIN_GRACE_RECHECK) < 0 ? MIN_GRACE_RECHECK : wait);
                return;
            }
            graceTimer = null;
        } finally {
            lock.unlock();
        }
        cancel("no client attached for " + StreamEnd.text(grace) + " (resumeGrace)");
    }
}
