package io.postsse.demo.web;

import io.postsse.protocol.CloseReason;
import io.postsse.web.EventStream;
import io.postsse.protocol.StreamError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.teavm.jso.JSBody;
import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;
import org.teavm.jso.dom.events.KeyboardEvent;
import org.teavm.jso.dom.html.HTMLButtonElement;
import org.teavm.jso.dom.html.HTMLElement;
import org.teavm.jso.dom.html.HTMLTextAreaElement;

/**
 * The demo's chat: each question is POSTed with the conversation so far, and the reply streams
 * into the page token by token, as text nodes, so that server text can never become markup.
 * Stop, or leaving the page, aborts the request, and the server stops its producer.
 */
public final class ChatPage {
    /** The data of a {@code token} event. */
    abstract static class Token implements JSObject {
        @JSProperty
        abstract String getText();

        @JSBody(params = "json", script = "return JSON.parse(json);")
        static native Token parse(String json);
    }

    /** The data of a {@code done} event; usage is there when the model reported it. */
    abstract static class Done implements JSObject {
        @JSBody(params = "json", script = "var d = JSON.parse(json); var u = d.usage || {};"
                + " return u.prompt_tokens != null && u.completion_tokens != null"
                + " ? u.prompt_tokens + ' in, ' + u.completion_tokens + ' out' : null;")
        static native String usageOf(String json);

        @JSBody(params = "json", script = "return JSON.parse(json).finishReason || null;")
        static native String finishReasonOf(String json);
    }

    /** The data of an {@code error} event: a problem. */
    abstract static class Problem implements JSObject {
        @JSBody(params = "json", script = "try { var p = JSON.parse(json);"
                + " return (p.title || 'Error') + (p.detail ? ': ' + p.detail : ''); } catch (e) { return json; }")
        static native String describe(String json);
    }

    private final HTMLTextAreaElement prompt = (HTMLTextAreaElement) Page.byId("prompt");
    private final HTMLButtonElement send = (HTMLButtonElement) Page.byId("send");
    private final HTMLButtonElement stop = (HTMLButtonElement) Page.byId("stop");
    private final HTMLElement conversation = Page.byId("conversation");
    private final HTMLElement status = Page.byId("status");
    /** The finished turns, as the server wants them back: {@code {"role": …, "content": …}}. */
    private final List<Map<String, String>> history = new ArrayList<>();
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
        status.setTextContent("Ready.");
    }

    private void start() {
        String question = prompt.getValue().trim();
        if (question.isEmpty() || (stream != null && !stream.isClosed())) {
            return;
        }
        prompt.setValue("");
        addTurn("user").text.appendChild(Page.DOCUMENT.createTextNode(question));
        Turn reply = addTurn("assistant");
        reply.setState("streaming");
        status.setTextContent("Streaming\u2026");
        send.setDisabled(true);
        stop.setDisabled(false);
        double started = Page.now();
        int[] tokens = {0};
        StringBuilder replyText = new StringBuilder();
        stream = EventStream.post("/api/chat")
                .jsonBody(requestBody(question))
                // Re-sending the question would start the reply over, appended to what is shown:
                // a reply cut short is shown as interrupted instead.
                .maxRetries(0)
                .on("token", event -> {
                    String text = Token.parse(event.data()).getText();
                    Page.appendText(reply.text, text);
                    replyText.append(text);
                    tokens[0]++;
                    conversation.setScrollTop(conversation.getScrollHeight());
                })
                .on("done", event -> {
                    String usage = Done.usageOf(event.data());
                    String finish = Done.finishReasonOf(event.data());
                    reply.setMeta(tokens[0] + " tokens \u00b7 " + seconds(Page.now() - started)
                            + (usage != null ? " \u00b7 " + usage : "")
                            + (finish != null && !finish.equals("stop") ? " \u00b7 " + finish : ""));
                    reply.setState("done");
                })
                .on("error", event -> reply.fail(Problem.describe(event.data())))
                .onError(error -> {
                    if (error.retrying()) {
                        status.setTextContent("Connection lost: " + describe(error) + ". Retrying\u2026");
                    } else if (error.kind() == StreamError.Kind.NETWORK) {
                        reply.interrupt("Interrupted: the connection was lost before the reply ended ("
                                + describe(error) + ").");
                    } else {
                        reply.fail(describe(error));
                    }
                })
                .onClose(reason -> finish(reason, question, reply, replyText.toString()))
                .open();
    }

    private void finish(CloseReason reason, String question, Turn reply, String replyText) {
        send.setDisabled(false);
        stop.setDisabled(true);
        if (reason == CloseReason.CANCELLED) {
            reply.setState("stopped");
            reply.setMeta("Stopped.");
        } else if ("streaming".equals(reply.state())) {
            reply.setState("done"); // the server ended the stream cleanly, without a done event
        }
        String state = reply.state();
        // Only a whole reply, or one the user chose to stop, becomes part of the conversation.
        if (state.equals("done") || state.equals("stopped")) {
            history.add(message("user", question));
            history.add(message("assistant", replyText));
        }
        status.setTextContent(state.equals("error") ? "The reply failed."
                : state.equals("interrupted") ? "The reply was interrupted." : "Ready.");
        prompt.focus();
    }

    private Map<String, Object> requestBody(String question) {
        List<Map<String, String>> messages = new ArrayList<>(history);
        messages.add(message("user", question));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("messages", messages);
        return body;
    }

    private static Map<String, String> message(String role, String content) {
        Map<String, String> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }

    private static String describe(StreamError error) {
        return error.message() + (error.detail().isEmpty() ? "" : ": " + error.detail());
    }

    private static String seconds(double millis) {
        long tenths = Math.round(millis / 100);
        return (tenths / 10) + "." + (tenths % 10) + " s";
    }

    private Turn addTurn(String role) {
        Turn turn = new Turn(role);
        conversation.appendChild(turn.element);
        return turn;
    }

    /** One turn on screen: its text, and a line about it. */
    private static final class Turn {
        final HTMLElement element;
        final HTMLElement text;
        final HTMLElement meta;

        Turn(String role) {
            element = Page.element("article", "turn " + role);
            element.setAttribute("data-role", role);
            HTMLElement who = Page.element("div", "who");
            Page.appendText(who, role.equals("user") ? "You" : "postsse");
            text = Page.element("div", "text");
            meta = Page.element("div", "meta");
            element.appendChild(who);
            element.appendChild(text);
            element.appendChild(meta);
        }

        void setState(String state) {
            element.setAttribute("data-state", state);
        }

        String state() {
            return element.getAttribute("data-state");
        }

        void setMeta(String line) {
            meta.setTextContent(line);
        }

        void fail(String message) {
            setState("error");
            meta.setTextContent(message);
        }

        /** Cut short: what arrived stays on screen, marked as incomplete. */
        void interrupt(String message) {
            setState("interrupted");
            meta.setTextContent(message);
        }
    }
}
