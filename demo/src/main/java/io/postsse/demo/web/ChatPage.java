package io.postsse.demo.web;

import io.postsse.protocol.CloseReason;
import io.postsse.protocol.StreamError;
import io.postsse.web.EventStream;
import io.postsse.web.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.teavm.jso.JSBody;
import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;
import org.teavm.jso.core.JSArray;
import org.teavm.jso.dom.events.KeyboardEvent;
import org.teavm.jso.dom.html.HTMLButtonElement;
import org.teavm.jso.dom.html.HTMLElement;
import org.teavm.jso.dom.html.HTMLTextAreaElement;

/**
 * The demo's chat: each question is POSTed with the conversation so far, and the reply streams
 * into the page token by token, as text nodes, so that server text can never become markup.
 *
 * <p>The reply's stream is resumable: a cut connection picks up where it broke, and a reload of the
 * page does too. The conversation is kept in {@code sessionStorage} (the finished exchanges, and the
 * question being answered with the reply so far, written as tokens arrive), and the stream is
 * persisted under {@value #REPLY_KEY}: on load, a reply that was streaming is shown as far as it
 * had come and continues from there, so the whole reply shows once and the model runs once. Stop
 * closes the stream, which stops the server's producer; leaving the page does not (the server
 * keeps the reply going for a while, for the reload that may follow).
 */
public final class ChatPage {
    /** The key the reply's stream is persisted under, by postsse. */
    static final String REPLY_KEY = "chat-reply";
    /** The page's own storage: the finished exchanges, and the one in progress. */
    private static final String EXCHANGES_KEY = "postsse-demo:exchanges";
    private static final String PENDING_KEY = "postsse-demo:pending";

    /** The data of a {@code token} event. */
    abstract static class Token implements JSObject {
        @JSProperty
        abstract String getText();

        @JSBody(params = "json", script = "return JSON.parse(json);")
        static native Token parse(String json);
    }

    /** The data of a {@code done} event: the server's count and time; usage when the model reported it. */
    abstract static class Done implements JSObject {
        @JSBody(params = "json", script = "var d = JSON.parse(json); var u = d.usage || {};"
                + " return u.prompt_tokens != null && u.completion_tokens != null"
                + " ? u.prompt_tokens + ' in, ' + u.completion_tokens + ' out' : null;")
        static native String usageOf(String json);

        @JSBody(params = "json", script = "return JSON.parse(json).finishReason || null;")
        static native String finishReasonOf(String json);

        @JSBody(params = "json", script = "return JSON.parse(json).tokens | 0;")
        static native int tokensOf(String json);

        @JSBody(params = "json", script = "return +JSON.parse(json).elapsedMs || 0;")
        static native double elapsedMillisOf(String json);
    }

    /** The data of an {@code error} event: a problem. */
    abstract static class Problem implements JSObject {
        @JSBody(params = "json", script = "try { var p = JSON.parse(json);"
                + " return (p.title || 'Error') + (p.detail ? ': ' + p.detail : ''); } catch (e) { return json; }")
        static native String describe(String json);
    }

    /** An exchange as kept in {@code sessionStorage}, written by {@link Exchange#toJson}. */
    abstract static class Saved implements JSObject {
        @JSProperty
        abstract String getQuestion();

        @JSProperty
        abstract String getAnswer();

        @JSProperty
        abstract String getState();

        @JSProperty
        abstract String getMeta();
    }

    @JSBody(params = "key", script = "try { return JSON.parse(sessionStorage.getItem(key)); } catch (e) { return null; }")
    private static native Saved load(String key);

    @JSBody(params = "key", script = "try { var v = JSON.parse(sessionStorage.getItem(key));"
            + " return Array.isArray(v) ? v : []; } catch (e) { return []; }")
    private static native JSArray<Saved> loadList(String key);

    @JSBody(params = {"key", "json"}, script = "try { if (json == null) sessionStorage.removeItem(key);"
            + " else sessionStorage.setItem(key, json); } catch (e) {}")
    private static native void store(String key, String json);

    private final HTMLTextAreaElement prompt = (HTMLTextAreaElement) Page.byId("prompt");
    private final HTMLButtonElement send = (HTMLButtonElement) Page.byId("send");
    private final HTMLButtonElement stop = (HTMLButtonElement) Page.byId("stop");
    private final HTMLElement conversation = Page.byId("conversation");
    private final HTMLElement status = Page.byId("status");
    /** The finished exchanges, in order, whatever their end. */
    private final List<Exchange> exchanges = new ArrayList<>();
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
        restore();
    }

    /** Shows the conversation kept from before a reload, and continues a reply that was streaming. */
    private void restore() {
        JSArray<Saved> saved = loadList(EXCHANGES_KEY);
        for (int i = 0; i < saved.getLength(); i++) {
            exchanges.add(show(saved.get(i)));
        }
        Saved pending = load(PENDING_KEY);
        EventStream.Builder resumed = EventStream.resume(REPLY_KEY);
        if (pending != null) {
            Exchange exchange = show(pending);
            if (resumed != null) {
                status.setTextContent("Resuming the reply\u2026");
                stream(exchange, resumed);
            } else {
                // The page went before the server had named the stream: nothing to take up.
                exchange.reply.interrupt("Interrupted: the page was left before the reply could be resumed.");
                finish(null, exchange);
            }
        } else if (resumed != null) {
            resumed.open().close(); // a reply with no question kept to show it under: stop it
        }
        conversation.setScrollTop(conversation.getScrollHeight());
    }

    private Exchange show(Saved saved) {
        Exchange exchange = new Exchange(saved.getQuestion(), addTurn("user"), addTurn("assistant"));
        Page.appendText(exchange.question.text, exchange.questionText);
        exchange.answer.append(saved.getAnswer());
        Page.appendText(exchange.reply.text, saved.getAnswer());
        exchange.reply.setState(saved.getState());
        exchange.reply.setMeta(saved.getMeta());
        return exchange;
    }

    private void start() {
        String question = prompt.getValue().trim();
        if (question.isEmpty() || (stream != null && !stream.isClosed())) {
            return;
        }
        prompt.setValue("");
        Map<String, Object> body = requestBody(question);
        Exchange exchange = new Exchange(question, addTurn("user"), addTurn("assistant"));
        Page.appendText(exchange.question.text, question);
        exchange.reply.setState("streaming");
        store(PENDING_KEY, exchange.toJson());
        status.setTextContent("Streaming\u2026");
        stream(exchange, EventStream.post("/api/chat").jsonBody(body).persist(REPLY_KEY));
    }

    /** Streams the reply into the exchange, from the start or where a reload left it. */
    private void stream(Exchange exchange, EventStream.Builder builder) {
        Turn reply = exchange.reply;
        send.setDisabled(true);
        stop.setDisabled(false);
        stream = builder
                // A cut is resumed, not sent again: a few quick tries, then the reply shows as interrupted.
                .maxRetries(3)
                .initialRetryMillis(300)
                .onOpen((code, headers) -> status.setTextContent("Streaming\u2026"))
                .on("token", event -> {
                    String text = Token.parse(event.data()).getText();
                    Page.appendText(reply.text, text);
                    exchange.answer.append(text);
                    store(PENDING_KEY, exchange.toJson());
                    conversation.setScrollTop(conversation.getScrollHeight());
                })
                .on("done", event -> {
                    String usage = Done.usageOf(event.data());
                    String finish = Done.finishReasonOf(event.data());
                    reply.setMeta(Done.tokensOf(event.data()) + " tokens \u00b7 " + seconds(Done.elapsedMillisOf(event.data()))
                            + (usage != null ? " \u00b7 " + usage : "")
                            + (finish != null && !finish.equals("stop") ? " \u00b7 " + finish : ""));
                    reply.setState("done");
                    store(PENDING_KEY, exchange.toJson());
                })
                .on("error", event -> {
                    reply.fail(Problem.describe(event.data()));
                    store(PENDING_KEY, exchange.toJson());
                })
                .onError(error -> {
                    if (error.retrying()) {
                        status.setTextContent("Connection lost: " + describe(error) + ". Reconnecting\u2026");
                    } else if (error.kind() == StreamError.Kind.NETWORK) {
                        reply.interrupt("Interrupted: the connection was lost before the reply ended ("
                                + describe(error) + ").");
                    } else if (error.kind() == StreamError.Kind.GONE) {
                        reply.interrupt("Interrupted: the server no longer has the rest of this reply.");
                    } else {
                        reply.fail(describe(error));
                    }
                })
                .onClose(reason -> finish(reason, exchange))
                .open();
    }

    /** The exchange is over: kept among the finished ones; null reason when it ended before this page. */
    private void finish(CloseReason reason, Exchange exchange) {
        Turn reply = exchange.reply;
        send.setDisabled(false);
        stop.setDisabled(true);
        if (reason == CloseReason.CANCELLED) {
            if (!"done".equals(reply.state())) {
                reply.setState("stopped");
                reply.setMeta("Stopped.");
            }
        } else if ("streaming".equals(reply.state())) {
            reply.setState("done"); // the server ended the stream cleanly, without a done event
        }
        exchanges.add(exchange);
        store(EXCHANGES_KEY, Json.write(exchangesJson()));
        store(PENDING_KEY, null);
        String state = reply.state();
        status.setTextContent(state.equals("error") ? "The reply failed."
                : state.equals("interrupted") ? "The reply was interrupted." : "Ready.");
        prompt.focus();
    }

    /** The conversation to send: every exchange that ended whole, or that the user chose to stop, then the question. */
    private Map<String, Object> requestBody(String question) {
        List<Map<String, String>> messages = new ArrayList<>();
        for (Exchange exchange : exchanges) {
            String state = exchange.reply.state();
            if (state.equals("done") || state.equals("stopped")) {
                messages.add(message("user", exchange.questionText));
                messages.add(message("assistant", exchange.answer.toString()));
            }
        }
        messages.add(message("user", question));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("messages", messages);
        return body;
    }

    private List<Object> exchangesJson() {
        List<Object> list = new ArrayList<>();
        for (Exchange exchange : exchanges) {
            list.add(exchange.toMap());
        }
        return list;
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

    /** A question and its reply: on screen, and as kept in storage. */
    private static final class Exchange {
        final String questionText;
        final Turn question;
        final Turn reply;
        /** The reply's text so far, as shown. */
        final StringBuilder answer = new StringBuilder();

        Exchange(String questionText, Turn question, Turn reply) {
            this.questionText = questionText;
            this.question = question;
            this.reply = reply;
        }

        Map<String, String> toMap() {
            Map<String, String> map = new LinkedHashMap<>();
            map.put("question", questionText);
            map.put("answer", answer.toString());
            map.put("state", reply.state());
            map.put("meta", reply.meta.getTextContent());
            return map;
        }

        String toJson() {
            return Json.write(toMap());
        }
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
            String state = element.getAttribute("data-state");
            return state == null ? "" : state;
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
