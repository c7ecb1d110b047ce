package io.postsse.client;

import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Records a stream's callbacks, in order, for the tests to assert on. */
class RecordingListener implements EventStreamListener {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<ServerSentEvent> events = new CopyOnWriteArrayList<>();
    final List<EventStreamException> errors = new CopyOnWriteArrayList<>();
    final List<CloseReason> closes = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CountDownLatch firstEvent = new CountDownLatch(1);

    @Override
    public void onOpen(int status, HttpHeaders headers) {
        calls.add("open " + status);
    }

    @Override
    public void onEvent(ServerSentEvent event) {
        calls.add("event " + event.type() + " " + event.data() + " " + event.lastEventId());
        events.add(event);
        firstEvent.countDown();
    }

    @Override
    public void onError(EventStreamException error) {
        calls.add("error " + error.kind() + (error.retrying() ? " retrying" : ""));
        errors.add(error);
    }

    @Override
    public void onClosed(CloseReason reason) {
        calls.add("closed " + reason);
        closes.add(reason);
        closed.countDown();
    }

    CloseReason awaitClose() throws InterruptedException {
        if (!closed.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the stream did not close; calls so far: " + calls);
        }
        return closes.get(0);
    }

    void awaitFirstEvent() throws InterruptedException {
        if (!firstEvent.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("no event arrived; calls so far: " + calls);
        }
    }

    static Duration shortly() {
        return Duration.ofSeconds(10);
    }
}
