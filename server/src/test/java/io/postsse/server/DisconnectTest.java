package io.postsse.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DisconnectTest {
    @Test
    void silentProducerIsCancelledWithinOneSecondOfTheClientClosing() throws Exception {
        CountDownLatch producing = new CountDownLatch(1);
        CountDownLatch cancelCallbackRan = new CountDownLatch(1);
        CountDownLatch producerInterrupted = new CountDownLatch(1);
        AtomicLong cancelledAt = new AtomicLong();
        try (TestServer server = TestServer.start(sse -> sse.post("/silent", Object.class, (request, events) -> {
            events.onCancel(() -> {
                cancelledAt.set(System.nanoTime());
                cancelCallbackRan.countDown();
            });
            producing.countDown();
            try {
                Thread.sleep(Duration.ofMinutes(1).toMillis());
            } catch (InterruptedException e) {
                producerInterrupted.countDown();
            }
        }))) {
            Socket socket = server.openRawPost("/silent", "{}", 0);
            TestServer.readUntil(socket, "\r\n\r\n");
            assertTrue(producing.await(5, TimeUnit.SECONDS), "the producer should have started");
            long closedAt = System.nanoTime();
            socket.close();
            assertTrue(cancelCallbackRan.await(1, TimeUnit.SECONDS), "the cancel callback should run within 1 s");
            assertTrue(producerInterrupted.await(1, TimeUnit.SECONDS), "the producer should be interrupted within 1 s");
            System.out.printf("cancelled %.1f ms after the client closed%n", (cancelledAt.get() - closedAt) / 1e6);
        }
    }
}
