package io.postsse.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A test that runs once in each {@link TestBrowser}, which it takes as its first parameter:
 * {@code @InBothBrowsers void repliesStream(TestBrowser browser)}, reported as "[Chromium]" and
 * "[Firefox]".
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "[{0}]")
@EnumSource(TestBrowser.class)
public @interface InBothBrowsers {
}
