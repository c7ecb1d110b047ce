package io.postsse.e2e;

import com.microsoft.playwright.Page;
import java.nio.file.Path;

/** Saves the pages the README shows, where the build says (see the module's pom). */
final class Screenshots {
    private Screenshots() {
    }

    static void save(Page page, String name) {
        String docs = System.getProperty("postsse.docs.dir");
        if (docs != null) {
            page.screenshot(new Page.ScreenshotOptions().setPath(Path.of(docs, name)).setFullPage(true));
        }
    }
}
