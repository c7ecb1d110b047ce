package io.postsse.demo.web;

import io.postsse.protocol.ServerSentEvent;
import io.postsse.protocol.CloseReason;
import io.postsse.web.EventStream;
import io.postsse.web.browser.Headers;
import java.util.LinkedHashMap;
import java.util.Map;
import org.teavm.jso.dom.html.HTMLButtonElement;
import org.teavm.jso.dom.html.HTMLElement;
import org.teavm.jso.dom.html.HTMLInputElement;
import org.teavm.jso.dom.html.HTMLSelectElement;
import org.teavm.jso.dom.html.HTMLTextAreaElement;

/**
 * The inspector: sends any request to an event-stream endpoint with the same client the chat
 * uses, and shows the raw status and headers, then each event as a table row.
 */
public final class InspectorPage {
    private final HTMLSelectElement method = (HTMLSelectElement) Page.byId("method");
    private final HTMLInputElement url = (HTMLInputElement) Page.byId("url");
    private final HTMLTextAreaElement headers = (HTMLTextAreaElement) Page.byId("headers");
    private final HTMLTextAreaElement body = (HTMLTextAreaElement) Page.byId("body");
    private final HTMLButtonElement send = (HTMLButtonElement) Page.byId("send");
    private final HTMLButtonElement stop = (HTMLButtonElement) Page.byId("stop");
    private final HTMLElement responseStatus = Page.byId("response-status");
    private final HTMLElement responseHeaders = Page.byId("response-headers");
    private final HTMLElement counts = Page.byId("counts");
    private final HTMLElement rate = Page.byId("rate");
    private final HTMLElement problem = Page.byId("problem");
    private final HTMLElement rows = (HTMLElement) Page.byId("events").getElementsByTagName("tbody").get(0);
    private final Map<String, Integer> countsByType = new LinkedHashMap<>();
    private EventStream stream;
    private double started;
    private int total;

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
        rows.setTextContent("");
        problem.setTextContent("");
        responseHeaders.setTextContent("");
        countsByType.clear();
        total = 0;
        showCounts();
        rate.setTextContent("");
        setStatus("Waiting for the response\u2026", null);
        send.setDisabled(true);
        stop.setDisabled(false);
        EventStream.Builder request = EventStream.request(method.getValue(), url.getValue().trim());
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
                request.header(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
            lineStart = lineEnd + 1;
        }
        if (!method.getValue().equals("GET") && !body.getValue().trim().isEmpty()) {
            request.jsonBody(body.getValue());
        }
        started = Page.now();
        stream = request
                .onOpen(this::showResponse)
                .onEvent(this::addRow)
                .onError(error -> {
                    if (error.status() != 0) {
                        setStatus("HTTP " + error.status(), false);
                    }
                    problem.setTextContent(error.kind() + ": " + error.message()
                            + (error.detail().isEmpty() ? "" : " \u2014 " + error.detail())
                            + (error.retrying() ? " (retrying)" : ""));
                })
                .onClose(this::finish)
                .open();
    }

    private void showResponse(int status, Headers received) {
        setStatus("HTTP " + status, true);
        StringBuilder lines = new StringBuilder();
        received.forEach((value, name) -> lines.append(name).append(": ").append(value).append('\n'));
        responseHeaders.setTextContent(lines.toString());
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

    private void finish(CloseReason reason) {
        send.setDisabled(false);
        stop.setDisabled(true);
        String ended = reason == CloseReason.COMPLETED ? "completed" : reason == CloseReason.CANCELLED ? "stopped" : "failed";
        responseStatus.setAttribute("data-reason", ended);
        responseStatus.setTextContent(responseStatus.getTextContent() + " \u00b7 " + ended);
    }

    private void setStatus(String text, Boolean ok) {
        responseStatus.setTextContent(text);
        if (ok == null) {
            responseStatus.removeAttribute("data-ok");
            responseStatus.removeAttribute("data-reason");
        } else {
            responseStatus.setAttribute("data-ok", String.valueOf(ok));
        }
    }
}
