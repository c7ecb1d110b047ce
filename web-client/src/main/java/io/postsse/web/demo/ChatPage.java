package io.postsse.web.demo;

import io.postsse.web.CloseReason;
import io.postsse.web.EventStream;
import io.postsse.web.Json;
import org.teavm.jso.JSBody;
import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;
import org.teavm.jso.dom.events.KeyboardEvent;
import org.teavm.jso.dom.html.HTMLButtonElement;
import org.teavm.jso.dom.html.HTMLDocument;
import org.teavm.jso.dom.html.HTMLElement;
import org.teavm.jso.dom.html.HTMLTextAreaElement;

/**
 * The demo's chat page: sends the prompt as a JSON POST and appends each streamed token to the
 * reply as a text node, so that server text can never become markup.
 */
public final class ChatPage {
    /** The data of a {@code token} event. */
    abstract static class Token implements JSObject {
        @JSProperty
        abstract String getText();

        @JSBody(params = "json", script = "return JSON.parse(json);")
        static native Token parse(String json);
    }

    private final HTMLDocument document = HTMLDocument.current();
    private final HTMLTextAreaElement prompt = (HTMLTextAreaElement) document.getElementById("prompt");
    private final HTMLButtonElement send = (HTMLButtonElement) document.getElementById("send");
    private final HTMLButtonElement stop = (HTMLButtonElement) document.getElementById("stop");
    private final HTMLElement reply = document.getElementById("reply");
    private final HTMLElement status = document.getElementById("status");
    private EventStream stream;

    public static void main(String[] args) {
        new ChatPage().bind();
    }

    private void bind() {
        send.addEventListener("click", event -> start());
        stop.addEventListener("click", event -> {
            if (stream != null) {
                stream.close();
            }
        });
        prompt.addEventListener("keydown", event -> {
            KeyboardEvent key = (KeyboardEvent) event;
            if ("Enter".equals(key.getKey()) && !key.isShiftKey()) {
                key.preventDefault();
                start();
            }
        });
        setState("idle", "Ready.");
    }

    private void start() {
        if (stream != null && !stream.isClosed()) {
            return;
        }
        reply.setTextContent("");
        setState("streaming", "Streaming\u2026");
        send.setDisabled(true);
        stop.setDisabled(false);
        stream = EventStream.post("/api/chat")
                .jsonBody("{\"prompt\":" + Json.quote(prompt.getValue()) + "}")
                .on("token", event -> reply.appendChild(document.createTextNode(Token.parse(event.data()).getText())))
                .on("done", event -> setState("done", "Done."))
                .onError(error -> setState("error", error.toString()))
                .onClose(this::onClose)
                .open();
    }

    private void onClose(CloseReason reason) {
        send.setDisabled(false);
        stop.setDisabled(true);
        if (reason == CloseReason.ABORTED) {
            setState("stopped", "Stopped.");
        } else if (reason == CloseReason.COMPLETED && !"done".equals(reply.getAttribute("data-state"))) {
            setState("done", "Done.");
        }
    }

    private void setState(String state, String text) {
        reply.setAttribute("data-state", state);
        status.setTextContent(text);
    }
}
