package io.postsse.server;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Whether a thread of this JVM keeps a processor busy, as one does that goes on handling a request
 * its client left. Measured by the threads' processor time, so that it holds whatever the server
 * logs, and on JDK 25 too, where a virtual thread's time is its carrier's.
 */
final class BusyThreads {
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** What the threads may use in a window and still be quiet: a tenth of one processor. */
    private static final long BUDGET_NANOS = WINDOW_NANOS / 10;
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private BusyThreads() {
    }

    /**
     * Waits, 10 s at most, for a second in which the threads of the JVM, but the caller, use less
     * than a tenth of a processor in all; fails naming the busiest thread of the last second.
     */
    static void awaitQuiet() throws InterruptedException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isThreadCpuTimeSupported()) {
            fail("this JVM cannot measure the processor time of its threads");
        }
        threads.setThreadCpuTimeEnabled(true);
        long self = Thread.currentThread().getId();
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        long windowStart = System.nanoTime();
        Map<Long, Long> atStart = cpuTimes(threads, self);
        while (true) {
            Thread.sleep(20); // the pace of the samples
            long now = System.nanoTime();
            Map<Long, Long> current = cpuTimes(threads, self);
            long used = 0;
            long busiestTime = -1;
            long busiest = -1;
            for (Map.Entry<Long, Long> thread : current.entrySet()) {
                long time = thread.getValue() - atStart.getOrDefault(thread.getKey(), 0L);
                used += time;
                if (time > busiestTime) {
                    busiestTime = time;
                    busiest = thread.getKey();
                }
            }
            if (used > BUDGET_NANOS) {
                if (now > deadline) {
                    var info = threads.getThreadInfo(busiest);
                    fail("no quiet second in " + TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NANOS) + " s: the threads used "
                            + TimeUnit.NANOSECONDS.toMillis(used) + " ms of processor time in the last "
                            + TimeUnit.NANOSECONDS.toMillis(now - windowStart) + " ms, the busiest, "
                            + (info == null ? "#" + busiest : info.getThreadName()) + ", "
                            + TimeUnit.NANOSECONDS.toMillis(busiestTime) + " ms");
                }
                windowStart = now;
                atStart = current;
            } else if (now - windowStart >= WINDOW_NANOS) {
                return;
            }
        }
    }

    /** The processor time of each live thread but one, by id. */
    private static Map<Long, Long> cpuTimes(ThreadMXBean threads, long except) {
        Map<Long, Long> times = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            long time = threads.getThreadCpuTime(id);
            if (id != except && time >= 0) {
                times.put(id, time);
            }
        }
        return times;
    }
}
