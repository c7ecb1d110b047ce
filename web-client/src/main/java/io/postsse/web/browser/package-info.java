/**
 * Thin bindings to the browser APIs that TeaVM's own JSO library lacks. Each type declares only
 * the members postsse uses, and holds no logic.
 */
package io.postsse.web.browser;
