package io.postsse.server;

import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How long after a client closes its connection a silent producer learns of it: the cancel
 * callback, and the interrupt of the producer's thread. Prints a Markdown table row.
 *
 * <p>Run by {@code bench/cancellation-latency.sh}; not a test.
 */
public final class CancellationLatencyBenchmark {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        AtomicReference<CountDownLatch> producing = new AtomicReference<>();
        AtomicReference<CountDownLatch> interrupted = new AtomicReference<>();
        AtomicLong callbackAt = new AtomicLong();
        AtomicLong interruptAt = new AtomicLong();
        double[] callbackMillis = new double[rounds];
        double[] interruptMillis = new double[rounds];
        try (TestServer server = TestServer.start(sse -> sse.post("/silent", Object.class, (request, events) -> {
            events.onCancel(() -> callbackAt.set(System.nanoTime()));
            producing.get().countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interruptAt.set(System.nanoTime());
                interrupted.get().countDown();
            }
        }))) {
            for (int round = -20; round < rounds; round++) { // 20 rounds of warm-up
                producing.set(new CountDownLatch(1));
                interrupted.set(new CountDownLatch(1));
                Socket socket = server.openRawPost("/silent", "{}", 0);
                TestServer.readUntil(socket, "\r\n\r\n");
                if (!producing.get().await(5, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the producer did not start");
                }
                long closedAt = System.nanoTime();
                socket.close();
                if (!interrupted.get().await(5, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the producer was not cancelled within 5 s");
                }
                if (round >= 0) {
                    callbackMillis[round] = (callbackAt.get() - closedAt) / 1e6;
                    interruptMillis[round] = (interruptAt.get() - closedAt) / 1e6;
                }
            }
        }
        System.out.println("| JDK " + Runtime.version().feature() + " | " + rounds + " | cancel callback | "
                + summary(callbackMillis) + " |");
        System.out.println("| JDK " + Runtime.version().feature() + " | " + rounds + " | producer interrupted | "
                + summary(interruptMillis) + " |");
    }

    private static String summary(double[] millis) {
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        return String.format("%.2f | %.2f | %.2f | %.2f", percentile(sorted, 50), percentile(sorted, 90),
                percentile(sorted, 99), sorted[sorted.length - 1]);
    }

    private static double percentile(double[] sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)];
    }
}
