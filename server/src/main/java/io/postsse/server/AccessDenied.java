package io.postsse.server;

/**
 * Thrown by an {@link AccessCheck} to refuse a request: the client gets a problem JSON with the
 * status and the detail, before any stream byte.
 */
public final class AccessDenied extends RuntimeException {
    private final int status;
    private final String challenge;

    private AccessDenied(int status, String detail, String challenge) {
        super(detail, null, false, false);
        this.status = status;
        this.challenge = challenge;
    }

    /**
     * 401: the request does not say who it is from, or not validly.
     *
     * @param challenge the {@code WWW-Authenticate} header's value, such as {@code Bearer}; null for none
     */
    public static AccessDenied unauthorized(String detail, String challenge) {
        return new AccessDenied(401, detail, challenge);
    }

    /** 403: the request is from someone who may not do this. */
    public static AccessDenied forbidden(String detail) {
        return new AccessDenied(403, detail, null);
    }

    /** 401 or 403. */
    public int status() {
        return status;
    }

    /** The {@code WWW-Authenticate} challenge of a 401, or null. */
    public String challenge() {
        return challenge;
    }
}
