package io.postsse.client.cli;

import io.postsse.client.EventStreamCall;
import io.postsse.client.EventStreamClient;
import io.postsse.client.EventStreamException;
import io.postsse.client.EventStreamListener;
import io.postsse.client.EventStreamRequest;
import io.postsse.client.internal.JsonText;
import io.postsse.protocol.CloseReason;
import io.postsse.protocol.EventHandler;
import io.postsse.protocol.EventStreamDecoder;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.protocol.StreamLimitException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code postsse-cli}: streams a POST SSE response, or parses a captured stream, printing each
 * event as one line of JSON. Every error it prints is one line on standard error,
 * {@code postsse-cli: <message>}.
 */
public final class PostsseCli {
    /** Long enough for a slow network, short enough that a host that never answers is given up on. */
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Four of a postsse server's default heartbeats (15 s): only a dead connection is that quiet. */
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    static final String USAGE = String.join("\n",
            "usage: postsse-cli post URL [--json BODY] [OPTION]...",
            "       postsse-cli get URL [OPTION]...",
            "       postsse-cli parse < captured-stream",
            "       postsse-cli --version | --help",
            "",
            "post   sends a POST (with the JSON body, if given) and prints each event as it arrives",
            "get    the same with a GET; with --last-event-id <stream>:<seq>, resumes a resumable stream",
            "parse  reads a raw text/event-stream from standard input and prints its events,",
            "       then {\"end\":true,\"lastEventId\":...,\"retry\":...}",
            "Each event is printed as {\"type\":...,\"data\":...,\"lastEventId\":...}.",
            "",
            "Options of post and get:",
            "  -H, --header 'Name: value'  adds a header; give it again for more",
            "  --last-event-id ID          starts after this event, sent as Last-Event-ID",
            "  --max-retries N             sends a broken stream again up to N times in a row (default 5,",
            "                              0: never); a resumable stream is resumed, never run again,",
            "                              and Ctrl-C stops it on the server",
            "  --retry-delay-ms MS         the first wait before reconnecting, unless the server named",
            "                              one (default 1000)",
            "  --connect-timeout SECONDS   the longest wait, on each connection, from sending the request",
            "                              to the response's head (default 10)",
            "  --idle-timeout SECONDS      the longest silence on an open stream before it is taken for",
            "                              dead and reconnected (default 60: a postsse server sends a",
            "                              heartbeat every 15 s by default, so a live stream is never",
            "                              that quiet)",
            "  SECONDS is a whole or decimal number, such as 5 or 0.5; 0 turns the timeout off.",
            "",
            "Errors are printed to standard error, one line each: postsse-cli: <message>.",
            "Exit: 0 when the stream ended normally, 1 when it failed or carried an error event,",
            "2 for bad usage.");

    /** Bad usage: its message is printed with the usage, and the exit code is 2. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private PostsseCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs the command; returns the exit code: 0 done, 1 failed, 2 bad usage. */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0) {
                throw new UsageException("no command given");
            }
            switch (args[0]) {
                case "post":
                case "get":
                    return stream(request(args), out, err);
                case "parse":
                    noMoreArguments(args);
                    return parse(in, out, err);
                case "-h":
                case "--help":
                case "help":
                    out.println(USAGE);
                    return 0;
                case "--version":
                    noMoreArguments(args);
                    out.println("postsse-cli " + version());
                    return 0;
                default:
                    throw new UsageException("unknown command: " + args[0]);
            }
        } catch (UsageException e) {
            error(err, e.getMessage());
            err.println(USAGE);
            return 2;
        }
    }

    /** Prints an error as the CLI prints them all: one line, {@code postsse-cli: <message>}. */
    static void error(PrintStream err, String message) {
        err.println("postsse-cli: " + oneLine(message));
        err.flush();
    }

    /** The text on one line: its line breaks, tabs and other control characters as spaces. */
    private static String oneLine(String text) {
        StringBuilder line = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            line.append(Character.isISOControl(c) ? ' ' : c);
        }
        return line.toString().trim();
    }

    private static void noMoreArguments(String[] args) throws UsageException {
        if (args.length != 1) {
            throw new UsageException(args[0] + " takes no arguments");
        }
    }

    /** The project's version, written into the CLI's resources when it is built. */
    static String version() {
        try (InputStream in = PostsseCli.class.getResourceAsStream("postsse-cli.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String version = properties.getProperty("version", "");
                if (!version.isEmpty() && !version.startsWith("${")) {
                    return version;
                }
            }
        } catch (IOException e) {
            // reported as unknown below
        }
        return "(version unknown)";
    }

    /** The request that {@code post} or {@code get} arguments describe, with the CLI's defaults. */
    static EventStreamRequest request(String[] args) throws UsageException {
        String command = args[0];
        if (args.length < 2 || args[1].startsWith("-")) {
            throw new UsageException(command + " needs a URL");
        }
        EventStreamRequest request;
        try {
            URI uri = URI.create(args[1]);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                throw new UsageException("not an http(s) URL: " + args[1]);
            }
            request = command.equals("get") ? EventStreamRequest.of("GET", uri) : EventStreamRequest.post(uri);
        } catch (IllegalArgumentException e) {
            throw new UsageException("not a URL: " + args[1]);
        }
        request = request.connectTimeout(DEFAULT_CONNECT_TIMEOUT).idleTimeout(DEFAULT_IDLE_TIMEOUT);
        for (int i = 2; i < args.length; i++) {
            String option = args[i];
            if (!option.startsWith("-")) {
                throw new UsageException("unexpected argument: " + option);
            }
            if (i + 1 >= args.length) {
                throw new UsageException(option + " needs a value");
            }
            String value = args[++i];
            switch (option) {
                case "--json" -> {
                    if (!command.equals("post")) {
                        throw new UsageException("get sends no body: --json is for post");
                    }
                    request = request.jsonBody(value);
                }
                case "--max-retries" -> request = request.maxRetries((int) wholeNumber(option, value, Integer.MAX_VALUE));
                case "--retry-delay-ms" -> request = request.retryDelay(Duration.ofMillis(wholeNumber(option, value, Long.MAX_VALUE)));
                case "--connect-timeout" -> request = request.connectTimeout(seconds(option, value));
                case "--idle-timeout" -> request = request.idleTimeout(seconds(option, value));
                case "--last-event-id" -> request = request.lastEventId(value);
                case "-H", "--header" -> {
                    int colon = value.indexOf(':');
                    if (colon <= 0) {
                        throw new UsageException("a header is 'Name: value', not: " + value);
                    }
                    request = request.header(value.substring(0, colon).trim(), value.substring(colon + 1).trim());
                }
                default -> throw new UsageException("unknown option: " + option);
            }
        }
        return request;
    }

    /** The value as a whole number, 0 or more and at most {@code max}. */
    private static long wholeNumber(String option, String value, long max) throws UsageException {
        if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')
                || Long.parseLong(value) > max) {
            throw new UsageException(option + " takes a whole number, 0 or more, not: " + value);
        }
        return Long.parseLong(value);
    }

    /** The value as seconds: a whole or decimal number, to the millisecond, such as 10 or 0.5. */
    private static Duration seconds(String option, String value) throws UsageException {
        if (!value.matches("[0-9]{1,9}(\\.[0-9]{1,3})?")) {
            throw new UsageException(option + " takes seconds, such as 10 or 0.5, not: " + value);
        }
        return Duration.ofMillis(new BigDecimal(value).movePointRight(3).longValueExact());
    }

    private static int stream(EventStreamRequest request, PrintStream out, PrintStream err) throws UsageException {
        AtomicReference<EventStreamException> failure = new AtomicReference<>();
        AtomicReference<ServerSentEvent> errorEvent = new AtomicReference<>();
        EventStreamListener listener = new EventStreamListener() {
            @Override
            public void onEvent(ServerSentEvent event) {
                out.println(eventLine(event));
                out.flush();
                if (event.type().equals("error")) {
                    errorEvent.compareAndSet(null, event); // the server's word that the stream failed
                }
            }

            @Override
            public void onError(EventStreamException error) {
                if (error.retrying()) {
                    error(err, describe(error) + "; reconnecting");
                } else {
                    failure.set(error);
                }
            }

            @Override
            public void onClosed(CloseReason reason) {
                out.flush();
            }
        };
        EventStreamCall call;
        try {
            call = EventStreamClient.create().open(request, listener);
        } catch (IllegalArgumentException e) {
            // what java.net.http refuses to send, such as a Host header
            throw new UsageException("cannot send this request: " + e.getMessage());
        }
        // Ctrl-C stops the stream, on the server too when it is resumable, before the JVM exits.
        Thread stopOnExit = new Thread(() -> {
            error(err, "interrupted; stopping the stream");
            call.cancel();
            try {
                call.awaitClosed(Duration.ofSeconds(3));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "postsse-cli-stop");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try {
            while (!call.awaitClosed(Duration.ofHours(1))) {
                // streams may be long: keep waiting
            }
        } catch (InterruptedException e) {
            call.cancel();
            Thread.currentThread().interrupt();
            error(err, "interrupted; the stream was stopped");
            return 1;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException exiting) {
                // the JVM is already shutting down, and the hook is running
            }
        }
        EventStreamException error = failure.get();
        if (error != null) {
            error(err, describe(error));
            return 1;
        }
        if (errorEvent.get() != null) {
            error(err, "the stream ended with an error event" + problemOf(errorEvent.get().data()));
            return 1;
        }
        return 0;
    }

    private static String describe(EventStreamException error) {
        return error.getMessage() + (error.detail().isEmpty() ? "" : " \u2014 " + error.detail());
    }

    /** An error event's problem JSON, in words: {@code : <title> — <detail>}, as far as it has them. */
    private static String problemOf(String data) {
        String title = JsonText.stringField(data, "title");
        String detail = JsonText.stringField(data, "detail");
        if (title == null && detail == null) {
            return "";
        }
        return ": " + (title == null ? detail : detail == null ? title : title + " \u2014 " + detail);
    }

    private static int parse(InputStream in, PrintStream out, PrintStream err) {
        EventStreamDecoder parser = new EventStreamDecoder(new EventHandler() {
            @Override
            public void onEvent(ServerSentEvent event) {
                out.println(eventLine(event));
            }
        });
        byte[] buffer = new byte[8192];
        try {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                parser.feed(buffer, 0, read);
            }
            parser.end();
        } catch (IOException e) {
            out.flush();
            error(err, "could not read standard input" + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            return 1;
        } catch (StreamLimitException e) {
            out.flush();
            error(err, e.getMessage());
            return 1;
        }
        out.println("{\"end\":true,\"lastEventId\":" + JsonText.quote(parser.lastEventId()) + ",\"retry\":"
                + (parser.retryMillis() < 0 ? "null" : String.valueOf(parser.retryMillis())) + "}");
        out.flush();
        return 0;
    }

    static String eventLine(ServerSentEvent event) {
        return "{\"type\":" + JsonText.quote(event.type()) + ",\"data\":" + JsonText.quote(event.data())
                + ",\"lastEventId\":" + JsonText.quote(event.lastEventId()) + "}";
    }
}
