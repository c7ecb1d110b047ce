package io.postsse.server.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.javalin.json.JavalinJackson;
import io.javalin.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A request body's bytes made into the route's request type, or into the problem to answer: the
 * whole step from the body read to the bound value, strict about what it takes for JSON.
 *
 * <p>What it takes:
 * <ul>
 * <li>a Content-Type of {@code application/json} or {@code application/*+json}, else 415; with no
 * charset parameter or {@code charset=utf-8} (any case, {@code utf8}, quoted or not), else 415:
 * RFC 8259 defines no charset for JSON, but a client that names another one sends its bytes in it,
 * and reading those as UTF-8 would change the text, sometimes without an error;</li>
 * <li>UTF-8 and nothing else: a malformed sequence (overlong forms, a lone continuation byte, a
 * sequence cut short, a surrogate, a code point above U+10FFFF) is a 400 that gives its byte
 * offset, counted from 0 at the first byte of the body. A UTF-8 byte order mark (EF BB BF) at the
 * start is ignored, as RFC 8259 section 8.1 lets a parser do (clients must not send one, but some
 * Windows tools write it): the offsets still count its three bytes, while lines and columns, which
 * name characters, start after it. Any other byte order mark is not UTF-8, hence a 400;</li>
 * <li>one JSON value, as RFC 8259 writes it (no comments, no single quotes, no NaN, ...), with
 * nothing but whitespace after it, and no object with the same field twice;</li>
 * <li>within the read limits of the app's Jackson mapper ({@link StreamReadConstraints}: by
 * default 1,000 levels of nested arrays and objects, numbers of 1,000 digits, strings of 20 million
 * characters, names of 50,000), or within Jackson's defaults when the app's mapper is not Jackson.
 * The check runs without recursion, so that a body of 100,000 {@code [} is a 400 like any other,
 * and the binding, which recurses, never sees a body nested deeper than the limit.</li>
 * </ul>
 *
 * <p>These are checked by a first, streaming read of the text with a strict parser of its own;
 * only then is the text handed to the app's {@link JsonMapper}, so that the app's configuration
 * (modules, naming, unknown fields, ...) still makes the value. Its features that would let a
 * parser take more than RFC 8259 (comments, trailing commas, ...) do not make request bodies
 * lenient again: the first read has already refused them.
 *
 * <p>The problem details name what is wrong, with a line and column where there is one, without
 * naming server classes or repeating the body: field names in them are cut to 100 characters, with
 * control and invisible characters replaced by {@code ?}.
 */
public final class RequestBodies {
    /** The detail of the 400 for a body with no value: empty, whitespace, or {@code null}. */
    public static final String EMPTY = "The request body is empty: send a JSON object.";

    /** The longest excerpt of the client's text (a field name, a Content-Type) that a detail repeats. */
    private static final int EXCERPT_CHARS = 100;

    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    /**
     * The factory of the first read: strict RFC 8259 (Jackson's defaults), with its own limits out
     * of the way so that the checks against the app's limits, which say which limit a body broke,
     * come first. Names are not interned: they are the client's. Its buffers are shared by every
     * thread, not kept per thread: each request runs on a new virtual thread, which would make
     * new ones for every body.
     */
    private static final JsonFactory STRICT = JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(Integer.MAX_VALUE)
                    .maxNumberLength(Integer.MAX_VALUE)
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .maxDocumentLength(-1)
                    .maxTokenCount(-1)
                    .build())
            .build();

    private RequestBodies() {
    }

    /**
     * What {@link #bind} made of a body: the bound value ({@link #ok()}), or the status (400 or
     * 415) and the client-facing detail of the problem to answer instead.
     */
    public record Bound<T>(T value, int status, String detail) {
        public Bound {
            if (detail == null ? value == null || status != 0 : value != null || status < 400 || status > 499) {
                throw new IllegalArgumentException("Either a value, or a 4xx status with a detail");
            }
        }

        static <T> Bound<T> bound(T value) {
            return new Bound<>(value, 0, null);
        }

        static <T> Bound<T> problem(int status, String detail) {
            return new Bound<>(null, status, detail);
        }

        /** True when the body was bound: {@link #value()} is the request, never null. */
        public boolean ok() {
            return detail == null;
        }
    }

    /**
     * Makes a request body into {@code type}, or says why not.
     *
     * @param mapper      the app's mapper ({@code ctx.jsonMapper()}), which binds the checked text
     * @param body        the body's bytes, all of them (the size limit is the caller's: a 413 comes first)
     * @param contentType the request's Content-Type header, null when there is none
     * @param type        the route's request type
     * @return the non-null value, or a 415 for a Content-Type that is not JSON in UTF-8, or a 400
     */
    public static <T> Bound<T> bind(JsonMapper mapper, byte[] body, String contentType, Class<T> type) {
        String unsupported = contentTypeProblem(contentType);
        if (unsupported != null) {
            return Bound.problem(415, unsupported);
        }
        int start = startsWithBom(body) ? UTF8_BOM.length : 0;
        if (body.length == start) {
            return Bound.problem(400, EMPTY);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body, start, body.length - start);
        CharBuffer out = CharBuffer.allocate(body.length - start); // UTF-8 never makes more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            return Bound.problem(400, "The request body is not valid UTF-8 (at byte " + in.position() + ").");
        }
        String text = new String(out.array(), 0, out.position());

        String invalid = check(text, limitsOf(mapper));
        if (invalid != null) {
            return Bound.problem(400, invalid);
        }
        T value;
        try {
            value = fromJson(mapper, out.array(), out.position(), text, type);
        } catch (Exception e) { // Jackson's checked exceptions arrive unwrapped through Kotlin
            return Bound.problem(400, describeBindingFailure(e));
        }
        return value == null ? Bound.problem(400, EMPTY) : Bound.bound(value);
    }

    /**
     * The detail of the 415 for a Content-Type that is not JSON in UTF-8; null when it is. Media
     * types {@code application/json} and {@code application/*+json}, with no {@code charset} or
     * with {@code utf-8} or {@code utf8} (any case, quoted or not). Needs no body: it can answer
     * before the body is read.
     */
    public static String contentTypeProblem(String contentType) {
        if (contentType == null) {
            return "Send the request body as JSON, with Content-Type: application/json.";
        }
        List<String> parts = splitParameters(contentType);
        String mediaType = parts.get(0).trim().toLowerCase(Locale.ROOT);
        boolean json = mediaType.equals("application/json")
                || (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
        if (!json) {
            return "Send the request body as JSON, with Content-Type: application/json (not " + excerpt(contentType) + ").";
        }
        for (String parameter : parts.subList(1, parts.size())) {
            int equals = parameter.indexOf('=');
            if (equals < 0 || !parameter.substring(0, equals).trim().equalsIgnoreCase("charset")) {
                continue;
            }
            String charset = unquote(parameter.substring(equals + 1).trim());
            if (!charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
                return "Send the request body in UTF-8, with Content-Type: application/json or application/json; "
                        + "charset=utf-8 (not charset=" + excerpt(charset) + ").";
            }
        }
        return null;
    }

    /** The media type, then each parameter as {@code name=value}: split at the semicolons outside quotes. */
    private static List<String> splitParameters(String contentType) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < contentType.length(); i++) {
            char c = contentType.charAt(i);
            if (quoted && c == '\\' && i + 1 < contentType.length()) {
                part.append(c).append(contentType.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ';' && !quoted) {
                parts.add(part.toString());
                part.setLength(0);
                continue;
            }
            part.append(c);
        }
        parts.add(part.toString());
        return parts;
    }

    /** A parameter value without its quotes and escapes (RFC 9110 quoted-string). */
    private static String unquote(String value) {
        if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
            return value;
        }
        StringBuilder unquoted = new StringBuilder();
        for (int i = 1; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length() - 1) {
                c = value.charAt(++i);
            }
            unquoted.append(c);
        }
        return unquoted.toString();
    }

    private static boolean startsWithBom(byte[] body) {
        return body.length >= 3 && body[0] == UTF8_BOM[0] && body[1] == UTF8_BOM[1] && body[2] == UTF8_BOM[2];
    }

    /** The limits the app's mapper reads with: the binding must not break one that the check let through. */
    /**
     * The checked text bound by the app's mapper. Jackson's (Javalin's default) reads the decoded
     * characters in place: given the text, it would copy it into a buffer of its per-thread
     * recycler, which every request's new virtual thread makes anew.
     */
    private static <T> T fromJson(JsonMapper mapper, char[] chars, int length, String text, Class<T> type)
            throws Exception {
        if (mapper instanceof JavalinJackson) {
            ObjectMapper objectMapper = ((JavalinJackson) mapper).getMapper();
            // The mapper's own parser (its features applied, as readValue(String) would), over the chars.
            try (JsonParser parser = objectMapper.createParser(chars, 0, length)) {
                return objectMapper.readValue(parser, type);
            }
        }
        return mapper.fromJsonString(text, type);
    }

    private static StreamReadConstraints limitsOf(JsonMapper mapper) {
        if (mapper instanceof JavalinJackson) {
            return ((JavalinJackson) mapper).getMapper().getFactory().streamReadConstraints();
        }
        return StreamReadConstraints.defaults();
    }

    // ---- the first read ----

    /** Where the first read is: an object with its names so far, or an array with its next index. */
    private static final class Level {
        final Set<String> names; // null for an array
        String name;
        int index = -1;

        Level(boolean object) {
            names = object ? new HashSet<>() : null;
        }
    }

    /**
     * Reads the text as one strict JSON value, without recursion, against the limits; returns the
     * detail of the 400 for the first thing wrong with it, else null.
     */
    static String check(String text, StreamReadConstraints limits) {
        if (limits.getMaxDocumentLength() > 0 && text.length() > limits.getMaxDocumentLength()) {
            return "The request body is longer than " + limits.getMaxDocumentLength() + " characters.";
        }
        try (JsonParser parser = STRICT.createParser(text)) {
            List<Level> levels = new ArrayList<>();
            long tokens = 0;
            JsonToken token = parser.nextToken();
            if (token == null || token == JsonToken.VALUE_NULL) {
                return token == null ? EMPTY : trailingOr(text, parser, EMPTY);
            }
            do {
                if (limits.getMaxTokenCount() > 0 && ++tokens > limits.getMaxTokenCount()) {
                    return "The request body has more than " + limits.getMaxTokenCount() + " JSON tokens.";
                }
                Level level = levels.isEmpty() ? null : levels.get(levels.size() - 1);
                if (level != null && level.names == null && token != JsonToken.END_ARRAY) {
                    level.index++;
                }
                switch (token) {
                    case START_OBJECT:
                    case START_ARRAY:
                        if (levels.size() >= limits.getMaxNestingDepth()) {
                            return "The request body nests arrays and objects deeper than "
                                    + limits.getMaxNestingDepth() + " levels" + at(parser) + ".";
                        }
                        levels.add(new Level(token == JsonToken.START_OBJECT));
                        break;
                    case END_OBJECT:
                    case END_ARRAY:
                        levels.remove(levels.size() - 1);
                        break;
                    case FIELD_NAME:
                        String name = parser.currentName();
                        if (name.length() > limits.getMaxNameLength()) {
                            return "The request body has a field name longer than " + limits.getMaxNameLength()
                                    + " characters" + at(parser) + ".";
                        }
                        level.name = name;
                        if (!level.names.add(name)) {
                            return "The request body has the field \"" + excerpt(path(levels)) + "\" twice.";
                        }
                        break;
                    case VALUE_STRING:
                        if (parser.getTextLength() > limits.getMaxStringLength()) {
                            return "The request body has a string longer than " + limits.getMaxStringLength()
                                    + " characters" + at(parser) + ".";
                        }
                        break;
                    case VALUE_NUMBER_INT:
                    case VALUE_NUMBER_FLOAT:
                        int digits = parser.getTextLength() - (parser.getTextCharacters()[parser.getTextOffset()] == '-' ? 1 : 0);
                        if (digits > limits.getMaxNumberLength()) {
                            return "The request body has a number longer than " + limits.getMaxNumberLength()
                                    + " characters" + at(parser) + ".";
                        }
                        break;
                    default:
                        break;
                }
                if (levels.isEmpty()) {
                    break; // the value is whole
                }
                token = parser.nextToken();
            } while (token != null);
            return trailing(text, parser);
        } catch (JsonProcessingException e) {
            return invalidJson(e.getLocation());
        } catch (IOException e) { // not from a String
            return "The request body could not be read as JSON.";
        }
    }

    /** The detail for content after the value, else {@code otherwise}. */
    private static String trailingOr(String text, JsonParser parser, String otherwise) {
        String trailing = trailing(text, parser);
        return trailing != null ? trailing : otherwise;
    }

    /** The detail for content after the value, null when there is none. */
    private static String trailing(String text, JsonParser parser) {
        int end = (int) parser.currentLocation().getCharOffset();
        boolean more;
        try {
            more = parser.nextToken() != null;
        } catch (IOException e) {
            more = true;
        }
        if (!more) {
            return null;
        }
        int at = end;
        while (at < text.length() && isJsonWhitespace(text.charAt(at))) {
            at++;
        }
        return "The request body has content after the JSON value" + lineAndColumn(text, at) + ".";
    }

    private static boolean isJsonWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    /** " (line L, column C)" of a character offset, counted as Jackson counts them: CR, LF and CRLF end a line. */
    private static String lineAndColumn(String text, int offset) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset; i++) {
            char c = text.charAt(i);
            if (c == '\n' || (c == '\r' && (i + 1 >= text.length() || text.charAt(i + 1) != '\n'))) {
                line++;
                lineStart = i + 1;
            }
        }
        return " (line " + line + ", column " + (offset - lineStart + 1) + ")";
    }

    /** " (line L, column C)" of the token the parser is at. */
    private static String at(JsonParser parser) {
        JsonLocation location = parser.currentTokenLocation();
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String invalidJson(JsonLocation location) {
        if (location != null && location.getLineNr() > 0) {
            return "The request body is not valid JSON (line " + location.getLineNr() + ", column "
                    + location.getColumnNr() + ").";
        }
        return "The request body is not valid JSON.";
    }

    /** The path of the first read's current name: {@code a.b[2].c}. */
    private static String path(List<Level> levels) {
        StringBuilder path = new StringBuilder();
        for (Level level : levels) {
            if (level.names != null) {
                path.append(path.length() == 0 ? "" : ".").append(level.name);
            } else {
                path.append('[').append(level.index).append(']');
            }
        }
        return path.toString();
    }

    // ---- the binding ----

    /** A message for the client that names what is wrong without naming server classes. */
    static String describeBindingFailure(Exception failure) {
        Throwable cause = failure;
        while (cause != null && !(cause instanceof JsonProcessingException)) {
            cause = cause.getCause();
        }
        if (cause == null) {
            return "The request body could not be read as JSON.";
        }
        if (causedBy(cause, StreamConstraintsException.class)) {
            // A limit of the app's mapper that the first read does not know, such as the scale of a
            // number made into a BigInteger: too large, not malformed.
            String path = cause instanceof JsonMappingException ? describePath((JsonMappingException) cause) : "";
            return path.isEmpty()
                    ? "The request body has a value too large to read."
                    : "The request body's field " + path + " has a value too large to read.";
        }
        if (cause instanceof UnrecognizedPropertyException) {
            return "The request body has an unknown field \""
                    + excerpt(((UnrecognizedPropertyException) cause).getPropertyName()) + "\".";
        }
        if (cause instanceof JsonMappingException) {
            String path = describePath((JsonMappingException) cause);
            return path.isEmpty()
                    ? "The request body does not have the expected shape: send a JSON object."
                    : "The request body's field " + path + " does not have the expected type.";
        }
        if (cause instanceof InputCoercionException) { // a number out of range, outside any field
            return "The request body does not have the expected shape: send a JSON object.";
        }
        if (cause instanceof StreamReadException) { // the app's mapper read the text otherwise than the check
            return invalidJson(((StreamReadException) cause).getLocation());
        }
        return "The request body could not be read as JSON.";
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    private static String describePath(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "" : "\"" + excerpt(path.toString()) + "\"";
    }

    /**
     * Text from the client, safe to repeat in a detail: control, format and unassigned characters
     * (and lone surrogates) made {@code ?}, cut to 100 characters.
     */
    static String excerpt(String text) {
        StringBuilder safe = new StringBuilder();
        int count = 0;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            i += Character.charCount(codePoint);
            if (count++ == EXCERPT_CHARS) {
                return safe.append('…').toString();
            }
            switch (Character.getType(codePoint)) {
                case Character.CONTROL:
                case Character.FORMAT:
                case Character.SURROGATE:
                case Character.PRIVATE_USE:
                case Character.UNASSIGNED:
                case Character.LINE_SEPARATOR:
                case Character.PARAGRAPH_SEPARATOR:
                    safe.append('?');
                    break;
                default:
                    safe.appendCodePoint(codePoint);
            }
        }
        return safe.toString();
    }
}
