package io.postsse.server.internal;

import io.javalin.json.JsonMapper;
import io.postsse.server.EventLog;
import io.postsse.server.RequestHead;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resumable streams of one install: their event log, the producers running on this server,
 * the connections attached to streams, and one daemon thread for the timers (grace periods, the
 * send-timeout watch of attached writers, the sweep of expired logs), and threads for their slower work.
 */
public final class ResumableStreams {
    /** The resumable settings of one install. */
    public record Settings(Duration resumeGrace, Duration retention, int maxEventsPerStream, long maxBytesPerStream,
            long maxLogBytes, EventLog eventLog, Duration heartbeat, Duration sendTimeout) {
    }

    /** A resume point: {@code <stream>:<seq>}, as in a {@code Last-Event-ID}. */
    record ResumePoint(String streamId, long seq) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(ResumableStreams.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long TWIN_WAIT_MILLIS = 10_000;

    private final Settings settings;
    private final EventLog log;
    private final InMemoryEventLog memoryLog;
    private final ScheduledThreadPoolExecutor timers;
    private final ExecutorService tasks;
    private final ConcurrentHashMap<String, LogProducer> running = new ConcurrentHashMap<>();
    private final Set<LogAttachment> attachments = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    public ResumableStreams(Settings settings) {
        requireNotNegative("resumeGrace", settings.resumeGrace());
        requireNotNegative("retention", settings.retention());
        if (settings.maxEventsPerStream() <= 0 || settings.maxBytesPerStream() <= 0) {
            throw new IllegalArgumentException("maxEventsPerStream and maxBytesPerStream must be positive, not "
                    + settings.maxEventsPerStream() + " and " + settings.maxBytesPerStream());
        }
        if (settings.eventLog() == null && settings.maxLogBytes() <= 0) {
            throw new IllegalArgumentException("maxLogBytes must be positive, not " + settings.maxLogBytes());
        }
        this.settings = settings;
        // The timers' slower work, such as a grace period's cancellation with the application's
        // cancel callbacks, runs here: the timers' one thread stays on time, and a saturated
        // producer pool cannot hold back the cancellations that would free it.
        AtomicInteger taskThreads = new AtomicInteger();
        this.tasks = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "postsse-resumable-task-" + taskThreads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.memoryLog = settings.eventLog() == null ? new InMemoryEventLog(settings.maxLogBytes()) : null;
        this.log = settings.eventLog() != null ? settings.eventLog() : memoryLog;
        // A client stopped, through another server, a stream whose producer runs here.
        log.onStopRequest(streamId -> {
            LogProducer producer = running.get(streamId);
            if (producer != null) {
                producer.cancel("stopped by its client, through another server");
            }
        });
        LOG.info("Resumable streams keep their logs {}", memoryLog != null
                ? "in this server's memory (maxLogBytes " + settings.maxLogBytes() + ")" : "in " + log);
        this.timers = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "postsse-resumable-timers");
            thread.setDaemon(true);
            return thread;
        });
        timers.setRemoveOnCancelPolicy(true);
        long sendTimeout = settings.sendTimeout().toNanos();
        long watchEvery = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(sendTimeout / 4, TimeUnit.SECONDS.toNanos(1)));
        timers.scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            for (LogAttachment attachment : attachments) {
                attachment.checkWrite(now, sendTimeout);
            }
        }, watchEvery, watchEvery, TimeUnit.NANOSECONDS);
        if (memoryLog != null) {
            long sweepEvery = Math.max(1000, Math.min(settings.retention().toMillis() / 2, 60_000));
            timers.scheduleWithFixedDelay(memoryLog::sweep, sweepEvery, sweepEvery, TimeUnit.MILLISECONDS);
        }
    }

    private static void requireNotNegative(String name, Duration duration) {
        if (duration == null || duration.isNegative()) {
            throw new IllegalArgumentException(name + " must be a duration of zero or more, not " + duration);
        }
    }

    Settings settings() {
        return settings;
    }

    EventLog log() {
        return log;
    }

    boolean isStopping() {
        return stopping;
    }

    // ---- ids ----

    /** Whether the text is a stream id: 22 to 64 characters of {@code A-Z a-z 0-9 _ -}. */
    static boolean isValidId(String id) {
        if (id == null || id.length() < 22 || id.length() > 64) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** A fresh stream id: 128 random bits, base64url without padding (22 characters). */
    static String newId() {
        byte[] bits = new byte[16];
        RANDOM.nextBytes(bits);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }

    /** The resume point a {@code Last-Event-ID} names, or null when it names none. */
    static ResumePoint parseResumePoint(String lastEventId) {
        int colon = lastEventId.lastIndexOf(':');
        if (colon < 0 || !isValidId(lastEventId.substring(0, colon))) {
            return null;
        }
        String seq = lastEventId.substring(colon + 1);
        if (seq.isEmpty() || seq.length() > 18) {
            return null;
        }
        for (int i = 0; i < seq.length(); i++) {
            if (seq.charAt(i) < '0' || seq.charAt(i) > '9') {
                return null;
            }
        }
        return new ResumePoint(lastEventId.substring(0, colon), Long.parseLong(seq));
    }

    // ---- streams ----

    /** The event log failed: its store is out of reach. Thrown by the calls a request makes before its stream's head. */
    static final class LogUnavailable extends RuntimeException {
        LogUnavailable(RuntimeException cause) {
            super(String.valueOf(cause.getMessage()), cause);
        }
    }

    /** Whether the log holds the stream, running or ended (not a tombstone). */
    boolean holds(String streamId) {
        return holds(streamId, 0) == Held.YES;
    }

    /** Whether the log holds the stream, and its events up to {@code seq}. */
    enum Held { YES, NO, NOT_THAT_FAR }

    /** Whether the log holds the stream, and its events up to {@code seq}, as a reader resuming after it claims. */
    Held holds(String streamId, long seq) {
        try {
            return log.read(streamId, seq, 0) != null ? Held.YES : Held.NO;
        } catch (IllegalArgumentException e) {
            return Held.NOT_THAT_FAR;
        } catch (RuntimeException e) {
            throw new LogUnavailable(e);
        }
    }

    /**
     * Creates the stream in the log, with its producer registered here; null when it could not be:
     * the log holds it already, or a twin request is starting it (waited for), or it was stopped.
     */
    LogProducer start(String streamId, RequestHead request, JsonMapper jsonMapper, RouteMetrics metrics)
            throws InterruptedException {
        LogProducer producer = new LogProducer(streamId, request, this, jsonMapper, metrics);
        LogProducer twin = running.putIfAbsent(streamId, producer);
        if (twin != null) {
            // The same request, sent twice at once: the second attaches to what the first starts.
            if (!twin.awaitCreationTried(TWIN_WAIT_MILLIS)) {
                LOG.warn("Stream {}: a twin request did not create it within {} ms", streamId, TWIN_WAIT_MILLIS);
            }
            return null;
        }
        boolean created = false;
        try {
            created = log.create(streamId, settings.retention());
        } catch (RuntimeException e) {
            throw new LogUnavailable(e);
        } finally {
            if (!created) {
                running.remove(streamId, producer);
            }
            producer.creationTried();
        }
        if (!created) {
            return null;
        }
        producer.started();
        return producer;
    }

    /** The producer of the stream, when it runs on this server. */
    LogProducer running(String streamId) {
        return running.get(streamId);
    }

    /** Called once by a producer whose stream ended. */
    void ended(LogProducer producer) {
        running.remove(producer.streamId(), producer);
    }

    /**
     * Stops a stream: cancels its producer when it runs here, or asks the server that runs it
     * through the log; a stream the log does not hold gets a tombstone, so that it never starts.
     * Throws {@link LogUnavailable} when the log failed.
     */
    void stop(String streamId) {
        boolean tombstone;
        try {
            tombstone = log.tombstone(streamId, settings.retention());
        } catch (RuntimeException e) {
            LogProducer producer = running.get(streamId);
            if (producer != null) { // stopped all the same, though its end may not reach the log
                producer.cancel("stopped by its client");
            }
            throw new LogUnavailable(e);
        }
        if (tombstone) {
            LOG.info("Stream {} stopped before it started", streamId);
            return;
        }
        LogProducer producer = running.get(streamId);
        if (producer != null) {
            producer.cancel("stopped by its client");
            return;
        }
        try {
            log.requestStop(streamId);
        } catch (RuntimeException e) {
            throw new LogUnavailable(e);
        }
    }

    /** Runs the task after the delay, off the timers' thread. */
    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        Runnable guarded = () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("A resumable stream's timer failed", e);
            }
        };
        return timers.schedule(() -> {
            try {
                tasks.execute(guarded);
            } catch (RejectedExecutionException e) { // the server is stopping
                guarded.run();
            }
        }, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    }

    void attached(LogAttachment attachment) {
        attachments.add(attachment);
    }

    void detached(LogAttachment attachment) {
        attachments.remove(attachment);
    }

    // ---- the server's stop ----

    /**
     * The server is stopping: breaks every attachment (no end marker: a cut, which clients resume
     * elsewhere or later), then cancels every producer. Waits, a second at most, for the
     * attachments' writers to be done.
     */
    public void stop() {
        stopping = true;
        List<LogAttachment> open = new ArrayList<>(attachments);
        for (LogAttachment attachment : open) {
            attachment.breakOff(LogAttachment.End.SERVER_STOPPING);
        }
        for (LogProducer producer : new ArrayList<>(running.values())) {
            producer.cancel("the server is stopping");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        try {
            for (LogAttachment attachment : open) {
                if (!attachment.awaitWriter(deadline)) {
                    LOG.debug("Stream {}: an attachment was not broken within a second of the stop", attachment.streamId());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The server has stopped: the timers stop. */
    public void close() {
        timers.shutdownNow();
        tasks.shutdown();
    }

    /** For the tests: the in-memory log, or null when the app brought its own. */
    InMemoryEventLog memoryLog() {
        return memoryLog;
    }
}
