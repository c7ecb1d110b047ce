package io.postsse.web;

/**
 * Values by name, in the order first put; putting a name again replaces its value. Names are
 * compared exactly, and may be null, as in a {@code HashMap}. A linked list: a stream has a few headers and typed
 * listeners, looked up by a short scan, and {@code HashMap} would compile much of
 * {@code java.util} into {@code postsse.js}.
 */
final class NamedValues<V> {
    /** One name and its value. */
    static final class Entry<V> {
        final String name;
        V value;
        Entry<V> next;

        private Entry(String name, V value) {
            this.name = name;
            this.value = value;
        }
    }

    private Entry<V> first;
    private Entry<V> last;

    void put(String name, V value) {
        for (Entry<V> entry = first; entry != null; entry = entry.next) {
            if (sameName(entry.name, name)) {
                entry.value = value;
                return;
            }
        }
        Entry<V> entry = new Entry<>(name, value);
        if (last == null) {
            first = entry;
        } else {
            last.next = entry;
        }
        last = entry;
    }

    /** The value put under the name, or null. */
    V get(String name) {
        for (Entry<V> entry = first; entry != null; entry = entry.next) {
            if (sameName(entry.name, name)) {
                return entry.value;
            }
        }
        return null;
    }

    private static boolean sameName(String a, String b) {
        return a == null ? b == null : a.equals(b);
    }

    /** The first entry, from which {@link Entry#next} leads through the rest; null when empty. */
    Entry<V> first() {
        return first;
    }
}
