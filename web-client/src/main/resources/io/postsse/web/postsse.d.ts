// Type declarations for postsse.js: Server-Sent Events over fetch (POST, headers, body).
// Load with <script src="/postsse.js"></script>; it defines window.postsse.

declare namespace postsse {
  interface StreamEvent {
    /** "message" unless the server sent an `event:` field. */
    type: string;
    data: string;
    /** The last event ID in force; "" when none was set. */
    lastEventId: string;
  }

  interface OpenInfo {
    status: number;
    headers: Headers;
  }

  interface StreamError {
    /**
     * "network": the request failed or the body was cut short; "http_status": see status and detail;
     * "content_type": 2xx but not text/event-stream; "parser_limit": a line or event over the limit;
     * "handler_failed": one of your own callbacks threw (message names what it threw).
     */
    kind: "network" | "http_status" | "content_type" | "parser_limit" | "handler_failed";
    /** The HTTP status; 0 when no response arrived. */
    status: number;
    /** A problem JSON's title, "HTTP <status>", or a JS error's "Name: message" (e.g. "AbortError: ..."). */
    message: string;
    /** A problem JSON's detail, or an excerpt of the error body; may be "". */
    detail: string;
    /** True when a reconnect follows; false when the stream now closes as "failed". */
    retrying: boolean;
  }

  interface CloseInfo {
    /** "completed": the server ended the stream; "cancelled": close() was called; "failed": onError said why. */
    reason: "completed" | "cancelled" | "failed";
  }

  interface StreamOptions {
    /** Default "POST". */
    method?: string;
    /** A plain object, a Headers, or an array of [name, value] pairs. Accept: text/event-stream is always sent. */
    headers?: Record<string, string> | Headers | Array<[string, string]>;
    /** A string is sent as is, anything else as JSON; both as application/json unless a Content-Type header says otherwise. */
    body?: unknown;
    credentials?: "omit" | "same-origin" | "include";
    /**
     * Failures in a row to retry before failing (default 5; counted again from each event). Only a
     * network failure (refused, reset, or a body cut short), a 5xx or a 429 is retried.
     */
    maxRetries?: number;
    /** First backoff delay when the server sent no `retry:` (default 1000 ms); doubles, with jitter. */
    initialRetryMillis?: number;
    /** Longest backoff delay (default 30000 ms). */
    maxRetryMillis?: number;
    onOpen?: (info: OpenInfo) => void;
    /** Every event. */
    onEvent?: (event: StreamEvent) => void;
    /** Handlers per event type, called before onEvent. */
    on?: Record<string, (event: StreamEvent) => void>;
    onError?: (error: StreamError) => void;
    /** Called exactly once, last. A callback of yours that throws ends the stream: onError({kind: "handler_failed"}), then onClose("failed"). */
    onClose?: (info: CloseInfo) => void;
  }

  interface StreamHandle {
    /** Aborts the request; onClose({reason: "cancelled"}) follows once unless the stream had ended. */
    close(): void;
  }

  function stream(url: string, options?: StreamOptions): StreamHandle;
}

interface Window {
  postsse: typeof postsse;
}
