package io.postsse.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.javalin.json.JavalinJackson;
import io.javalin.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What {@link RequestBodies#bind} takes for JSON, and what it answers for the rest. */
class RequestBodiesTest {
    /** A request body like an app's. */
    public record Chat(String prompt, int maxTokens) {
    }

    /** A request body with nested objects and arrays. */
    public record Nested(String prompt, List<Map<String, Object>> items, Map<String, Object> meta) {
    }

    /** A request body with a field an app's module makes. */
    public record Tagged(Tag tag) {
    }

    /** Made from a string by an app's deserializer. */
    public record Tag(String upper) {
    }

    /** Numbers of every size. */
    public record Numbers(int i, long l, double d, BigInteger big) {
    }

    private static final String JSON = "application/json";
    private static final JsonMapper MAPPER = new JavalinJackson();

    private static <T> RequestBodies.Bound<T> bind(byte[] body, String contentType, Class<T> type) {
        return RequestBodies.bind(MAPPER, body, contentType, type);
    }

    private static RequestBodies.Bound<Chat> bind(String body) {
        return bind(body.getBytes(StandardCharsets.UTF_8), JSON, Chat.class);
    }

    private static void assertProblem(RequestBodies.Bound<?> bound, int status, String detail) {
        assertFalse(bound.ok(), "bound: " + bound.value());
        assertNull(bound.value());
        assertEquals(detail, bound.detail());
        assertEquals(status, bound.status());
    }

    private static <T> T assertBound(RequestBodies.Bound<T> bound) {
        assertTrue(bound.ok(), () -> "problem: " + bound.status() + " " + bound.detail());
        assertEquals(0, bound.status());
        assertNull(bound.detail());
        return bound.value();
    }

    /** The bytes of a text whose {@code %XX} are hex bytes, the rest UTF-8. */
    private static byte[] bytes(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '%') {
                out.write(HexFormat.fromHexDigits(text, i + 1, i + 3));
                i += 2;
            } else {
                int end = text.indexOf('%', i);
                byte[] plain = text.substring(i, end < 0 ? text.length() : end).getBytes(StandardCharsets.UTF_8);
                out.writeBytes(plain);
                i = (end < 0 ? text.length() : end) - 1;
            }
        }
        return out.toByteArray();
    }

    private static void assertNotUtf8(String body, int at) {
        assertProblem(bind(bytes(body), JSON, Chat.class), 400, "The request body is not valid UTF-8 (at byte " + at + ").");
    }

    // ---- UTF-8 ----

    @Test
    void overlongUtf8Is400WithItsByteOffset() {
        assertNotUtf8("{\"prompt\":\"%C0%AF\"}", 11); // '/' in two bytes
        assertNotUtf8("{\"prompt\":\"%E0%80%AF\"}", 11); // and in three
        assertNotUtf8("%C1%BF", 0);
    }

    @Test
    void loneContinuationByteIs400WithItsByteOffset() {
        assertNotUtf8("%80{}", 0);
        assertNotUtf8("{\"prompt\":\"ab%BFc\"}", 13);
        assertNotUtf8("{\"prompt\":\"é%A9\"}", 13); // one too many after a whole 'é'
    }

    @Test
    void multiByteSequenceCutShortAtTheEndIs400WithItsByteOffset() {
        assertNotUtf8("{\"prompt\":\"x\"}%E2%82", 14);
        assertNotUtf8("{\"prompt\":\"x\"}%F0%9F%98", 14);
        assertNotUtf8("{\"prompt\":\"%E2%82\"}", 11); // cut short by the quote
    }

    @Test
    void surrogateEncodedInUtf8Is400WithItsByteOffset() {
        assertNotUtf8("{\"prompt\":\"%ED%A0%80\"}", 11); // U+D800, alone
        assertNotUtf8("{\"prompt\":\"%ED%A0%BD%ED%B8%80\"}", 11); // a pair, CESU-8 style
    }

    @Test
    void otherBytesThatAreNeverUtf8Are400() {
        assertNotUtf8("{\"prompt\":\"%F4%90%80%80\"}", 11); // above U+10FFFF
        assertNotUtf8("{\"prompt\":\"%FF\"}", 11);
        assertNotUtf8("{\"prompt\":\"caf%E9\"}", 14); // ISO-8859-1 sent as UTF-8
        assertNotUtf8("%FF%FE{%00}%00", 0); // UTF-16 with its byte order mark
    }

    // ---- Content-Type and charset ----

    @Test
    void charsetIso88591Is415() {
        assertProblem(bind(bytes("{\"prompt\":\"caf%E9\"}"), "application/json; charset=iso-8859-1", Chat.class), 415,
                "Send the request body in UTF-8, with Content-Type: application/json or application/json; "
                        + "charset=utf-8 (not charset=iso-8859-1).");
    }

    @Test
    void everyCharsetOtherThanUtf8Is415() {
        for (String contentType : List.of("application/json; charset=\"ISO-8859-1\"", "application/json;charset=us-ascii",
                "application/json; charset=utf-16", "application/json; charset=", "application/json; charset=utf-8; charset=latin1",
                "application/json; charset=utf_8", "application/vnd.api+json; charset=windows-1252")) {
            RequestBodies.Bound<Chat> bound = bind("{\"prompt\":\"x\"}".getBytes(StandardCharsets.UTF_8), contentType, Chat.class);
            assertEquals(415, bound.status(), contentType);
            assertTrue(bound.detail().startsWith("Send the request body in UTF-8"), bound.detail());
            assertEquals(bound.detail(), RequestBodies.contentTypeProblem(contentType), "checked before the body as after");
        }
    }

    @Test
    void charsetUtf8InAnyCaseQuotedOrNotOrNoCharsetIsAccepted() {
        for (String contentType : List.of("application/json", "APPLICATION/JSON", "application/json; charset=utf-8",
                "application/json;charset=UTF-8", "application/json ; charset = Utf-8 ", "application/json; charset=UTF8",
                "application/json; charset=\"utf-8\"", "application/json; Charset=\"UTF8\"",
                "application/json; profile=\"a;charset=latin1\"; charset=utf-8", "application/problem+json; charset=utf-8",
                "application/json; boundary=x")) {
            assertNull(RequestBodies.contentTypeProblem(contentType), contentType);
            assertEquals(new Chat("é", 0), assertBound(bind("{\"prompt\":\"é\"}".getBytes(StandardCharsets.UTF_8),
                    contentType, Chat.class)), contentType);
        }
    }

    @Test
    void contentTypeThatIsNotJsonIs415AsBefore() {
        assertProblem(bind("{}".getBytes(StandardCharsets.UTF_8), "text/plain", Chat.class), 415,
                "Send the request body as JSON, with Content-Type: application/json (not text/plain).");
        assertProblem(bind("{}".getBytes(StandardCharsets.UTF_8), null, Chat.class), 415,
                "Send the request body as JSON, with Content-Type: application/json.");
        assertEquals("Send the request body as JSON, with Content-Type: application/json (not text/plain; x=?"
                        + "y".repeat(85) + "…).",
                RequestBodies.contentTypeProblem("text/plain; x=\u0007" + "y".repeat(500)));
    }

    // ---- one value, and nothing after it ----

    @Test
    void trailingGarbageIs400WithWhereItStarts() {
        assertProblem(bind("{\"prompt\":\"x\"} xyz"), 400,
                "The request body has content after the JSON value (line 1, column 16).");
        assertProblem(bind("{\"a\":1} xyz"), 400, "The request body has content after the JSON value (line 1, column 9).");
        assertProblem(bind("{\"prompt\":\"x\"}\r\n\t }"), 400,
                "The request body has content after the JSON value (line 2, column 3).");
        assertProblem(bind("{\"prompt\":\"x\"}\u0000"), 400,
                "The request body has content after the JSON value (line 1, column 15).");
        assertProblem(bind("\"x\" 1"), 400, "The request body has content after the JSON value (line 1, column 5).");
    }

    @Test
    void trailingSecondJsonValueIs400() {
        assertProblem(bind("{\"prompt\":\"x\"}{\"prompt\":\"y\"}"), 400,
                "The request body has content after the JSON value (line 1, column 15).");
        assertProblem(bind("{\"prompt\":\"x\"}\n\n  [1]"), 400,
                "The request body has content after the JSON value (line 3, column 3).");
        assertProblem(bind("{\"prompt\":\"x\"} null"), 400,
                "The request body has content after the JSON value (line 1, column 16).");
    }

    @Test
    void whitespaceAroundTheValueIsAccepted() {
        assertEquals(new Chat("x", 2), assertBound(bind(" \t\r\n{\"prompt\":\"x\",\"maxTokens\":2}\r\n \t")));
    }

    // ---- duplicate fields ----

    @Test
    void duplicateTopLevelFieldIs400() {
        assertProblem(bind("{\"a\":1,\"a\":2}"), 400, "The request body has the field \"a\" twice.");
        assertProblem(bind("{\"prompt\":\"x\",\"maxTokens\":1,\"prompt\":\"y\"}"), 400,
                "The request body has the field \"prompt\" twice.");
    }

    @Test
    void duplicateNestedFieldIs400WithItsPath() {
        assertProblem(bind("{\"meta\":{\"a\":{\"b\":1,\"b\":1}}}".getBytes(StandardCharsets.UTF_8), JSON, Nested.class), 400,
                "The request body has the field \"meta.a.b\" twice.");
        assertProblem(bind("{\"items\":[{\"a\":1},{\"b\":[1,{\"c\":1,\"c\":2}]}]}".getBytes(StandardCharsets.UTF_8), JSON,
                Nested.class), 400, "The request body has the field \"items[1].b[1].c\" twice.");
    }

    @Test
    void sameFieldInSeveralObjectsIsAccepted() {
        Nested nested = assertBound(bind("{\"prompt\":\"p\",\"items\":[{\"prompt\":1},{\"prompt\":2}],\"meta\":{\"prompt\":{}}}"
                .getBytes(StandardCharsets.UTF_8), JSON, Nested.class));
        assertEquals(new Nested("p", List.of(Map.of("prompt", 1), Map.of("prompt", 2)), Map.of("prompt", Map.of())), nested);
    }

    @Test
    void fieldNameInADetailIsCutAndMadePrintable() {
        String name = "\u202Eevil\n" + "n".repeat(500);
        String body = "{\"" + name.replace("\n", "\\n") + "\":1,\"" + name.replace("\n", "\\u000a") + "\":2}";
        assertProblem(bind(body), 400, "The request body has the field \"?evil?" + "n".repeat(94) + "…\" twice.");
    }

    // ---- limits ----

    @Test
    void deepNestingIs400() {
        assertProblem(bind("[".repeat(100_000)), 400,
                "The request body nests arrays and objects deeper than 1000 levels (line 1, column 1001).");
        assertProblem(bind("{\"a\":".repeat(100_000)), 400,
                "The request body nests arrays and objects deeper than 1000 levels (line 1, column 5001).");
        assertProblem(bind("[".repeat(100_000) + "]".repeat(100_000)), 400,
                "The request body nests arrays and objects deeper than 1000 levels (line 1, column 1001).");
    }

    @Test
    void nestingUpToTheLimitBinds() {
        Object bound = assertBound(bind(("[".repeat(1000) + "]".repeat(1000)).getBytes(StandardCharsets.UTF_8), JSON, Object.class));
        int depth = 0;
        for (Object level = bound; level instanceof List && depth < 2000; level = ((List<?>) level).isEmpty() ? null : ((List<?>) level).get(0)) {
            depth++;
        }
        assertEquals(1000, depth);
        assertProblem(bind("{\"meta\":" + "[".repeat(1000) + "]".repeat(1000) + "}"), 400,
                "The request body nests arrays and objects deeper than 1000 levels (line 1, column 1008).");
    }

    @Test
    void hugeNumbersAre400() {
        assertProblem(bind("{\"prompt\":\"x\",\"maxTokens\":" + "9".repeat(1001) + "}"), 400,
                "The request body has a number longer than 1000 characters (line 1, column 27).");
        assertProblem(bind("{\"prompt\":\"x\",\"maxTokens\":-" + "9".repeat(1000) + "}"), 400,
                "The request body's field \"maxTokens\" does not have the expected type.");
        assertProblem(bind("{\"prompt\":\"x\",\"maxTokens\":1e999999999}"), 400,
                "The request body's field \"maxTokens\" does not have the expected type.");
        assertProblem(bind("{\"big\":1e999999999}".getBytes(StandardCharsets.UTF_8), JSON, Numbers.class), 400,
                "The request body's field \"big\" has a value too large to read.");
        assertProblem(bind("{\"l\":99999999999999999999}".getBytes(StandardCharsets.UTF_8), JSON, Numbers.class), 400,
                "The request body's field \"l\" does not have the expected type.");
        assertProblem(bind("9".repeat(100).getBytes(StandardCharsets.UTF_8), JSON, Integer.class), 400,
                "The request body does not have the expected shape: send a JSON object.");
        Numbers numbers = assertBound(bind(("{\"i\":-2147483648,\"l\":9223372036854775807,\"d\":1e999,\"big\":" + "9".repeat(1000) + "}")
                .getBytes(StandardCharsets.UTF_8), JSON, Numbers.class));
        assertEquals(new Numbers(Integer.MIN_VALUE, Long.MAX_VALUE, Double.POSITIVE_INFINITY, new BigInteger("9".repeat(1000))), numbers);
    }

    @Test
    void limitsOfTheAppsMapperApply() {
        ObjectMapper objectMapper = JavalinJackson.defaultMapper();
        objectMapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(100).maxNameLength(20).maxNumberLength(10).maxNestingDepth(3).build());
        JsonMapper mapper = new JavalinJackson(objectMapper, false);
        assertProblem(RequestBodies.bind(mapper, utf8("{\"prompt\":\"" + "x".repeat(101) + "\"}"), JSON, Chat.class), 400,
                "The request body has a string longer than 100 characters (line 1, column 11).");
        assertProblem(RequestBodies.bind(mapper, utf8("{\"" + "p".repeat(21) + "\":1}"), JSON, Chat.class), 400,
                "The request body has a field name longer than 20 characters (line 1, column 2).");
        assertProblem(RequestBodies.bind(mapper, utf8("{\"maxTokens\":12345678901}"), JSON, Chat.class), 400,
                "The request body has a number longer than 10 characters (line 1, column 14).");
        assertProblem(RequestBodies.bind(mapper, utf8("{\"meta\":[[{}]]}"), JSON, Nested.class), 400,
                "The request body nests arrays and objects deeper than 3 levels (line 1, column 11).");
        assertEquals(new Chat("x".repeat(100), 1234567890), assertBound(RequestBodies.bind(mapper,
                utf8("{\"prompt\":\"" + "x".repeat(100) + "\",\"maxTokens\":1234567890}"), JSON, Chat.class)));
    }

    @Test
    void longStringWithinTheLimitsBinds() {
        String prompt = "é".repeat(1_000_000);
        assertEquals(new Chat(prompt, 0), assertBound(bind("{\"prompt\":\"" + prompt + "\"}")));
    }

    // ---- the byte order mark ----

    @Test
    void utf8ByteOrderMarkIsIgnored() {
        assertEquals(new Chat("x", 1), assertBound(bind(bytes("%EF%BB%BF{\"prompt\":\"x\",\"maxTokens\":1}"), JSON, Chat.class)));
        // Offsets count its bytes; lines and columns start after it.
        assertNotUtf8("%EF%BB%BF{\"prompt\":\"%80\"}", 14);
        assertProblem(bind(bytes("%EF%BB%BF{\"prompt\": "), JSON, Chat.class), 400,
                "The request body is not valid JSON (line 1, column 12).");
        assertProblem(bind(bytes("%EF%BB%BF"), JSON, Chat.class), 400, RequestBodies.EMPTY);
    }

    @Test
    void byteOrderMarkAnywhereButTheStartIs400() {
        assertProblem(bind(bytes("%EF%BB%BF%EF%BB%BF{}"), JSON, Chat.class), 400,
                "The request body is not valid JSON (line 1, column 1).");
        assertProblem(bind(bytes(" %EF%BB%BF{}"), JSON, Chat.class), 400, "The request body is not valid JSON (line 1, column 2).");
        assertProblem(bind(bytes("{}%EF%BB%BF"), JSON, Chat.class), 400,
                "The request body has content after the JSON value (line 1, column 3).");
    }

    // ---- what binds ----

    @Test
    void validBodiesBindExactlyIncludingNonAscii() {
        String prompt = "héllo wörld — 日本語 👋🏽 \u0000\"\\/\b\f\n\r\t";
        assertEquals(new Chat(prompt, 42), assertBound(bind(
                "{\"prompt\":\"héllo wörld — 日本語 👋🏽 \\u0000\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"maxTokens\":42}")));
        assertEquals(new Chat("é👋", -1), assertBound(bind("{\"prompt\":\"\\u00e9\\uD83D\\uDC4B\",\"maxTokens\":-1}")));
        assertEquals(new Chat(null, 0), assertBound(bind("{}")));
        Map<?, ?> map = assertBound(bind(utf8("{\"ключ\":[1,2.5,true,null,\"z\"]}"), JSON, Map.class));
        assertEquals(Map.of("ключ", new ArrayList<>(java.util.Arrays.asList(1, 2.5, true, null, "z"))), map);
    }

    @Test
    void jsonThatIsNotStrictRfc8259Is400() {
        for (String body : List.of("{'prompt':'x'}", "{prompt:\"x\"}", "{\"prompt\":\"x\",}", "{\"maxTokens\":NaN}",
                "{\"maxTokens\":01}", "{\"prompt\":\"a\tb\"}", "{\"prompt\":\"x\"} // note", "/* note */ {}", "{\"maxTokens\":+1}")) {
            RequestBodies.Bound<Chat> bound = bind(body);
            assertEquals(400, bound.status(), body);
            assertTrue(bound.detail().startsWith("The request body is not valid JSON (line 1, column ")
                    || bound.detail().startsWith("The request body has content after the JSON value"), body + ": " + bound.detail());
        }
    }

    @Test
    void leniencyOfTheAppsMapperDoesNotApplyToRequestBodies() {
        ObjectMapper objectMapper = JavalinJackson.defaultMapper();
        objectMapper.enable(JsonParser.Feature.ALLOW_COMMENTS, JsonParser.Feature.ALLOW_SINGLE_QUOTES);
        objectMapper.enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
        JsonMapper mapper = new JavalinJackson(objectMapper, false);
        assertProblem(RequestBodies.bind(mapper, utf8("{/* note */ \"prompt\":\"x\"}"), JSON, Chat.class), 400,
                "The request body is not valid JSON (line 1, column 2).");
        assertProblem(RequestBodies.bind(mapper, utf8("{'prompt':'x'}"), JSON, Chat.class), 400,
                "The request body is not valid JSON (line 1, column 2).");
    }

    @Test
    void configurationOfTheAppsMapperStillMakesTheValue() {
        ObjectMapper objectMapper = JavalinJackson.defaultMapper();
        objectMapper.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        objectMapper.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        objectMapper.registerModule(new SimpleModule().addDeserializer(Tag.class, new JsonDeserializer<Tag>() {
            @Override
            public Tag deserialize(JsonParser p, com.fasterxml.jackson.databind.DeserializationContext ctxt) throws java.io.IOException {
                return new Tag(p.getValueAsString().toUpperCase(java.util.Locale.ROOT));
            }
        }));
        JsonMapper mapper = new JavalinJackson(objectMapper, false);
        assertEquals(new Chat("x", 7), assertBound(RequestBodies.bind(mapper, utf8("{\"prompt\":\"x\",\"max_tokens\":7,\"other\":1}"),
                JSON, Chat.class)));
        assertEquals(new Tagged(new Tag("ABC")), assertBound(RequestBodies.bind(mapper, utf8("{\"tag\":\"abc\"}"), JSON, Tagged.class)));
        assertProblem(RequestBodies.bind(mapper, utf8("{\"tag\":\"abc\",\"tag\":\"d\"}"), JSON, Tagged.class), 400,
                "The request body has the field \"tag\" twice.");
    }

    @Test
    void mapperThatIsNotJacksonGetsTheCheckedTextOnly() {
        AtomicInteger calls = new AtomicInteger();
        List<String> texts = new ArrayList<>();
        JsonMapper mapper = new JsonMapper() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> T fromJsonString(String json, Type targetType) {
                calls.incrementAndGet();
                texts.add(json);
                return (T) new Chat(json, json.length());
            }
        };
        for (String body : List.of("{\"a\":1,\"a\":2}", "{} {}", "[".repeat(2000), "{\"a\":", "")) {
            assertEquals(400, RequestBodies.bind(mapper, utf8(body), JSON, Chat.class).status(), body);
        }
        assertEquals(400, RequestBodies.bind(mapper, bytes("{\"a\":\"%C0%80\"}"), JSON, Chat.class).status());
        assertEquals(0, calls.get());
        assertEquals(new Chat("{\"é\":1}", 7), assertBound(RequestBodies.bind(mapper, bytes("%EF%BB%BF{\"é\":1}"), JSON, Chat.class)));
        assertEquals(List.of("{\"é\":1}"), texts);
    }

    // ---- the messages StreamRoute gave before ----

    @Test
    void malformedJsonIs400WithLineAndColumn() {
        assertProblem(bind("{\"prompt\": "), 400, "The request body is not valid JSON (line 1, column 12).");
        assertProblem(bind("{\n  \"prompt\": \"x\",\n  \"maxTokens\": oops\n}"), 400,
                "The request body is not valid JSON (line 3, column 16).");
    }

    @Test
    void unknownFieldIs400NamingIt() {
        assertProblem(bind("{\"prompt\":\"x\",\"colour\":1}"), 400, "The request body has an unknown field \"colour\".");
    }

    @Test
    void fieldOfTheWrongTypeIs400NamingItsPath() {
        assertProblem(bind("{\"prompt\":\"x\",\"maxTokens\":\"many\"}"), 400,
                "The request body's field \"maxTokens\" does not have the expected type.");
        assertProblem(bind(utf8("{\"items\":[{},\"x\"]}"), JSON, Nested.class), 400,
                "The request body's field \"items[1]\" does not have the expected type.");
    }

    @Test
    void jsonOfTheWrongShapeIs400() {
        assertProblem(bind("[1, 2]"), 400, "The request body does not have the expected shape: send a JSON object.");
        assertProblem(bind("\"x\""), 400, "The request body does not have the expected shape: send a JSON object.");
    }

    @Test
    void emptyBodyIs400() {
        assertProblem(bind(""), 400, "The request body is empty: send a JSON object.");
        assertProblem(bind(" \r\n\t "), 400, "The request body is empty: send a JSON object.");
    }

    @Test
    void nullBodyIs400() {
        assertProblem(bind("null"), 400, "The request body is empty: send a JSON object.");
        assertProblem(bind(" null\n"), 400, "The request body is empty: send a JSON object.");
        assertProblem(bind("null {}"), 400, "The request body has content after the JSON value (line 1, column 6).");
    }

    @Test
    void boundIsEitherAValueOrAProblem() {
        assertEquals("x", RequestBodies.Bound.bound("x").value());
        assertEquals(415, RequestBodies.Bound.problem(415, "no").status());
        for (Runnable invalid : List.<Runnable>of(() -> new RequestBodies.Bound<>(null, 0, null),
                () -> new RequestBodies.Bound<>("x", 400, "no"), () -> new RequestBodies.Bound<>(null, 500, "no"),
                () -> new RequestBodies.Bound<>(null, 400, null))) {
            try {
                invalid.run();
                throw new AssertionError("accepted");
            } catch (IllegalArgumentException expected) {
                // either a value, or a 4xx with a detail
            }
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
