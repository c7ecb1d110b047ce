package io.postsse.server.internal;

import java.time.Duration;

/**
 * How a stream ended, and why: what its end line says, and the outcome its meters count. The
 * cause is null for a stream that completed; {@code unexpected} is the exception of a failure
 * nobody planned, whose stack trace the end line carries.
 */
record StreamEnd(Outcome outcome, String cause, Throwable unexpected) {
    /** The outcomes of a stream, as its end line says them and as its meters tag them. */
    enum Outcome {
        COMPLETED("completed", "completed"),
        CANCELLED("cancelled", "cancelled"),
        FAILED("failed", "failed"),
        TIMED_OUT("timed out", "timed_out");

        /** In the end line. */
        final String label;
        /** The value of the meters' {@code outcome} tag. */
        final String tag;

        Outcome(String label, String tag) {
            this.label = label;
            this.tag = tag;
        }
    }

    /** The cause of a stream whose client closed the connection, or could no longer be written to. */
    static final String CLIENT_GONE = "the client went away";
    /** The cause of a stream ended by the server's stop. */
    static final String SERVER_STOPPING = "the server is stopping";

    static final StreamEnd COMPLETED = new StreamEnd(Outcome.COMPLETED, null, null);

    static StreamEnd cancelled(String cause) {
        return new StreamEnd(Outcome.CANCELLED, cause, null);
    }

    static StreamEnd failed(String cause) {
        return new StreamEnd(Outcome.FAILED, cause, null);
    }

    static StreamEnd timedOut(String cause) {
        return new StreamEnd(Outcome.TIMED_OUT, cause, null);
    }

    /** The producer threw: logged with its stack trace, once. */
    static StreamEnd producerThrew(Throwable failure) {
        return new StreamEnd(Outcome.FAILED, "the producer threw " + failure, failure);
    }

    /** The producer ended the stream with an {@code error} event of its own ({@code events.fail}). */
    static StreamEnd producerFailed(int status, String detail) {
        return failed("the producer ended it with " + status + ": " + detail);
    }

    /** The producer could not be run: the server is stopping. */
    static String producerNotRun() {
        return "the producer could not run: " + SERVER_STOPPING;
    }

    /** The stream reached {@code maxStreamDuration}. */
    static StreamEnd timeLimit(Duration limit) {
        return timedOut("maxStreamDuration (" + text(limit) + ") reached");
    }

    /** A duration as a person reads it: in the largest of h, min, s and ms that it is a whole number of. */
    static String text(Duration duration) {
        long millis = duration.toMillis();
        if (millis != 0 && millis % 3_600_000 == 0) {
            return millis / 3_600_000 + " h";
        }
        if (millis != 0 && millis % 60_000 == 0) {
            return millis / 60_000 + " min";
        }
        if (millis != 0 && millis % 1000 == 0) {
            return millis / 1000 + " s";
        }
        return millis + " ms";
    }
}
