/** The JVM client: {@code io.postsse.client}; its {@code internal} package is not part of the API. */
module io.postsse.client {
    requires transitive io.postsse.protocol;
    requires transitive java.net.http;

    exports io.postsse.client;
}
