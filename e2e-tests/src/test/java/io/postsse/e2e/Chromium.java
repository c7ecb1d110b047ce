package io.postsse.e2e;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Headless Chromium for the tests: the system's {@code /usr/bin/chromium} where there is one
 * (Playwright cannot download its own browser on every machine), else Playwright's own. One
 * browser serves the whole test run, each test in pages of its own.
 */
final class Chromium implements AutoCloseable {
    private static Chromium shared;

    /** A new page in the run's browser, launched on first use and closed when the JVM exits. */
    static synchronized Page newPage() {
        if (shared == null) {
            shared = launch();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared.browser.newPage();
    }

    private static final Path SYSTEM_CHROMIUM = Path.of("/usr/bin/chromium");

    final Playwright playwright;
    final Browser browser;

    private Chromium(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    private static Chromium launch() {
        boolean system = Files.isExecutable(SYSTEM_CHROMIUM);
        Playwright.CreateOptions createOptions = new Playwright.CreateOptions();
        if (system) {
            createOptions.setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"));
        }
        Playwright playwright = Playwright.create(createOptions);
        BrowserType.LaunchOptions launchOptions = new BrowserType.LaunchOptions().setHeadless(true);
        if (system) {
            launchOptions.setExecutablePath(SYSTEM_CHROMIUM).setArgs(List.of(
                    "--no-sandbox",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-quic"));
        }
        try {
            return new Chromium(playwright, playwright.chromium().launch(launchOptions));
        } catch (RuntimeException e) {
            playwright.close();
            throw e;
        }
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
    }
}
