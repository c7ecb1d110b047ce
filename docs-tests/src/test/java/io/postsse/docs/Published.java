package io.postsse.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * What this build publishes, read from its poms: the root pom and every module it lists, but those
 * that set {@code maven.deploy.skip} to true (the build's one mark of a module that is not
 * published).
 */
final class Published {
    /** One published artifact: its pom, and its packaging ("jar" or "pom"). */
    record Artifact(String artifactId, String packaging, Path pom) {
    }

    private Published() {
    }

    static List<Artifact> artifacts(Path root) {
        List<Artifact> artifacts = new ArrayList<>();
        Element rootPom = read(root.resolve("pom.xml"));
        artifacts.add(artifact(rootPom, root.resolve("pom.xml")));
        for (Element module : children(child(rootPom, "modules"), "module")) {
            Path pom = root.resolve(module.getTextContent().strip()).resolve("pom.xml");
            Element project = read(pom);
            Element properties = child(project, "properties");
            Element skip = properties == null ? null : child(properties, "maven.deploy.skip");
            if (skip == null || !skip.getTextContent().strip().equals("true")) {
                artifacts.add(artifact(project, pom));
            }
        }
        return artifacts;
    }

    /** The artifactIds a pom's dependencyManagement lists. */
    static List<String> managed(Path pom) {
        List<String> managed = new ArrayList<>();
        Element management = child(read(pom), "dependencyManagement");
        for (Element dependency : children(child(management, "dependencies"), "dependency")) {
            managed.add(child(dependency, "artifactId").getTextContent().strip());
        }
        return managed;
    }

    /** The version a pom gives itself: its own, or else its parent's. */
    static String version(Path pom) {
        Element project = read(pom);
        Element version = child(project, "version");
        return (version != null ? version : child(child(project, "parent"), "version")).getTextContent().strip();
    }

    private static Artifact artifact(Element project, Path pom) {
        Element packaging = child(project, "packaging");
        return new Artifact(child(project, "artifactId").getTextContent().strip(),
                packaging == null ? "jar" : packaging.getTextContent().strip(), pom);
    }

    static Element read(Path xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document document = factory.newDocumentBuilder().parse(Files.newInputStream(xml));
            return document.getDocumentElement();
        } catch (IOException | SAXException | ParserConfigurationException e) {
            throw new IllegalStateException("Cannot read " + xml + ": " + e.getMessage(), e);
        }
    }

    /** The element's first child element of that name, or null. */
    static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.get(0);
    }

    static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                found.add(element);
            }
        }
        return found;
    }
}
