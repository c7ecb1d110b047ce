package io.postsse.server.internal;

import io.javalin.http.Context;
import io.javalin.json.JsonMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** RFC 9457 problem details, the body of every error postsse answers. */
final class Problems {
    static final String CONTENT_TYPE = "application/problem+json";

    private Problems() {
    }

    /** A problem of type {@code about:blank}, titled with the status's reason phrase. */
    static Map<String, Object> problem(int status, String detail) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        problem.put("title", reasonPhrase(status));
        problem.put("status", status);
        problem.put("detail", detail);
        return problem;
    }

    static void respond(Context ctx, int status, String detail) {
        ctx.status(status);
        ctx.contentType(CONTENT_TYPE);
        ctx.result(json(ctx.jsonMapper(), problem(status, detail)));
    }

    static String json(JsonMapper mapper, Map<String, Object> problem) {
        return mapper.toJsonString(problem, Map.class);
    }

    /** The text, with control characters replaced and cut to 64 characters: safe to quote in a problem. */
    static String printable(String text) {
        String printable = String.valueOf(text).replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= 64 ? printable : printable.substring(0, 64) + "…";
    }

    static String reasonPhrase(int status) {
        switch (status) {
            case 400:
                return "Bad Request";
            case 403:
                return "Forbidden";
            case 413:
                return "Content Too Large";
            case 410:
                return "Gone";
            case 415:
                return "Unsupported Media Type";
            case 405:
                return "Method Not Allowed";
            case 408:
                return "Request Timeout";
            case 429:
                return "Too Many Requests";
            case 502:
                return "Bad Gateway";
            case 503:
                return "Service Unavailable";
            case 504:
                return "Gateway Timeout";
            default:
                return "Internal Server Error";
        }
    }
}
