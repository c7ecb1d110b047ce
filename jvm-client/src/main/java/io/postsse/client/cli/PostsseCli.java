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
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code postsse-cli}: streams a POST SSE response, or parses a captured stream, printing each
 * event as one line of JSON.
 */
public final class PostsseCli {
    static final String USAGE = String.join("\n",
            "usage: postsse-cli post URL [--json BODY] [-H 'Name: value']... [--max-retries N] [--retry-delay-ms MS]",
            "                        [--last-event-id ID]",
            "       postsse-cli get URL [-H 'Name: value']... [--last-event-id ID] [--max-retries N] [--retry-delay-ms MS]",
            "       postsse-cli parse < captured-stream",
            "",
            "post   sends a POST (with the JSON body, if given) and prints each event as it arrives;",
            "       a broken stream is sent again up to --max-retries times in a row (default 5, 0: never),",
            "       first after --retry-delay-ms (default 1000) unless the server named a delay;",
            "       a resumable stream is resumed, never run again, and Ctrl-C stops it on the server",
            "get    the same with a GET: with --last-event-id <stream>:<seq>, resumes a resumable stream",
            "parse  reads a raw text/event-stream from standard input and prints its events,",
            "       then {\"end\":true,\"lastEventId\":...,\"retry\":...}",
            "Each event is printed as {\"type\":...,\"data\":...,\"lastEventId\":...}.",
            "Exit: 0 when the stream ended normally, 1 when it failed or carried an error event, 2 for bad usage.");

    private PostsseCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs the command; returns the exit code: 0 done, 1 failed, 2 bad usage. */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            return usage(err, "no command given");
        }
        switch (args[0]) {
            case "post":
            case "get":
                return post(args, out, err);
            case "parse":
                if (args.length != 1) {
                    return usage(err, "parse takes no arguments");
                }
                return parse(in, out, err);
            case "-h":
            case "--help":
            case "help":
                out.println(USAGE);
                return 0;
            default:
                return usage(err, "unknown command: " + args[0]);
        }
    }

    private static int usage(PrintStream err, String problem) {
        err.println("postsse-cli: " + problem);
        err.println(USAGE);
        return 2;
    }

    private static int post(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2 || args[1].startsWith("-")) {
            return usage(err, args[0] + " needs a URL");
        }
        EventStreamRequest request;
        try {
            URI uri = URI.create(args[1]);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                return usage(err, "not an http(s) URL: " + args[1]);
            }
            request = args[0].equals("get") ? EventStreamRequest.of("GET", uri) : EventStreamRequest.post(uri);
        } catch (IllegalArgumentException e) {
            return usage(err, "not a URL: " + args[1]);
        }
        for (int i = 2; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                return usage(err, option + " needs a value");
            }
            String value = args[++i];
            if (option.equals("--json") && args[0].equals("post")) {
                request = request.jsonBody(value);
            } else if (option.equals("--max-retries") || option.equals("--retry-delay-ms")) {
                long number = nonNegative(value);
                if (number < 0 || (option.equals("--max-retries") && number > Integer.MAX_VALUE)) {
                    return usage(err, option + " takes a whole number, 0 or more, not: " + value);
                }
                request = option.equals("--max-retries") ? request.maxRetries((int) number)
                        : request.retryDelay(Duration.ofMillis(number));
            } else if (option.equals("--last-event-id")) {
                request = request.lastEventId(value);
            } else if (option.equals("-H") || option.equals("--header")) {
                int colon = value.indexOf(':');
                if (colon <= 0) {
                    return usage(err, "a header is 'Name: value', not: " + value);
                }
                request = request.header(value.substring(0, colon).trim(), value.substring(colon + 1).trim());
            } else {
                return usage(err, "unknown option: " + option);
            }
        }
        AtomicReference<EventStreamException> failure = new AtomicReference<>();
        AtomicReference<ServerSentEvent> errorEvent = new AtomicReference<>();
        EventStreamCall call = EventStreamClient.create().open(request, new EventStreamListener() {
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
                    err.println("postsse-cli: " + describe(error) + "; reconnecting");
                } else {
                    failure.set(error);
                }
            }

            @Override
            public void onClosed(CloseReason reason) {
                out.flush();
            }
        });
        // Ctrl-C stops the stream, on the server too when it is resumable, before the JVM exits.
        Thread stopOnExit = new Thread(() -> {
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
            return 1;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException exiting) {
            // the JVM is already shutting down, and the hook is running
        }
        EventStreamException error = failure.get();
        if (error != null) {
            err.println("postsse-cli: " + describe(error));
            return 1;
        }
        if (errorEvent.get() != null) {
            err.println("postsse-cli: the stream ended with an error event");
            return 1;
        }
        return 0;
    }

    private static String describe(EventStreamException error) {
        return error.getMessage() + (error.detail().isEmpty() ? "" : " \u2014 " + error.detail());
    }

    /** The text as a whole number, 0 or more; -1 when it is not one. */
    private static long nonNegative(String text) {
        if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Long.parseLong(text);
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
            err.println("postsse-cli: could not read standard input: " + e.getMessage());
            return 1;
        } catch (StreamLimitException e) {
            out.flush();
            err.println("postsse-cli: " + e.getMessage());
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
