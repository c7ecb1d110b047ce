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
 * The browser client's files, read once from the postsse-web-client artifact on the classpath and
 * answered from memory on four exact paths: the script {@code postsse.js}, the ES module
 * {@code postsse.mjs} (the same client), and the type declarations of each, {@code postsse.d.ts}
 * and {@code postsse.d.mts}.
 */
public final class ClientScript {
    /** Where the web client's build puts its files on the classpath. */
    static final String RESOURCE_FOLDER = "io/postsse/web/";

    private static final String JAVASCRIPT = "text/javascript; charset=utf-8";
    private static final String TEXT = "text/plain; charset=utf-8";

    private final byte[] body;
    private final String contentType;
    private final String etag;

    private ClientScript(byte[] body, String contentType) {
        this.body = body;
        this.contentType = contentType;
        this.etag = etagOf(body);
    }

    /**
     * Adds {@code GET} and {@code HEAD} {@code /postsse.js}, {@code /postsse.mjs}, {@code /postsse.d.ts}
     * and {@code /postsse.d.mts} to the app, nothing else.
     */
    public static void register(JavalinConfig config) {
        serve(config, "postsse.js", JAVASCRIPT);
        serve(config, "postsse.mjs", JAVASCRIPT); // a module script needs a JavaScript type, and nosniff holds it to it
        serve(config, "postsse.d.ts", TEXT);
        serve(config, "postsse.d.mts", TEXT);
    }

    /** The file of that name in the resource folder, on the path of that name at the root. */
    private static void serve(JavalinConfig config, String name, String contentType) {
        ClientScript file = load(name, contentType);
        config.routes.get("/" + name, file::get);
        config.routes.head("/" + name, file::head);
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
