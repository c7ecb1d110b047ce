package io.postsse.docs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every {@code ```java} block of the README and of docs/your-own-app.md compiles, as written,
 * against postsse's published artifacts (and TeaVM's browser API, for pages written in Java), so
 * that the docs cannot drift from the API.
 *
 * <p>How a block becomes Java, mechanically:
 * <ul>
 *   <li>A block with a {@code package} line is a whole source file, compiled as it is.
 *   <li>Any other block is an example: its lines that start with {@code import } are its imports,
 *       and all its other lines, as they are, the body of {@code void example() throws Exception}
 *       in a class that extends {@link ExampleStandIns}, whose names stand for the reader's own
 *       code. So an example may declare local records and classes, and must import every type it
 *       names but those.
 * </ul>
 */
class JavaExamplesCompileTest {
    private static final Path ROOT = Path.of(System.getProperty("postsse.root", "..")).toAbsolutePath().normalize();
    private static final List<Path> DOCS = List.of(ROOT.resolve("README.md"), ROOT.resolve("docs/your-own-app.md"));
    private static final JavaCompiler COMPILER = ToolProvider.getSystemJavaCompiler();
    /** One for every block: it opens the class path's jars once. */
    private static final StandardJavaFileManager FILES = COMPILER.getStandardFileManager(null, Locale.ROOT, null);
    private static final Pattern TYPE_NAME = Pattern.compile(
            "^public\\s+(?:final\\s+|abstract\\s+)*(?:class|interface|record|enum)\\s+(\\w+)", Pattern.MULTILINE);

    @TestFactory
    Stream<DynamicTest> everyJavaBlockCompiles() {
        List<Markdown.Block> blocks = new ArrayList<>();
        for (Path doc : DOCS) {
            blocks.addAll(Markdown.blocks(doc, "java"));
        }
        assertFalse(blocks.isEmpty(), "no java blocks found in " + DOCS);
        return blocks.stream().map(block -> DynamicTest.dynamicTest(block.where(), () -> compile(block)));
    }

    @TestFactory
    Stream<DynamicTest> theRuleTellsExamplesFromFiles() {
        Markdown.Block example = new Markdown.Block(Path.of("x.md"), "java",
                "import java.util.List;\n\nrecord Pair(int a, int b) {}\nList<Pair> pairs = List.of(new Pair(1, 2));\n", 1, "");
        Markdown.Block file = new Markdown.Block(Path.of("x.md"), "java",
                "package a.b;\n\nimport java.util.List;\n\npublic final class Whole {\n    List<String> names;\n}\n", 1, "");
        Markdown.Block broken = new Markdown.Block(Path.of("x.md"), "java", "String s = 1;\n", 1, "");
        Markdown.Block unknownName = new Markdown.Block(Path.of("x.md"), "java", "EventStreamClient.create();\n", 1, "");
        return Stream.of(
                DynamicTest.dynamicTest("an example compiles as a method body", () -> compile(example)),
                DynamicTest.dynamicTest("a file compiles as it is", () -> compile(file)),
                DynamicTest.dynamicTest("an example that does not compile fails", () -> assertTrue(
                        compileErrors(broken).contains("incompatible types"))),
                DynamicTest.dynamicTest("an example must import what it names", () -> assertTrue(
                        compileErrors(unknownName).contains("cannot find symbol"))));
    }

    private static void compile(Markdown.Block block) {
        String errors = compileErrors(block);
        assertTrue(errors.isEmpty(), block.where() + " does not compile as written:\n" + errors);
    }

    /** The compiler's errors, each with the line of the Markdown file; "" when the block compiles. */
    private static String compileErrors(Markdown.Block block) {
        Source source = source(block);
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Path out;
        try {
            out = Files.createTempDirectory(Path.of("target"), "examples");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JavaFileObject unit = new SimpleJavaFileObject(URI.create("string:///" + source.fileName()), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source.text();
            }
        };
        List<String> options = List.of("--release", "17", "-proc:none", "-implicit:none",
                "-classpath", testClassPath(), "-d", out.toString());
        COMPILER.getTask(new StringWriter(), FILES, diagnostics, options, null, List.of(unit)).call();
        StringBuilder errors = new StringBuilder();
        for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics()) {
            if (diagnostic.getKind() == Diagnostic.Kind.ERROR) {
                errors.append(block.file().getFileName()).append(':')
                        .append(block.line() + source.lineInBlock(diagnostic.getLineNumber())).append(": ")
                        .append(diagnostic.getMessage(Locale.ROOT)).append('\n');
            }
        }
        return errors.toString();
    }

    /**
     * A block's Java source. Its line N is the block's line N, and for an example, whose imports come
     * first, so is its line {@code bodyStart + N}.
     */
    private record Source(String fileName, String text, int bodyStart) {
        long lineInBlock(long sourceLine) {
            return sourceLine > bodyStart ? sourceLine - bodyStart : sourceLine;
        }
    }

    private static Source source(Markdown.Block block) {
        String text = block.text();
        if (text.lines().anyMatch(line -> line.startsWith("package "))) {
            Matcher type = TYPE_NAME.matcher(text);
            if (!type.find()) {
                throw new AssertionError(block.where() + ": a file with a package line declares no public type");
            }
            return new Source(type.group(1) + ".java", text, Integer.MAX_VALUE);
        }
        // Every line keeps its place: an import leaves an empty line in the body, every other line an
        // empty line among the imports, so that the compiler's line numbers lead back to the block.
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : text.lines().toList()) {
            boolean isImport = line.startsWith("import ");
            imports.append(isImport ? line : "").append('\n');
            body.append(isImport ? "" : line).append('\n');
        }
        String className = "Example";
        String header = "class " + className + " extends " + ExampleStandIns.class.getName()
                + " { void example() throws Exception {\n";
        String source = imports + header + body + "}}\n";
        return new Source(className + ".java", source, (int) text.lines().count() + 1);
    }

    /** The test's class path: surefire's, which the JVM's own may only point to. */
    static String testClassPath() {
        String classPath = System.getProperty("surefire.test.class.path");
        return classPath != null ? classPath : System.getProperty("java.class.path");
    }
}
