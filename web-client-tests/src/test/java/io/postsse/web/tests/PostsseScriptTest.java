package io.postsse.web.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.microsoft.playwright.Page;
import io.postsse.testing.InBothBrowsers;
import io.postsse.testing.TestBrowser;
import java.util.List;

/**
 * {@code postsse.js}, the browser client for plain JavaScript, as {@code PostSse.serveClientScript()}
 * serves it, in Chromium and Firefox: the behaviours it shares with the Java API (inherited), and
 * the forms of its options that the Java API has no counterpart for.
 */
class PostsseScriptTest extends ClientBehaviourTests {
    @Override
    String client() {
        return "jsClient";
    }

    /** Streams with postsse.js itself, not the harness: the options as a script would write them. */
    private static List<String> streamDirectly(Page page, String url, String options) {
        page.evaluate("() => { window.log.length = 0; postsse.stream('" + url + "', Object.assign(" + options + ","
                + " {onEvent: function (e) { log.push('event ' + e.data); },"
                + " onClose: function (e) { log.push('close ' + e.reason); }})); }");
        return awaitClose(page);
    }

    @InBothBrowsers
    void headersMayBeAnObjectAHeadersOrPairs(TestBrowser browser) {
        try (Page page = open(browser)) {
            for (String headers : List.of("{'X-One': 'a', 'X-Two': 'b'}",
                    "new Headers([['X-One', 'a'], ['X-Two', 'b']])", "[['X-One', 'a'], ['X-Two', 'b']]")) {
                assertEquals(List.of("event POST x-one=a x-two=b body=", "close completed"),
                        streamDirectly(page, "/echo?headers=x-one,x-two", "{headers: " + headers + "}"), headers);
            }
        }
    }

    @InBothBrowsers
    void bodyIsAStringAsItIsAndAnythingElseAsJson(TestBrowser browser) {
        try (Page page = open(browser)) {
            assertEquals(List.of("event POST content-type=application/json body=not json, as is", "close completed"),
                    streamDirectly(page, "/echo?headers=content-type", "{body: 'not json, as is'}"));
            assertEquals(List.of("event POST content-type=application/json body={\"a\":[1,true,null]}", "close completed"),
                    streamDirectly(page, "/echo?headers=content-type", "{body: {a: [1, true, null]}}"));
        }
    }

    @InBothBrowsers
    void methodIsUpperCased(TestBrowser browser) {
        try (Page page = open(browser)) {
            assertEquals(List.of("event GET body=", "close completed"), streamDirectly(page, "/echo", "{method: 'get'}"));
        }
    }
}
