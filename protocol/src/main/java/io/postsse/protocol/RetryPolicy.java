package io.postsse.protocol;

/**
 * How long a client waits before reconnecting, when the server gave no {@code Retry-After}.
 * Both clients use {@link #exponentialWithJitter()} unless told otherwise.
 */
@FunctionalInterface
public interface RetryPolicy {
    /**
     * @param failuresInARow 1 for the first failure since the last event, 2 for the next, …
     * @param baseMillis the server's {@code retry:} when it sent one, else the client's first delay
     * @param maxMillis the client's longest delay
     * @return the wait in milliseconds, not negative
     */
    int delayMillis(int failuresInARow, int baseMillis, int maxMillis);

    /**
     * The base doubled for each failure in a row after the first, at most the maximum, plus up to
     * a quarter more at random: many clients cut at once do not return at once, and none returns
     * sooner than the server asked.
     */
    static RetryPolicy exponentialWithJitter() {
        return (failures, base, max) -> exponential(failures, base, max, Math.random());
    }

    /** {@link #exponentialWithJitter()} with the random number given, in [0, 1). */
    static int exponential(int failuresInARow, int baseMillis, int maxMillis, double random) {
        double delay = baseMillis;
        for (int i = 1; i < failuresInARow && delay < maxMillis; i++) {
            delay *= 2;
        }
        delay = Math.min(delay, maxMillis);
        delay += Math.floor(random * delay / 4);
        return delay >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) delay;
    }
}
