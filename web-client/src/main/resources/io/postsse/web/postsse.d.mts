// Type declarations for postsse.mjs: Server-Sent Events over fetch (POST, headers, body).
// import {stream, resume} from "/postsse.mjs" (or from "postsse", the npm package). The build
// derives postsse.d.ts, the same declarations for postsse.js and its window.postsse, from this file.

export interface StreamEvent {
  /** "message" unless the server sent an `event:` field. */
  type: string;
  data: string;
  /** The last event ID in force; "" when none was set. */
  lastEventId: string;
}

export interface OpenInfo {
  status: number;
  headers: Headers;
}

export interface StreamError {
  /**
   * "network": the request failed or the body was cut short; "http_status": see status and detail;
   * "content_type": 2xx but not text/event-stream; "parser_limit": a line or event over the limit;
   * "handler_failed": one of your own callbacks threw (message names what it threw); "gone": 410, the
   * server no longer holds the stream being resumed (it ended too long ago, or never started): never
   * retried, and never started afresh.
   */
  kind: "network" | "http_status" | "content_type" | "parser_limit" | "handler_failed" | "gone";
  /** The HTTP status; 0 when no response arrived. */
  status: number;
  /** A problem JSON's title, "HTTP <status>", or a JS error's "Name: message" (e.g. "AbortError: ..."). */
  message: string;
  /** A problem JSON's detail, or an excerpt of the error body; may be "". */
  detail: string;
  /** True when a reconnect follows; false when the stream now closes as "failed". */
  retrying: boolean;
}

export interface CloseInfo {
  /**
   * "completed": the server ended the stream; "cancelled": close() was called, or the signal
   * aborted; "failed": onError said why.
   */
  reason: "completed" | "cancelled" | "failed";
}

export interface StreamOptions {
  /** Default "POST". */
  method?: string;
  /** A plain object, a Headers, or an array of [name, value] pairs. Accept: text/event-stream is always sent. */
  headers?: Record<string, string> | Headers | Array<[string, string]>;
  /** A string is sent as is, anything else as JSON; both as application/json unless a Content-Type header says otherwise. */
  body?: unknown;
  credentials?: "omit" | "same-origin" | "include";
  /**
   * Ends the stream as close() does when it aborts: onClose({reason: "cancelled"}). A signal
   * already aborted sends no request; onClose({reason: "cancelled"}) follows as soon as stream()
   * has returned. Anything else than an AbortSignal is a TypeError.
   */
  signal?: AbortSignal;
  /**
   * Sent as Last-Event-ID on the first request, so that the stream resumes after that event: a
   * resumable route attaches to the stream the ID names, a plain route's producer is handed it.
   * Reconnections send the last ID seen, as always.
   */
  lastEventId?: string;
  /**
   * Failures in a row to retry before failing (default 5; counted again from each event). Only a
   * network failure (refused, reset, or a body cut short), a 5xx or a 429 is retried.
   */
  maxRetries?: number;
  /** First backoff delay when the server sent no `retry:` (default 1000 ms); doubles, with jitter. */
  initialRetryMillis?: number;
  /** Longest backoff delay (default 30000 ms). */
  maxRetryMillis?: number;
  /**
   * Keeps where the stream can be resumed from in sessionStorage (key "postsse:" + this), so that
   * resume(this) can take it up after a reload of the page: its URL, id and last event ID, kept
   * from the moment the request is sent and updated after each event's callbacks ran, never its
   * headers or body; removed when the stream closes, whatever the reason. One stream per key.
   */
  persist?: string;
  onOpen?: (info: OpenInfo) => void;
  /** Every event. */
  onEvent?: (event: StreamEvent) => void;
  /** Handlers per event type, called before onEvent. */
  on?: Record<string, (event: StreamEvent) => void>;
  onError?: (error: StreamError) => void;
  /** Called exactly once, last. A callback of yours that throws ends the stream: onError({kind: "handler_failed"}), then onClose("failed"). */
  onClose?: (info: CloseInfo) => void;
}

export interface StreamHandle {
  /**
   * Aborts the request; onClose({reason: "cancelled"}) follows once unless the stream had ended. A
   * stream the server may still be running (a resumable one) is also stopped there: a DELETE of
   * its URL names it, without waiting for the answer.
   */
  close(): void;
}

/** What resume takes: the stream's method, body, persist key and last event ID are the persisted stream's. */
export type ResumeOptions = Omit<StreamOptions, "method" | "body" | "persist" | "lastEventId">;

/**
 * Sends the request and reads the stream; every request names it in a Postsse-Stream header.
 * Throws the browser's TypeError, sending nothing, when it refuses the request (a malformed URL,
 * method or header, an unknown credentials mode, a GET with a body).
 */
export function stream(url: string | URL, options?: StreamOptions): StreamHandle;

/**
 * Takes up the stream persisted under the key (see StreamOptions.persist) where the page left it:
 * a GET of its URL that attaches to the same stream on the server, from the last event whose
 * callbacks ran, so that every event reaches the page once; it stays persisted under the key. Pass
 * the headers (such as Authorization: never persisted), credentials mode and callbacks again. Null
 * when nothing is persisted under the key: no such stream was running, or it closed. A stream the
 * server no longer holds fails with the error kind "gone".
 */
export function resume(key: string, options?: ResumeOptions): StreamHandle | null;
