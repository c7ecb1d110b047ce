package io.postsse.e2e;

import io.postsse.testing.TestBrowser;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The source of a test that runs in both browsers and takes more than the browser, as
 * {@code @InBothBrowsers} does for a test that takes only the browser:
 * {@code @ParameterizedTest(name = "[{0}] {1}") @MethodSource("cases")} with
 * {@code static Stream<Arguments> cases() { return BothBrowsers.with(arguments("a"), arguments("b")); }}.
 */
final class BothBrowsers {
    private BothBrowsers() {
    }

    /** Each row once in each browser, the browser first. */
    static Stream<Arguments> with(Arguments... rows) {
        return Arrays.stream(TestBrowser.values()).flatMap(browser -> Arrays.stream(rows).map(row -> {
            Object[] arguments = new Object[row.get().length + 1];
            arguments[0] = browser;
            System.arraycopy(row.get(), 0, arguments, 1, row.get().length);
            return Arguments.of(arguments);
        }));
    }
}
