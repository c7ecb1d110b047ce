package io.postsse.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.javalin.Javalin;
import io.postsse.protocol.EventEncoder;
import io.postsse.server.PostSse;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The npm package that the web client's build lays out in {@code web-client/target/npm}: packed by
 * {@code npm pack}, installed from the tarball into a new project (offline: it has no
 * dependencies), imported as {@code "postsse"} by Node.js, which streams from a server on loopback,
 * and type-checked by TypeScript. Needs Node.js 20 or newer and npm; the type check also takes
 * TypeScript from the npm registry (or npm's cache).
 */
class NpmPackageTest {
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(60);
    /** Pinned, so that a new TypeScript cannot change the outcome. */
    private static final String TYPESCRIPT = "typescript@5.9.3";

    @TempDir
    static Path work;
    private static Path tarball;
    /** A project with the tarball installed. */
    private static Path project;

    private static final OptionRoutes routes = new OptionRoutes();
    private static final AtomicInteger flakyCalls = new AtomicInteger();
    private static Javalin server;

    @BeforeAll
    static void packAndInstall() throws Exception {
        assumeTrue(nodeMajorVersion() >= 20, "needs Node.js 20 or newer, and npm, on the PATH");
        Path packageDir = Path.of(System.getProperty("postsse.npm.package", "../web-client/target/npm"));
        assertTrue(Files.isRegularFile(packageDir.resolve("package.json")),
                packageDir.toAbsolutePath() + " holds no package: build the web-client module first");

        Path packed = Files.createDirectories(work.resolve("packed"));
        String output = run(work, NPM_TIMEOUT, "npm", "pack", packageDir.toAbsolutePath().toString(),
                "--pack-destination", packed.toString(), "--loglevel=error");
        String[] lines = output.strip().split("\n");
        tarball = packed.resolve(lines[lines.length - 1].strip());
        assertTrue(Files.isRegularFile(tarball), "npm pack printed the tarball's name last: " + output);

        project = newProject("app");
        run(project, NPM_TIMEOUT, "npm", "install", "--offline", "--no-audit", "--no-fund", "--loglevel=error",
                tarball.toString());

        server = Javalin.create(config -> {
            PostSse.install(config, routes::install);
            // 503 on the first request, then one event: a retry, which runs on Node.js's timers.
            config.routes.post("/flaky", ctx -> {
                if (flakyCalls.incrementAndGet() == 1) {
                    ctx.status(503).result("try again");
                    return;
                }
                ctx.contentType("text/event-stream").result(EventEncoder.event(null, "1", "after a retry"));
            });
        }).start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void theTarballHoldsTheBuiltClientAndItsTypes() throws Exception {
        assertEquals("postsse-" + System.getProperty("postsse.version") + ".tgz", tarball.getFileName().toString());
        Path installed = project.resolve("node_modules/postsse");
        try (Stream<Path> files = Files.list(installed)) {
            assertEquals(List.of("LICENSE", "README.md", "package.json", "postsse.d.mts", "postsse.d.ts", "postsse.js",
                    "postsse.mjs"), files.map(file -> file.getFileName().toString()).sorted().toList());
        }
        for (String file : List.of("postsse.mjs", "postsse.js", "postsse.d.mts", "postsse.d.ts")) {
            assertArrayEquals(resource("io/postsse/web/" + file), Files.readAllBytes(installed.resolve(file)),
                    file + " is the one the web client's jar carries");
        }
        String manifest = Files.readString(installed.resolve("package.json"));
        assertTrue(manifest.contains("\"version\": \"" + System.getProperty("postsse.version") + "\""), manifest);
        assertTrue(manifest.contains("\"license\": \"Apache-2.0\""), manifest);
    }

    @Test
    void nodeImportsThePackageAndStreams() throws Exception {
        Files.writeString(project.resolve("streams.mjs"), """
                import {stream, resume} from "postsse";

                const base = process.argv[2];
                /** Opens a stream; logs its callbacks as "name what"; resolves once it closed. */
                function run(name, path, options, onEvent) {
                  return new Promise(resolve => {
                    stream(new URL(path, base), Object.assign({}, options, {
                      onEvent: e => { console.log(name + " event " + e.data + " #" + e.lastEventId); if (onEvent) onEvent(e); },
                      onError: e => console.log(name + " error " + e.kind + " " + e.status + " retrying=" + e.retrying),
                      onClose: e => { console.log(name + " close " + e.reason); resolve(); },
                    }));
                    console.log(name + " returned");
                  });
                }

                await run("plain", "/count", {body: {key: "node-plain"}});
                await run("resumed", "/count", {body: {key: "node-resumed"}, lastEventId: "3"});
                await run("retried", "/flaky", {initialRetryMillis: 10});
                const controller = new AbortController();
                await run("aborted", "/endless", {body: {key: "node-aborted"}, signal: controller.signal},
                    () => controller.abort());
                await run("pre-aborted", "/count", {body: {key: "node-pre-aborted"}, signal: AbortSignal.abort()});
                console.log("resume " + resume("nothing-persisted"));
                try {
                  stream(new URL("/count", base), {signal: "soon"});
                } catch (e) {
                  console.log(e.name + ": " + e.message);
                }
                """);

        List<String> lines = List.of(run(project, NODE_TIMEOUT, "node", "streams.mjs", "http://127.0.0.1:" + server.port())
                .strip().split("\n"));

        List<String> expected = new ArrayList<>(List.of(
                "plain returned", "plain event n1 #1", "plain event n2 #2", "plain event n3 #3", "plain event n4 #4",
                "plain event n5 #5", "plain close completed",
                "resumed returned", "resumed event n4 #4", "resumed event n5 #5", "resumed close completed",
                "retried returned", "retried error http_status 503 retrying=true", "retried event after a retry #1",
                "retried close completed",
                "aborted returned"));
        assertEquals(expected, lines.subList(0, expected.size()), String.join("\n", lines));
        assertTrue(lines.get(expected.size()).startsWith("aborted event tick 0 #"), String.join("\n", lines));
        expected.addAll(List.of(lines.get(expected.size()), "aborted close cancelled",
                "pre-aborted returned", "pre-aborted close cancelled",
                "resume null",
                "TypeError: postsse: options.signal is not an AbortSignal"));
        assertEquals(expected, lines);

        assertEquals("none", routes.lastEventId("node-plain"));
        assertEquals("3", routes.lastEventId("node-resumed"));
        assertTrue(routes.cancelled("node-aborted").await(10, TimeUnit.SECONDS),
                "the aborted stream is stopped on the server");
        assertEquals(0, routes.runs("node-pre-aborted"), "an aborted signal sends nothing");
    }

    @Test
    void typeScriptResolvesTheTypesOfTheModuleAndOfTheScript() throws Exception {
        Path typed = newProject("typed");
        run(typed, NPM_TIMEOUT, "npm", "install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error",
                tarball.toString(), TYPESCRIPT);
        // Each @ts-expect-error fails the check if its line type-checks: types that resolved to any would.
        Files.writeString(typed.resolve("module.ts"), """
                import {stream, resume, type StreamOptions, type StreamHandle, type StreamEvent} from "postsse";

                const controller = new AbortController();
                const options: StreamOptions = {
                  body: {prompt: "hi"},
                  signal: controller.signal,
                  lastEventId: "7",
                  on: {token: (e: StreamEvent) => console.log(e.data.length)},
                  onClose: info => console.log(info.reason === "cancelled"),
                };
                const handle: StreamHandle = stream(new URL("http://127.0.0.1/chat"), options);
                handle.close();
                const resumed: StreamHandle | null = resume("answer", {signal: controller.signal});
                console.log(resumed);
                // @ts-expect-error: a resumed stream goes on from its persisted last event ID
                resume("answer", {lastEventId: "3"});
                // @ts-expect-error: the signal is an AbortSignal
                stream("/chat", {signal: "soon"});
                // @ts-expect-error: no such reason
                stream("/chat", {onClose: info => info.reason === "timeout"});
                """);
        Files.writeString(typed.resolve("script.ts"), """
                /// <reference path="node_modules/postsse/postsse.d.ts" />
                const handle: postsse.StreamHandle = window.postsse.stream("/chat", {lastEventId: "7"});
                handle.close();
                const options: postsse.StreamOptions = {signal: new AbortController().signal};
                postsse.stream("/chat", options);
                // @ts-expect-error: the URL is a string or a URL
                window.postsse.stream(42);
                """);
        // Each way TypeScript finds a package's types: Node.js's (by "exports"), a bundler's, and the
        // old one (by "types"); then the script's global. In one process, which parses lib.dom.d.ts once.
        Files.writeString(typed.resolve("check-types.mjs"), """
                import ts from "typescript";

                const settings = [["NodeNext", "NodeNext", "module.ts"], ["Node16", "Node16", "module.ts"],
                    ["ESNext", "Bundler", "module.ts"], ["ESNext", "Node10", "module.ts"], ["ESNext", "Bundler", "script.ts"]];
                const parsed = new Map();
                let errors = 0;
                for (const [module, resolution, file] of settings) {
                  const options = {noEmit: true, strict: true, target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
                    module: ts.ModuleKind[module], moduleResolution: ts.ModuleResolutionKind[resolution]};
                  const host = ts.createCompilerHost(options);
                  const parse = host.getSourceFile;
                  host.getSourceFile = (name, version, ...rest) => {
                    const key = name + " " + JSON.stringify(version);
                    if (!parsed.has(key)) parsed.set(key, parse.call(host, name, version, ...rest));
                    return parsed.get(key);
                  };
                  const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram([file], options, host));
                  console.log(file + " " + module + "/" + resolution + ": " + diagnostics.length + " errors");
                  console.log(ts.formatDiagnostics(diagnostics, host));
                  errors += diagnostics.length;
                }
                process.exitCode = errors === 0 ? 0 : 1;
                """);
        String output = run(typed, NPM_TIMEOUT, "node", "check-types.mjs");
        assertEquals(List.of("module.ts NodeNext/NodeNext: 0 errors", "module.ts Node16/Node16: 0 errors",
                "module.ts ESNext/Bundler: 0 errors", "module.ts ESNext/Node10: 0 errors",
                "script.ts ESNext/Bundler: 0 errors"), output.lines().filter(line -> !line.isBlank()).toList());
    }

    private static Path newProject(String name) throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        Files.writeString(dir.resolve("package.json"), "{\"name\": \"" + name + "\", \"private\": true, \"type\": \"module\"}\n");
        return dir;
    }

    /** The major version of the node on the PATH; 0 when there is none, or no npm beside it. */
    private static int nodeMajorVersion() {
        try {
            String version = run(Path.of("."), Duration.ofSeconds(30), "node", "--version").strip();
            run(Path.of("."), Duration.ofSeconds(30), "npm", "--version");
            return Integer.parseInt(version.substring(1, version.indexOf('.')));
        } catch (IOException | AssertionError | RuntimeException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** Runs the command in the folder; its standard output, once it exited 0 within the time. */
    private static String run(Path dir, Duration timeout, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("npm-test", ".out");
        Path err = Files.createTempFile("npm-test", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().put("npm_config_update_notifier", "false");
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not end within " + timeout + "\n" + Files.readString(out)
                        + Files.readString(err));
            }
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + stdout + Files.readString(err));
            return stdout;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = NpmPackageTest.class.getClassLoader().getResourceAsStream(name)) {
            assertTrue(in != null, name + " on the test classpath");
            return in.readAllBytes();
        }
    }
}
