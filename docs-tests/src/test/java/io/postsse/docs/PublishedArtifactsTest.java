package io.postsse.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/** What is published, what the BOM lists and what the README's Install section says agree. */
class PublishedArtifactsTest {
    private static final Path ROOT = Path.of(System.getProperty("postsse.root", "..")).toAbsolutePath().normalize();
    private static final String VERSION = System.getProperty("postsse.version");
    private static final Path BOM = ROOT.resolve("bom/pom.xml");

    private static List<Published.Artifact> published() {
        return Published.artifacts(ROOT);
    }

    @Test
    void theBomListsEveryPublishedJarAndNothingElse() {
        List<String> jars = published().stream().filter(artifact -> artifact.packaging().equals("jar"))
                .map(Published.Artifact::artifactId).sorted().toList();
        assertEquals(List.of("postsse-jvm-client", "postsse-protocol", "postsse-server", "postsse-web-client"), jars);
        assertEquals(jars, Published.managed(BOM).stream().sorted().toList());
    }

    @Test
    void everyPublishedPomHasThisVersionAndWhatMavenCentralAsksFor() {
        for (Published.Artifact artifact : published()) {
            Element project = Published.read(artifact.pom());
            assertEquals(VERSION, Published.version(artifact.pom()), artifact.pom().toString());
            assertNotNull(Published.child(project, "name"), artifact.pom() + " has a name");
            assertNotNull(Published.child(project, "description"), artifact.pom() + " has a description");
        }
        // The rest every published pom inherits from the BOM, the top of the build's parents.
        Element bom = Published.read(BOM);
        for (String element : List.of("url", "licenses", "developers", "scm")) {
            assertNotNull(Published.child(bom, element), "the BOM has " + element);
        }
        assertTrue(published().stream().anyMatch(artifact -> artifact.artifactId().equals("postsse-bom")));
        assertTrue(published().stream().anyMatch(artifact -> artifact.artifactId().equals("postsse-parent")));
    }

    @Test
    void theReadmeInstallsThisVersionOfTheBomAndNamesEveryPublishedJar() {
        List<Markdown.Block> xml = Markdown.blocks(ROOT.resolve("README.md"), "xml");
        String install = xml.stream().map(Markdown.Block::text).filter(text -> text.contains("<artifactId>postsse-bom</artifactId>"))
                .findFirst().orElseThrow(() -> new AssertionError("the README imports the BOM in an xml block"));
        Matcher version = Pattern.compile("<artifactId>postsse-bom</artifactId>\\s*<version>([^<]+)</version>").matcher(install);
        assertTrue(version.find(), install);
        assertEquals(VERSION, version.group(1), "the README's Install section names the version this build makes");
        String readme = String.join("\n", xml.stream().map(Markdown.Block::text).toList());
        for (Published.Artifact artifact : published()) {
            if (artifact.packaging().equals("jar") && !artifact.artifactId().equals("postsse-protocol")) {
                assertTrue(readme.contains("<artifactId>" + artifact.artifactId() + "</artifactId>"),
                        "the README's Install section has a dependency block for " + artifact.artifactId());
            }
        }
    }
}
