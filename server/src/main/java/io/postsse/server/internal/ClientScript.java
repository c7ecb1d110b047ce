package io.postsse.server.internal;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The browser client's two files, {@code postsse.js} and {@code postsse.d.ts}, read once from the
 * postsse-web-client artifact on the classpath and answered from memory on two exact paths.
 */
public final class ClientScript {
    /** Where the web client's build puts its files on the classpath. */
    static final String RESOURCE_FOLDER = "io/postsse/web/";

    /** The script's URL path. */
    public static final String SCRIPT_PATH = "/postsse.js";
    /** Its type declarations' URL path. */
    public static final String TYPES_PATH = "/postsse.d.ts";

    private final byte[] body;
    private final String contentType;
    private final String etag;

    private ClientScript(byte[] body, String contentType) {
        this.body = body;
        this.contentType = contentType;
        this.etag = etagOf(body);
    }

    /** Adds {@code GET} and {@code HEAD} {@code /postsse.js} and {@code /postsse.d.ts} to the app, nothing else. */
    public static void register(JavalinConfig config) {
        ClientScript script = load("postsse.js", "text/javascript; charset=utf-8");
        ClientScript types = load("postsse.d.ts", "text/plain; charset=utf-8");
        config.routes.get(SCRIPT_PATH, script::get);
        config.routes.head(SCRIPT_PATH, script::head);
        config.routes.get(TYPES_PATH, types::get);
        config.routes.head(TYPES_PATH, types::head);
    }

    private static ClientScript load(String name, String contentType) {
        String resource = RESOURCE_FOLDER + name;
        ClassLoader loader = ClientScript.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("serveClientScript(): " + resource + " is not on the classpath;"
                        + " add the io.postsse:postsse-web-client artifact");
            }
            return new ClientScript(in.readAllBytes(), contentType);
        } catch (IOException e) {
            throw new UncheckedIOException("serveClientScript(): cannot read " + resource, e);
        }
    }

    private void get(Context ctx) {
        if (headers(ctx)) {
            ctx.result(body);
        }
    }

    /** The GET's status and headers, without the body. */
    private void head(Context ctx) {
        if (headers(ctx)) {
            ctx.res().setContentLength(body.length);
        }
    }

    /** Sets the headers; true when the body follows, false for a 304. */
    private boolean headers(Context ctx) {
        ctx.header("ETag", etag);
        // Unversioned paths: caches keep the file but ask again each time; an unchanged one costs a 304.
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Content-Type-Options", "nosniff");
        if (matches(ctx.header("If-None-Match"))) {
            ctx.status(HttpStatus.NOT_MODIFIED);
            return false;
        }
        ctx.contentType(contentType);
        return true;
    }

    private boolean matches(String ifNoneMatch) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String candidate : ifNoneMatch.split(",")) {
            String tag = candidate.strip();
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals("*") || tag.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static String etagOf(byte[] body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
