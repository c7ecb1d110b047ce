package io.postsse.protocol;

/**
 * How the parser finds the next CR or LF in a chunk: {@link String#indexOf(int, int)} unless the
 * platform has something faster. On the JVM, {@code indexOf} is an intrinsic; compiled by TeaVM
 * it is a loop in Java, and the browser client hands the parser the engine's native search.
 */
@FunctionalInterface
public interface CharSearch {
    /** The same search the JVM's {@code String.indexOf} does. */
    CharSearch STRING_INDEX_OF = (text, c, from) -> text.indexOf(c, from);

    /** The index of the first {@code c} in {@code text} at or after {@code from}, or -1. */
    int indexOf(String text, char c, int from);
}
