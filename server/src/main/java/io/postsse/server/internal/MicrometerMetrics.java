package io.postsse.server.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The meters of one stream route in the app's Micrometer registry, tagged with the route's path.
 * Only {@code PostSse} names this class, and only when the app set a registry.
 */
public final class MicrometerMetrics implements RouteMetrics {
    private final MeterRegistry registry;
    private final Tags tags;
    /** Held here: the registry holds its gauge's state weakly. */
    private final AtomicInteger active = new AtomicInteger();
    private final Counter started;
    private final Map<StreamEnd.Outcome, Counter> ended = new EnumMap<>(StreamEnd.Outcome.class);
    private final Map<StreamEnd.Outcome, Timer> durations = new EnumMap<>(StreamEnd.Outcome.class);
    private final Timer firstEvent;
    private final Counter events;
    private final Counter bytes;
    private final Counter resumes;
    private final Counter stops;

    /** Registers the route's meters, every outcome's at zero, so that they are listed before anything happened. */
    public MicrometerMetrics(MeterRegistry registry, String route, boolean resumable) {
        this.registry = registry;
        this.tags = Tags.of("route", route);
        Gauge.builder("postsse.streams.active", active, AtomicInteger::get).tags(tags)
                .description("Streams started and not ended yet").register(registry);
        started = Counter.builder("postsse.streams.started").tags(tags)
                .description("Streams started: their producer ran").register(registry);
        for (StreamEnd.Outcome outcome : StreamEnd.Outcome.values()) {
            Tags outcomeTags = tags.and("outcome", outcome.tag);
            ended.put(outcome, Counter.builder("postsse.streams.ended").tags(outcomeTags)
                    .description("Streams ended, by outcome").register(registry));
            durations.put(outcome, Timer.builder("postsse.stream.duration").tags(outcomeTags)
                    .description("How long streams lasted, from their start to their end").register(registry));
        }
        firstEvent = Timer.builder("postsse.stream.first.event").tags(tags)
                .description("How long after its start a stream's producer sent its first event").register(registry);
        events = Counter.builder("postsse.sent.events").tags(tags)
                .description("Events the producers sent").register(registry);
        bytes = Counter.builder("postsse.sent.bytes").baseUnit("bytes").tags(tags)
                .description("Bytes of streams written to clients, heartbeats and replays included").register(registry);
        resumes = !resumable ? null : Counter.builder("postsse.stream.resumes").tags(tags)
                .description("Attaches to a resumable stream with Last-Event-ID").register(registry);
        stops = !resumable ? null : Counter.builder("postsse.stream.stops").tags(tags)
                .description("Stops of resumable streams asked by their clients (DELETE)").register(registry);
    }

    @Override
    public void started() {
        active.incrementAndGet();
        started.increment();
    }

    @Override
    public void ended(StreamEnd.Outcome outcome, long nanos) {
        active.decrementAndGet();
        ended.get(outcome).increment();
        durations.get(outcome).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void firstEvent(long nanos) {
        firstEvent.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void eventSent() {
        events.increment();
    }

    @Override
    public void bytesWritten(long count) {
        bytes.increment(count);
    }

    @Override
    public void resumed() {
        resumes.increment();
    }

    @Override
    public void stopped() {
        stops.increment();
    }

    @Override
    public void refused(int status) {
        // Looked up each time: refusals are rare, and their statuses few.
        Counter.builder("postsse.requests.refused").tags(tags).tag("status", Integer.toString(status))
                .description("Requests answered with a problem (4xx, 5xx) instead of a stream, by status")
                .register(registry).increment();
    }
}
