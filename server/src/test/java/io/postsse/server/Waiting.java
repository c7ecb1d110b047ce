package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for what the server does after the client has seen its answer, such as a stream's end line. */
final class Waiting {
    private static final long SECONDS = 10;

    private Waiting() {
    }

    /** Waits, 10 s at most, for the condition to hold; fails saying what, and what was seen. */
    static void until(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, () -> "within " + SECONDS + " s: " + what.get());
            Thread.sleep(5);
        }
    }
}
