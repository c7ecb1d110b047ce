package io.postsse.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The fenced code blocks of a Markdown file, read the way the docs write them. */
final class Markdown {
    /** A caption that names the file a block is: {@code **`src/main/java/hello/HelloApp.java`**}. */
    private static final Pattern FILE_CAPTION = Pattern.compile("\\*\\*`([^`]+)`\\*\\*");

    /**
     * One fenced block: its language (the fence's info string, "" when none), its text with a final
     * line break, the line of the file it starts on (the fence, from 1), and the last non-blank line
     * before it.
     */
    record Block(Path file, String language, String text, int line, String lineBefore) {
        /** The path this block is the content of, when the line before it is a file caption; else null. */
        String fileName() {
            Matcher caption = FILE_CAPTION.matcher(lineBefore.strip());
            return caption.matches() ? caption.group(1) : null;
        }

        /** Where the block is, for messages: {@code README.md:42}. */
        String where() {
            return file.getFileName() + ":" + line;
        }
    }

    private Markdown() {
    }

    /** Every fenced block (``` fences, unindented) of the file, in order. */
    static List<Block> blocks(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Block> blocks = new ArrayList<>();
        String lineBefore = "";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("```")) {
                int start = i;
                StringBuilder text = new StringBuilder();
                for (i++; i < lines.size() && !lines.get(i).equals("```"); i++) {
                    text.append(lines.get(i)).append('\n');
                }
                if (i == lines.size()) {
                    throw new IllegalStateException(file + ":" + (start + 1) + ": a code block is not closed");
                }
                blocks.add(new Block(file, line.substring(3).strip(), text.toString(), start + 1, lineBefore));
                lineBefore = "";
            } else if (!line.isBlank()) {
                lineBefore = line;
            }
        }
        return blocks;
    }

    /** The blocks of that language. */
    static List<Block> blocks(Path file, String language) {
        return blocks(file).stream().filter(block -> block.language().equals(language)).toList();
    }
}
