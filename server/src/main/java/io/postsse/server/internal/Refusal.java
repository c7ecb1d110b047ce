package io.postsse.server.internal;

import io.javalin.http.Context;

/**
 * A request refused before its stream started, with the problem its client gets: thrown through
 * the futures of a request's handling, and answered in one place.
 */
final class Refusal extends RuntimeException {
    final int status;
    /** Seconds for {@code Retry-After}, or 0 for none. */
    final int retryAfterSeconds;
    /** Whether the connection is closed after the answer: the request's body was not read to its end. */
    final boolean closeConnection;

    Refusal(int status, String detail, int retryAfterSeconds, boolean closeConnection) {
        super(detail, null, false, false);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
        this.closeConnection = closeConnection;
    }

    static Refusal busy(int status, String detail) {
        return new Refusal(status, detail, 1, false);
    }

    void respond(Context ctx) {
        if (retryAfterSeconds > 0) {
            ctx.header("Retry-After", Integer.toString(retryAfterSeconds));
        }
        if (closeConnection) {
            ctx.header("Connection", "close");
        }
        Problems.respond(ctx, status, getMessage());
    }
}
