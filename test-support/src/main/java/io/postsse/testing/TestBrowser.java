package io.postsse.testing;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The browsers the browser tests run in: headless Chromium and Firefox. Each is the system's
 * where there is one (Debian's {@code /usr/bin/chromium}, and {@code /usr/bin/firefox-esr} driven
 * through WebDriver BiDi), because Playwright cannot download its own browsers on every machine;
 * elsewhere Playwright's own. Each is launched on first use and shared by the whole test run,
 * every test in pages of its own, and closed when the JVM exits.
 *
 * <p>A test runs in both with {@link InBothBrowsers}: {@code @InBothBrowsers void x(TestBrowser browser)}.
 */
public enum TestBrowser {
    CHROMIUM("Chromium") {
        @Override
        Browser launch(Playwright playwright) {
            BrowserType.LaunchOptions options = new BrowserType.LaunchOptions().setHeadless(true);
            if (Files.isExecutable(SYSTEM_CHROMIUM)) {
                options.setExecutablePath(SYSTEM_CHROMIUM).setArgs(List.of(
                        "--no-sandbox",
                        // This machine's network is closed: no background fetches to fail.
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--no-first-run",
                        "--disable-quic"));
            }
            return playwright.chromium().launch(options);
        }

        @Override
        boolean systemBrowser() {
            return Files.isExecutable(SYSTEM_CHROMIUM);
        }
    },
    FIREFOX("Firefox") {
        @Override
        Browser launch(Playwright playwright) {
            BrowserType.LaunchOptions options = new BrowserType.LaunchOptions().setHeadless(true);
            if (Files.isExecutable(SYSTEM_FIREFOX)) {
                // A stock Firefox, not Playwright's patched build: driven through WebDriver BiDi.
                options.setChannel("moz-firefox").setExecutablePath(SYSTEM_FIREFOX);
            }
            return playwright.firefox().launch(options);
        }

        @Override
        boolean systemBrowser() {
            return Files.isExecutable(SYSTEM_FIREFOX);
        }
    };

    private static final Path SYSTEM_CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path SYSTEM_FIREFOX = Path.of("/usr/bin/firefox-esr");

    private final String displayName;
    private Playwright playwright;
    private Browser browser;

    TestBrowser(String displayName) {
        this.displayName = displayName;
    }

    abstract Browser launch(Playwright playwright);

    abstract boolean systemBrowser();

    /** A new page of its own, in a new context (no cookies or storage shared with other tests). */
    public Page newPage() {
        return browser().newPage();
    }

    /** The run's instance of this browser, launched on first use. */
    public synchronized Browser browser() {
        if (browser == null) {
            Playwright.CreateOptions createOptions = new Playwright.CreateOptions();
            if (systemBrowser()) {
                createOptions.setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"));
            }
            Playwright created = Playwright.create(createOptions);
            try {
                browser = launch(created);
            } catch (RuntimeException e) {
                created.close();
                throw e;
            }
            playwright = created;
            Runtime.getRuntime().addShutdownHook(new Thread(this::close, "close " + displayName));
        }
        return browser;
    }

    private synchronized void close() {
        if (browser != null) {
            browser.close();
            playwright.close();
            browser = null;
        }
    }

    /** The name in test reports: "Chromium", "Firefox". */
    @Override
    public String toString() {
        return displayName;
    }
}
