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
import org.teavm.jso.browser.Window;
import org.teavm.jso.core.JSArray;
import org.teavm.jso.dom.events.KeyboardEvent;
import org.teavm.jso.dom.events.WheelEvent;
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
 *
 * <p>For the reader: the page follows the reply to its end unless they scrolled up; Esc stops the
 * reply; a failed reply puts its question back in the prompt and offers Retry. For a screen reader:
 * the reply being written is {@code aria-busy}, and the conversation is not a live region (it would
 * read every token): a separate polite live region says the reply a sentence at a time.
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
    private final Announcer announcer = new Announcer(Page.byId("announcer"));
    /** The finished exchanges, in order, whatever their end. */
    private final List<Exchange> exchanges = new ArrayList<>();
    private EventStream stream;
    /** The Retry button of the last exchange, when it failed; null when there is none. */
    private HTMLButtonElement retry;
    /** True while the page keeps the end of the conversation in view: the reader has not scrolled up. */
    private boolean following = true;
    private double lastScrollY;

    public static void main(String[] args) {
        new ChatPage().bind();
    }

    private void bind() {
        send.addEventListener("click", event -> start());
        stop.addEventListener("click", event -> stopReply());
        prompt.addEventListener("keydown", event -> {
            KeyboardEvent key = (KeyboardEvent) event;
            if ("Enter".equals(key.getKey()) && !key.isShiftKey() && !key.isComposing()) {
                key.preventDefault();
                start();
            }
        });
        // Esc stops the reply wherever the focus is; not while it ends an input method's composition.
        Page.DOCUMENT.addEventListener("keydown", event -> {
            KeyboardEvent key = (KeyboardEvent) event;
            if ("Escape".equals(key.getKey()) && !key.isComposing() && isStreaming()) {
                key.preventDefault();
                stopReply();
            }
        });
        // A wheel turned up says "let me read" before the page has moved: no token may pull it back down.
        Window.current().addEventListener("wheel", event -> {
            if (((WheelEvent) event).getDeltaY() < 0) {
                following = false;
            }
        });
        Window.current().addEventListener("scroll", event -> onScroll());
        showStatus("Ready.");
        restore();
        // Typing goes to the prompt at once; its suggested question is selected, so that typing replaces it.
        prompt.focus();
        prompt.select();
    }

    /** The status line is a live region: it changes only when the status does, or it would be said again. */
    private void showStatus(String text) {
        if (!text.equals(status.getTextContent())) {
            status.setTextContent(text);
        }
    }

    private boolean isStreaming() {
        return stream != null && !stream.isClosed();
    }

    private void stopReply() {
        if (stream != null) {
            stream.close();
        }
    }

    /** Scrolled up, the reader stops following the reply; back at the end, they follow it again. */
    private void onScroll() {
        double y = Page.scrollY();
        if (Page.scrolledToEnd()) {
            following = true;
        } else if (y < lastScrollY) {
            following = false;
        }
        lastScrollY = y;
    }

    /** Keeps the end of the reply in view, unless the reader scrolled up to read. */
    private void follow() {
        if (following) {
            Page.scrollToEnd();
        }
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
                showStatus("Resuming the reply\u2026");
                stream(exchange, resumed);
            } else {
                // The page went before the server had named the stream: nothing to take up.
                exchange.reply.interrupt("Interrupted: the page was left before the reply could be resumed.");
                finish(null, exchange);
            }
        } else {
            if (resumed != null) {
                resumed.open().close(); // a reply with no question kept to show it under: stop it
            }
            if (!exchanges.isEmpty() && exchanges.get(exchanges.size() - 1).failed()) {
                offerRetry(exchanges.get(exchanges.size() - 1));
            }
        }
        Page.scrollToEnd();
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
        if (question.isEmpty() || isStreaming()) {
            return;
        }
        prompt.setValue("");
        ask(question);
    }

    /** Sends the question with the conversation so far, and streams the reply under it. */
    private void ask(String question) {
        withdrawRetry();
        announcer.clear();
        Map<String, Object> body = requestBody(question);
        Exchange exchange = new Exchange(question, addTurn("user"), addTurn("assistant"));
        Page.appendText(exchange.question.text, question);
        exchange.reply.setState("streaming");
        store(PENDING_KEY, exchange.toJson());
        showStatus("Streaming\u2026");
        following = true; // the reader just asked: show them the answer
        Page.scrollToEnd();
        prompt.focus();
        stream(exchange, EventStream.post("/api/chat").jsonBody(body).persist(REPLY_KEY));
    }

    /** A Retry button under the failed exchange, the last one: it asks the same question again. */
    private void offerRetry(Exchange exchange) {
        withdrawRetry();
        retry = (HTMLButtonElement) Page.element("button", "secondary retry");
        retry.setType("button");
        retry.setTextContent("Retry");
        retry.addEventListener("click", event -> retry(exchange));
        exchange.reply.element.appendChild(retry);
    }

    private void withdrawRetry() {
        if (retry != null) {
            retry.getParentNode().removeChild(retry);
            retry = null;
        }
    }

    /** The failed exchange gives way to the same question asked again, in its place at the end. */
    private void retry(Exchange exchange) {
        if (isStreaming()) {
            return;
        }
        exchanges.remove(exchange);
        conversation.removeChild(exchange.question.element);
        conversation.removeChild(exchange.reply.element);
        store(EXCHANGES_KEY, Json.write(exchangesJson()));
        if (prompt.getValue().trim().equals(exchange.questionText)) {
            prompt.setValue(""); // it was put back when the reply failed; it is being sent now
        }
        ask(exchange.questionText);
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
                .onOpen((code, headers) -> showStatus("Streaming\u2026"))
                .on("token", event -> {
                    String text = Token.parse(event.data()).getText();
                    Page.appendText(reply.text, text);
                    exchange.answer.append(text);
                    store(PENDING_KEY, exchange.toJson());
                    announcer.add(text);
                    follow();
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
                        showStatus("Connection lost: " + describe(error) + ". Reconnecting\u2026");
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
        if (state.equals("done")) {
            announcer.flush();
        } else {
            announcer.drop();
        }
        if (exchange.failed()) {
            // The question is not lost: back in the prompt to edit (unless something new is there), and Retry.
            if (prompt.getValue().trim().isEmpty()) {
                prompt.setValue(exchange.questionText);
            }
            offerRetry(exchange);
            announcer.say(reply.meta.getTextContent());
        }
        showStatus(state.equals("error") ? "The reply failed."
                : state.equals("interrupted") ? "The reply was interrupted." : "Ready.");
        follow();
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

        /** The reply ended in an error, or was cut short: the question may be asked again. */
        boolean failed() {
            String state = reply.state();
            return state.equals("error") || state.equals("interrupted");
        }
    }

    /**
     * Says the reply through the page's live region a sentence at a time: a screen reader given
     * every token would read fragments, or fall behind and queue them all.
     */
    private static final class Announcer {
        private final HTMLElement region;
        /** Reply text not said yet: the sentence still being written. */
        private final StringBuilder unsaid = new StringBuilder();

        Announcer(HTMLElement region) {
            this.region = region;
        }

        /** More of the reply: says the sentences it completes. */
        void add(String text) {
            unsaid.append(text);
            int end = endOfLastSentence(unsaid);
            if (end > 0) {
                say(unsaid.substring(0, end));
                unsaid.delete(0, end);
            }
        }

        /** The reply is complete: says what is left of it. */
        void flush() {
            say(unsaid.toString());
            unsaid.setLength(0);
        }

        /** The reply was stopped or failed: its half sentence is not worth saying. */
        void drop() {
            unsaid.setLength(0);
        }

        /**
         * Adds the text to the region, which a screen reader says once the user is not busy: added,
         * not put in place of the last, which would be lost when both change in one task (one
         * chunk of the stream can complete several sentences).
         */
        void say(String text) {
            String trimmed = text.trim();
            if (!trimmed.isEmpty()) {
                HTMLElement line = Page.element("p", null);
                Page.appendText(line, trimmed);
                region.appendChild(line);
            }
        }

        /** A new reply: what was said of the last is let go (a removal, which is not said). */
        void clear() {
            unsaid.setLength(0);
            region.setTextContent("");
        }

        /**
         * Where the last complete sentence ends: after a line break, or after . ! ? or \u2026 followed
         * by white space (so that "3.14" is not an end); 0 when no sentence is complete.
         */
        private static int endOfLastSentence(CharSequence text) {
            int end = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\n') {
                    end = i + 1;
                } else if ((c == '.' || c == '!' || c == '?' || c == '\u2026') && i + 1 < text.length()
                        && isSpace(text.charAt(i + 1))) {
                    end = i + 1;
                }
            }
            return end;
        }

        private static boolean isSpace(char c) {
            return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\u00a0';
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
            // Busy while written: assistive technology waits for the reply rather than reading each change.
            if ("streaming".equals(state)) {
                element.setAttribute("aria-busy", "true");
            } else {
                element.removeAttribute("aria-busy");
            }
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
