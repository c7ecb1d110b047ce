package io.postsse.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.microsoft.playwright.Page;
import io.postsse.testing.InBothBrowsers;
import io.postsse.testing.TestBrowser;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * docs/your-own-app.md, done as the page says: its files, taken from the blocks the page captions
 * with their paths, make a new Maven project; the page's run command builds and starts it; the
 * page's curl line and its page get what the page shows.
 *
 * <p>The project is built against this build's own artifacts, never anything installed: the
 * published modules' jars and poms (those the build marks as published, the parent and the BOM
 * included) are copied into a local repository of the project's own under target/, and a
 * settings file there reads every other dependency and plugin from this build's local repository
 * (as a file:// repository), then Maven Central. So nothing is installed into the shared local
 * repository, and a machine that ran this build needs no network for it.
 */
class YourOwnAppTest {
    private static final Path ROOT = Path.of(System.getProperty("postsse.root", "..")).toAbsolutePath().normalize();
    private static final Path PAGE = ROOT.resolve("docs/your-own-app.md");
    private static final Path WORK = Path.of("target/your-own-app").toAbsolutePath();
    private static final String VERSION = System.getProperty("postsse.version");
    private static final String GROUP_ID = "io.postsse";
    /** The first build copies some hundred jars into its repository; on a loaded machine, a minute or two. */
    private static final long BUILD_MINUTES = 5;
    private static final long START_SECONDS = 60;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static List<Markdown.Block> blocks;
    private static Process app;
    private static URI base;

    @BeforeAll
    static void buildAndStartThePagesApp() throws Exception {
        assertNotNull(VERSION, "run by Maven, which names the build's version (postsse.version)");
        blocks = Markdown.blocks(PAGE);
        deleteRecursively(WORK);
        Path project = WORK.resolve("app");
        List<String> written = new ArrayList<>();
        for (Markdown.Block block : blocks) {
            if (block.fileName() != null) {
                Path file = project.resolve(block.fileName()).normalize();
                assertTrue(file.startsWith(project), block.where() + ": a path inside the project");
                Files.createDirectories(file.getParent());
                Files.writeString(file, block.text(), StandardCharsets.UTF_8);
                written.add(block.fileName());
            }
        }
        assertEquals(List.of("pom.xml", "src/main/java/hello/HelloApp.java", "src/main/resources/public/index.html"),
                written, "the files the page captions with their paths");
        String imported = importedBomVersion(project.resolve("pom.xml"));
        assertEquals(VERSION, imported, "docs/your-own-app.md imports postsse-bom " + imported
                + ", and this build is " + VERSION + ": the page names the version to use");

        Path repository = layOutRepository(WORK.resolve("repository"));
        Path settings = writeSettings(WORK.resolve("settings.xml"));

        String[] run = runCommand().split(" && ");
        assertEquals(2, run.length, "the run command: a Maven build, then java");
        List<String> build = new ArrayList<>(List.of(run[0].split(" ")));
        assertEquals("mvn", build.get(0), "the run command starts with mvn");
        build.set(0, Path.of(System.getProperty("postsse.maven.home"), "bin", "mvn").toString());
        build.addAll(1, List.of("-B", "-s", settings.toString(), "-Dmaven.repo.local=" + repository));
        if (Boolean.getBoolean("postsse.offline")) {
            // Offline, Maven still reads file:// repositories when told so.
            build.addAll(1, List.of("-o", "-Daether.offline.protocols=file"));
        }
        Path buildLog = WORK.resolve("build.log");
        ProcessBuilder maven = new ProcessBuilder(build).directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(buildLog.toFile());
        maven.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process building = maven.start();
        if (!building.waitFor(BUILD_MINUTES, TimeUnit.MINUTES)) {
            building.destroyForcibly();
            fail("The page's build took over " + BUILD_MINUTES + " minutes; its output: " + buildLog);
        }
        assertEquals(0, building.exitValue(), () -> "The page's build failed:\n" + read(buildLog));

        List<String> start = new ArrayList<>(List.of(run[1].split(" ")));
        assertEquals("java", start.get(0), "the run command starts the app with java");
        start.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        int port = freePort();
        Path appLog = WORK.resolve("app.log");
        ProcessBuilder starting = new ProcessBuilder(start).directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(appLog.toFile());
        starting.environment().put("PORT", Integer.toString(port));
        app = starting.start();
        String listening = "Listening on http://127.0.0.1:" + port + "/";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (!read(appLog).contains(listening)) {
            assertTrue(app.isAlive(), () -> "The app stopped:\n" + read(appLog));
            assertTrue(System.nanoTime() < deadline, () -> "The app did not start in " + START_SECONDS + " s:\n" + read(appLog));
            app.waitFor(100, TimeUnit.MILLISECONDS);
        }
        base = URI.create("http://127.0.0.1:" + port);
    }

    @AfterAll
    static void stopTheApp() throws InterruptedException {
        if (app != null) {
            app.destroy();
            if (!app.waitFor(10, TimeUnit.SECONDS)) {
                app.destroyForcibly();
            }
        }
    }

    @Test
    void theCurlLineGetsTheEventsThePageShows() throws Exception {
        Curl curl = curl();
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(curl.url().getRawPath()))
                .POST(HttpRequest.BodyPublishers.ofString(curl.body()));
        curl.headers().forEach(header -> {
            String[] nameAndValue = header.split(":\\s*", 2);
            request.header(nameAndValue[0], nameAndValue[1]);
        });
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("text/event-stream; charset=utf-8", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(curl.output(), response.body());
    }

    @Test
    void aRequestWithoutANameIsRefusedBeforeAnyEvent() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(base.resolve(curl().url().getRawPath()))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, response.statusCode());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(response.body().contains("\"detail\":\"A name is required.\""), response.body());
    }

    @InBothBrowsers
    void thePageShowsTheGreetingThenARefusal(TestBrowser browser) {
        String greeting = Pattern.compile("^data: (.*)$", Pattern.MULTILINE).matcher(curl().output()).results()
                .map(data -> data.group(1)).collect(Collectors.joining(" "));
        try (Page page = browser.newPage()) {
            page.navigate(base + "/");
            page.click("text=Greet me");
            page.waitForFunction("() => document.getElementById('status').textContent === 'completed'",
                    null, new Page.WaitForFunctionOptions().setTimeout(30_000));
            assertEquals(greeting, page.textContent("#reply").strip());

            page.fill("#name", "");
            page.click("text=Greet me");
            page.waitForFunction("() => document.getElementById('status').textContent === 'failed'",
                    null, new Page.WaitForFunctionOptions().setTimeout(30_000));
            assertEquals("A name is required.", page.textContent("#reply"));
        }
    }

    /** The page's run command: its sh block that starts with mvn. */
    private static String runCommand() {
        List<String> commands = blocks.stream().filter(block -> block.language().equals("sh"))
                .map(block -> block.text().strip()).filter(text -> text.startsWith("mvn ")).toList();
        assertEquals(1, commands.size(), "one run command on the page: " + commands);
        return commands.get(0);
    }

    /** The page's curl line (its sh block that starts with curl) and the output shown in the block after it. */
    private record Curl(URI url, List<String> headers, String body, String output) {
    }

    private static Curl curl() {
        for (int i = 0; i < blocks.size() - 1; i++) {
            Markdown.Block block = blocks.get(i);
            if (block.language().equals("sh") && block.text().startsWith("curl ")) {
                List<String> words = new ArrayList<>();
                Matcher word = Pattern.compile("'([^']*)'|(\\S+)").matcher(block.text().strip());
                while (word.find()) {
                    words.add(word.group(1) != null ? word.group(1) : word.group(2));
                }
                List<String> headers = new ArrayList<>();
                String body = null;
                URI url = null;
                for (int w = 1; w < words.size(); w++) {
                    switch (words.get(w)) {
                        case "-sN", "-s", "-N" -> { }
                        case "-X" -> assertEquals("POST", words.get(++w));
                        case "-H" -> headers.add(words.get(++w));
                        case "-d" -> body = words.get(++w);
                        default -> url = URI.create("http://" + words.get(w));
                    }
                }
                assertNotNull(body, "the curl line sends a body");
                assertNotNull(url, "the curl line names a URL");
                return new Curl(url, headers, body, blocks.get(i + 1).text());
            }
        }
        throw new AssertionError("no curl line on the page, followed by its output");
    }

    private static String importedBomVersion(Path pom) {
        Element management = Published.child(Published.read(pom), "dependencyManagement");
        for (Element dependency : Published.children(Published.child(management, "dependencies"), "dependency")) {
            if (Published.child(dependency, "artifactId").getTextContent().strip().equals("postsse-bom")) {
                return Published.child(dependency, "version").getTextContent().strip();
            }
        }
        throw new AssertionError("the page's pom imports no postsse-bom");
    }

    /**
     * A local repository holding this build's published artifacts, as installing them would lay them
     * out: each pom, and the jar that Maven resolved for this test (the module's own target/*.jar).
     */
    private static Path layOutRepository(Path repository) throws IOException {
        List<Path> classPath = Stream.of(JavaExamplesCompileTest.testClassPath().split(File.pathSeparator))
                .map(Path::of).toList();
        for (Published.Artifact artifact : Published.artifacts(ROOT)) {
            Path directory = repository.resolve(GROUP_ID.replace('.', '/')).resolve(artifact.artifactId()).resolve(VERSION);
            Files.createDirectories(directory);
            String name = artifact.artifactId() + "-" + VERSION;
            Files.copy(artifact.pom(), directory.resolve(name + ".pom"));
            if (artifact.packaging().equals("jar")) {
                Path jar = classPath.stream().filter(entry -> entry.getFileName().toString().equals(name + ".jar"))
                        .findFirst().orElseThrow(() -> new AssertionError("No " + name + ".jar on the test's class path: "
                                + "docs-tests depends on every published artifact, and runs once they are packaged"));
                Files.copy(jar, directory.resolve(name + ".jar"));
            }
        }
        return repository;
    }

    /** Settings that read what the page's build needs from this build's local repository, then from Maven Central. */
    private static Path writeSettings(Path settings) throws IOException {
        String cache = Path.of(System.getProperty("postsse.local.repository")).toUri().toString();
        String repository = "<id>this-build</id><url>" + cache + "</url>"
                + "<releases><enabled>true</enabled></releases><snapshots><enabled>false</enabled></snapshots>";
        Files.writeString(settings, """
                <settings>
                  <!-- This build's local repository, read as a remote one; for snapshots never,
                       so that only this build's postsse artifacts are used. Then Maven Central. -->
                  <profiles>
                    <profile>
                      <id>this-build</id>
                      <repositories><repository>%1$s</repository></repositories>
                      <pluginRepositories><pluginRepository>%1$s</pluginRepository></pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles><activeProfile>this-build</activeProfile></activeProfiles>
                </settings>
                """.formatted(repository), StandardCharsets.UTF_8);
        return settings;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (Files.exists(directory)) {
            try (Stream<Path> paths = Files.walk(directory)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }
}
