package io.postsse.e2e;

import com.microsoft.playwright.Page;
import java.nio.file.Path;

/** Saves the README's screenshots, when the build says where (see the module's pom). */
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
