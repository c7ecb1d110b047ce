package io.postsse.docs;

import io.postsse.server.EventProducer;
import io.postsse.server.PostSse;
import io.postsse.server.RequestValidator;
import org.teavm.jso.dom.html.HTMLDocument;
import org.teavm.jso.dom.html.HTMLElement;

/**
 * The names that the README's Java examples use without declaring them. Each stands for something
 * of the reader's own app — a model, a token, a request type, a page's elements — which an example
 * would only clutter. An example compiled by {@link JavaExamplesCompileTest} is a method of a
 * subclass, so it sees these; everything else it uses, it imports or declares itself.
 *
 * <p>A new stand-in is a decision about the docs: add one only for the reader's own code, never for
 * a postsse type.
 */
public abstract class ExampleStandIns {
    /** A language model: the tokens of its reply to a prompt. */
    protected interface Model {
        Iterable<String> reply(String prompt);
    }

    /** Tells whose a bearer token is: the user, or null for no valid token. */
    protected interface Tokens {
        String userOf(String authorization);
    }

    /** A stream route's request body, bound from JSON. */
    protected record ChatRequest(String prompt) {
    }

    /** The {@code sse} of {@code PostSse.install(config, sse -> …)}. */
    protected PostSse sse;
    protected Model model;
    protected Tokens tokens;
    /** A bearer token the client sends. */
    protected String token;
    protected EventProducer<ChatRequest> producer;
    protected RequestValidator<ChatRequest> validator;
    /** In a page written in Java: the document, and elements of it. */
    protected HTMLDocument document;
    protected HTMLElement answer;
    protected HTMLElement reply;
    protected HTMLElement status;
}
