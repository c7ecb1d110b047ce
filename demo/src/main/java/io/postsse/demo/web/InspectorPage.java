package io.postsse.demo.web;

import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.protocol.StreamError;
import io.postsse.web.EventStream;
import io.postsse.web.browser.Headers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.teavm.jso.JSBody;
import org.teavm.jso.JSFunctor;
import org.teavm.jso.JSObject;
import org.teavm.jso.dom.html.HTMLButtonElement;
import org.teavm.jso.dom.html.HTMLElement;
import org.teavm.jso.dom.html.HTMLInputElement;
import org.teavm.jso.dom.html.HTMLSelectElement;
import org.teavm.jso.dom.html.HTMLTextAreaElement;

/**
 * The inspector: sends any request to an event-stream endpoint with the same client the chat
 * uses, and shows the raw status and headers, then each event as a table row.
 *
 * <p>What went wrong is said once, in words, when the stream has ended: a reconnection on the way
 * is a passing note. A request to another origin that the browser refused (by CORS, which a page
 * is only told as a network error) is told apart from a server that cannot be reached by a second,
 * opaque request: the server that answers it is there, and did not allow this page.
 */
public final class InspectorPage {
    /** Failures in a row to retry, quickly: enough to see the client reconnect, not so many that a dead URL takes long. */
    private static final int RETRIES = 2;
    private static final int FIRST_RETRY_MILLIS = 500;

    private final HTMLSelectElement method = (HTMLSelectElement) Page.byId("method");
    private final HTMLInputElement url = (HTMLInputElement) Page.byId("url");
    private final HTMLTextAreaElement headers = (HTMLTextAreaElement) Page.byId("headers");
    private final HTMLTextAreaElement body = (HTMLTextAreaElement) Page.byId("body");
    private final HTMLButtonElement send = (HTMLButtonElement) Page.byId("send");
    private final HTMLButtonElement stop = (HTMLButtonElement) Page.byId("stop");
    private final HTMLElement responseStatus = Page.byId("response-status");
    private final HTMLElement responseHeadersBox = Page.byId("response-headers-box");
    private final HTMLElement responseHeaders = Page.byId("response-headers");
    private final HTMLElement counts = Page.byId("counts");
    private final HTMLElement rate = Page.byId("rate");
    private final HTMLElement problem = Page.byId("problem");
    private final HTMLElement rows = (HTMLElement) Page.byId("events").getElementsByTagName("tbody").get(0);
    private final Map<String, Integer> countsByType = new LinkedHashMap<>();
    private EventStream stream;
    private double started;
    private int total;
    /** The request's run: a late answer to an earlier run's check changes nothing. */
    private int run;
    /** The origin the request goes to, and the names of the headers it sends. */
    private String target;
    private final List<String> headerNames = new ArrayList<>();
    /** The last HTTP status received, 0 while none. */
    private int httpStatus;
    /** True while the current connection has a response: a network error then is a broken connection. */
    private boolean connected;
    private int retries;
    /** The error that ended the stream, said once it has closed; null when none did. */
    private StreamError fatal;
    private boolean fatalAfterResponse;

    /** Told whether an opaque request reached the server. */
    @JSFunctor
    interface Reached extends JSObject {
        void reached(boolean answered);
    }

    /**
     * Asks the URL for its head without asking to read the answer ({@code no-cors}): the browser
     * sends it whatever the server's CORS rules, so that it fails only when the server cannot be
     * reached. No credentials, no headers, no body: it changes nothing on a well-behaved server.
     */
    @JSBody(params = {"url", "callback"}, script = "fetch(url, {method: 'HEAD', mode: 'no-cors', credentials: 'omit',"
            + " cache: 'no-store'}).then(function () { callback(true); }, function () { callback(false); });")
    private static native void probe(String url, Reached callback);

    public static void main(String[] args) {
        new InspectorPage().bind();
    }

    private void bind() {
        send.addEventListener("click", event -> start());
        stop.addEventListener("click", event -> {
            if (stream != null) {
                stream.close();
            }
        });
    }

    private void start() {
        if (stream != null && !stream.isClosed()) {
            return;
        }
        run++;
        rows.setTextContent("");
        problem.setTextContent("");
        responseHeaders.setTextContent("");
        responseHeadersBox.setAttribute("hidden", "");
        countsByType.clear();
        total = 0;
        httpStatus = 0;
        connected = false;
        retries = 0;
        fatal = null;
        showCounts();
        rate.setTextContent("");
        String address = url.getValue().trim();
        target = Page.originOf(address);
        if (target == null) {
            setStatus("Not sent", false);
            problem.setTextContent("\u201c" + address + "\u201d is not a URL: type a path on this server, such as"
                    + " /api/chat, or a whole http:// or https:// URL.");
            return;
        }
        setStatus("Waiting for the response\u2026", null);
        send.setDisabled(true);
        stop.setDisabled(false);
        EventStream.Builder request = EventStream.request(method.getValue(), address);
        headerNames.clear();
        String headerText = headers.getValue();
        int lineStart = 0;
        while (lineStart < headerText.length()) {
            int lineEnd = headerText.indexOf('\n', lineStart);
            if (lineEnd < 0) {
                lineEnd = headerText.length();
            }
            String line = headerText.substring(lineStart, lineEnd);
            int colon = line.indexOf(':');
            if (colon > 0) {
                String name = line.substring(0, colon).trim();
                request.header(name, line.substring(colon + 1).trim());
                headerNames.add(name);
            }
            lineStart = lineEnd + 1;
        }
        if (!method.getValue().equals("GET") && !body.getValue().trim().isEmpty()) {
            request.jsonBody(body.getValue());
            headerNames.add("Content-Type");
        }
        headerNames.add("Postsse-Stream");
        started = Page.now();
        stream = request
                .maxRetries(RETRIES)
                .initialRetryMillis(FIRST_RETRY_MILLIS)
                .onOpen(this::showResponse)
                .onEvent(this::addRow)
                .onError(this::onError)
                .onClose(this::finish)
                .open();
    }

    private void showResponse(int status, Headers received) {
        httpStatus = status;
        connected = true;
        problem.setTextContent(""); // a reconnection note, if there was one: it worked
        setStatus("HTTP " + status, true);
        StringBuilder lines = new StringBuilder();
        received.forEach((value, name) -> lines.append(name).append(": ").append(value).append('\n'));
        responseHeaders.setTextContent(lines.toString());
        responseHeadersBox.removeAttribute("hidden");
    }

    /** A reconnection is noted, and replaced by the next; an error that ends the stream waits for the close. */
    private void onError(StreamError error) {
        boolean afterResponse = connected;
        connected = false;
        if (error.status() != 0) {
            httpStatus = error.status();
        }
        if (error.retrying()) {
            retries++;
            problem.setTextContent(describe(error, afterResponse) + " Trying again (" + retries + " of " + RETRIES
                    + ")\u2026");
        } else {
            fatal = error;
            fatalAfterResponse = afterResponse;
        }
    }

    private void addRow(ServerSentEvent event) {
        double millis = Page.now() - started;
        total++;
        countsByType.merge(event.type(), 1, Integer::sum);
        HTMLElement row = Page.element("tr", null);
        cell(row, String.valueOf(total), null);
        cell(row, String.valueOf(Math.round(millis * 10) / 10.0), null);
        cell(row, event.type(), "type");
        cell(row, event.lastEventId(), null);
        HTMLElement data = cell(row, event.data(), "data");
        String pretty = Page.prettyJson(event.data());
        if (pretty != null && !pretty.equals(event.data())) {
            HTMLButtonElement toggle = (HTMLButtonElement) Page.element("button", "secondary");
            toggle.setTextContent("pretty");
            boolean[] showingPretty = {false};
            toggle.addEventListener("click", click -> {
                showingPretty[0] = !showingPretty[0];
                data.getFirstChild().setNodeValue(showingPretty[0] ? pretty : event.data());
                toggle.setTextContent(showingPretty[0] ? "raw" : "pretty");
            });
            data.appendChild(toggle);
        }
        rows.appendChild(row);
        showCounts();
        rate.setTextContent(Math.round(total / Math.max(millis, 1) * 1000) + " events/s");
    }

    private HTMLElement cell(HTMLElement row, String text, String className) {
        HTMLElement cell = Page.element("td", className);
        Page.appendText(cell, text);
        row.appendChild(cell);
        return cell;
    }

    private void showCounts() {
        StringBuilder text = new StringBuilder(total + (total == 1 ? " event" : " events"));
        if (!countsByType.isEmpty()) {
            text.append(" (");
            String separator = "";
            for (Map.Entry<String, Integer> entry : countsByType.entrySet()) {
                text.append(separator).append(entry.getKey()).append(": ").append(entry.getValue());
                separator = ", ";
            }
            text.append(')');
        }
        counts.setTextContent(text.toString());
    }

    /** The outcome, once: in the badge, and for a failure, why in the line below it. */
    private void finish(CloseReason reason) {
        send.setDisabled(false);
        stop.setDisabled(true);
        String ended = reason == CloseReason.COMPLETED ? "completed" : reason == CloseReason.CANCELLED ? "stopped" : "failed";
        String endedAlone = reason == CloseReason.COMPLETED ? "Completed" : reason == CloseReason.CANCELLED ? "Stopped" : "Failed";
        setStatus(httpStatus != 0 ? "HTTP " + httpStatus + " \u00b7 " + ended : endedAlone,
                reason == CloseReason.FAILED ? Boolean.FALSE : httpStatus >= 200 && httpStatus < 300 ? Boolean.TRUE : null);
        responseStatus.setAttribute("data-reason", ended);
        if (reason != CloseReason.FAILED || fatal == null) {
            problem.setTextContent(""); // stopped while a reconnection was noted: nothing failed
            return;
        }
        StreamError error = fatal;
        if (error.kind() == StreamError.Kind.NETWORK && !fatalAfterResponse && !target.equals(Page.origin())) {
            // Refused by CORS, or not there at all: the browser tells the page neither. Ask once more, opaquely.
            int askedIn = run;
            probe(url.getValue().trim(), answered -> {
                if (askedIn == run) {
                    problem.setTextContent(answered ? refusedCrossOrigin() : describe(error, false));
                }
            });
        } else {
            problem.setTextContent(describe(error, fatalAfterResponse));
        }
    }

    /** What went wrong, in words; never the client's names for the kinds of error. */
    private String describe(StreamError error, boolean afterResponse) {
        String reason = error.message() + (error.detail().isEmpty() ? "" : ": " + error.detail());
        StreamError.Kind kind = error.kind();
        if (kind == StreamError.Kind.NETWORK) {
            return afterResponse ? "The connection broke before the stream ended (" + reason + ")."
                    : "Could not connect to " + target + " (" + reason + "). Check the URL, and that the server is running.";
        } else if (kind == StreamError.Kind.HTTP_STATUS) {
            return "The server answered with an error: " + reason + ".";
        } else if (kind == StreamError.Kind.CONTENT_TYPE) {
            return "Not an event stream: " + reason + ".";
        } else if (kind == StreamError.Kind.PARSER_LIMIT) {
            return "An event too large to read: " + reason + ".";
        } else if (kind == StreamError.Kind.GONE) {
            return "The server no longer has this stream: " + reason + ".";
        }
        return "The page could not show an event: " + reason + ".";
    }

    /** A request the browser would not let this page make, and what the other origin must allow. */
    private String refusedCrossOrigin() {
        StringBuilder names = new StringBuilder();
        for (String name : headerNames) {
            names.append(names.length() == 0 ? "" : ", ").append(name);
        }
        String verb = method.getValue();
        return "The browser refused the request: " + target + " answers, but did not allow this page's origin, "
                + Page.origin() + ", to read it (the request is cross-origin, and needs the server's permission by"
                + " CORS). Check that the server answers with Access-Control-Allow-Origin: " + Page.origin()
                + ", and answers the preflight OPTIONS request with Access-Control-Allow-Headers: " + names
                + (verb.equals("GET") || verb.equals("POST") ? "" : " and Access-Control-Allow-Methods: " + verb)
                + ". The browser's console says which was missing.";
    }

    private void setStatus(String text, Boolean ok) {
        responseStatus.setTextContent(text);
        responseStatus.removeAttribute("data-reason");
        if (ok == null) {
            responseStatus.removeAttribute("data-ok");
        } else {
            responseStatus.setAttribute("data-ok", String.valueOf(ok));
        }
    }
}
