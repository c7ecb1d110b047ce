package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javalin.Javalin;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;

/** What a stream's connection keeps of Jetty's buffers while the stream lasts. */
class ConnectionBuffersTest {
    @Test
    void anHttp1StreamsConnectionKeepsNoRequestBufferOnceItsBodyIsRead() throws Exception {
        int streams = 20;
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Server> server = new AtomicReference<>();
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.modifyServer(server::set);
            PostSse.install(config, sse -> {
                sse.heartbeat = null;
                sse.post("/silent", Object.class, (request, events) -> release.await(30, TimeUnit.SECONDS));
            });
        }).start("127.0.0.1", 0);
        List<Socket> sockets = new ArrayList<>();
        try {
            TestServer raw = TestServer.of(app);
            for (int i = 0; i < streams; i++) {
                Socket socket = raw.openRawPost("/silent", "{\"stream\":" + i + "}", 0);
                sockets.add(socket);
                TestServer.readUntil(socket, "\r\n\r\n"); // the stream is open
            }
            ByteBufferPool pool = server.get().getByteBufferPool();
            assertTrue(pool instanceof ArrayByteBufferPool, "Jetty's pool: " + pool);
            ArrayByteBufferPool buffers = (ArrayByteBufferPool) pool;
            // Jetty keeps a connection's request buffer (16 KiB) until its response ends; a stream
            // lets go of it once its body is read.
            long held = buffers.getDirectByteBufferCount() - buffers.getAvailableDirectByteBufferCount()
                    + buffers.getHeapByteBufferCount() - buffers.getAvailableHeapByteBufferCount();
            assertTrue(held < streams / 2, held + " of Jetty's buffers are held by " + streams + " open streams");
        } finally {
            release.countDown();
            for (Socket socket : sockets) {
                socket.close();
            }
            app.stop();
        }
    }
}
