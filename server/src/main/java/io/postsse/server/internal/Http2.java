package io.postsse.server.internal;

import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

/** HTTP/2 without TLS (h2c) beside HTTP/1.1 on the app's connectors. */
public final class Http2 {
    private Http2() {
    }

    /**
     * Adds h2c to every plain HTTP/1.1 connector of the server as it starts, whether Javalin made
     * it or the app added it, with the same HTTP configuration. A client then speaks HTTP/2 on the
     * same port by prior knowledge (or by an HTTP/1.1 {@code Upgrade: h2c}); HTTP/1.1 is unchanged.
     */
    public static void enableCleartext(Server server) {
        server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarting(LifeCycle event) {
                for (Connector connector : server.getConnectors()) {
                    if (connector instanceof AbstractConnector
                            && connector.getDefaultConnectionFactory() instanceof HttpConnectionFactory
                            && connector.getConnectionFactory(HTTP2CServerConnectionFactory.class) == null) {
                        HttpConnectionFactory http1 = (HttpConnectionFactory) connector.getDefaultConnectionFactory();
                        ((AbstractConnector) connector).addConnectionFactory(
                                new HTTP2CServerConnectionFactory(http1.getHttpConfiguration()));
                    }
                }
            }
        });
    }
}
