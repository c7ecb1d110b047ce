/**
 * The Javalin toolkit: {@code io.postsse.server}. Its {@code internal} package is not part of the
 * API, and other modules cannot reach it.
 */
module io.postsse.server {
    requires transitive io.javalin;
    requires io.postsse.protocol;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires org.eclipse.jetty.http2.common;
    requires org.eclipse.jetty.http2.server;
    requires org.slf4j;
    // Only for RedisEventLog: an optional dependency.
    requires static lettuce.core;
    // Only for PostSse.metrics: an optional dependency.
    requires static micrometer.core;

    exports io.postsse.server;
}
