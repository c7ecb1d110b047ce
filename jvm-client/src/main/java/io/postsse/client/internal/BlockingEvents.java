package io.postsse.client.internal;

import io.postsse.client.EventStreamCall;
import io.postsse.client.EventStreamException;
import io.postsse.client.EventStreamListener;
import io.postsse.protocol.CloseReason;
import io.postsse.protocol.ServerSentEvent;
import io.postsse.protocol.StreamError;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Hands a stream's events to a consuming thread through a small bounded queue, so a slow consumer
 * slows the reading instead of piling events up.
 */
public final class BlockingEvents implements EventStreamListener, Iterator<ServerSentEvent> {
    private static final int READ_AHEAD = 256;

    /** What the queue carries besides events: the end, or the failure. */
    private static final class End {
        final EventStreamException failure;

        End(EventStreamException failure) {
            this.failure = failure;
        }
    }

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(READ_AHEAD);
    private EventStreamCall call;
    private EventStreamException failure;
    private Object next;
    private boolean ended;

    public void attach(EventStreamCall call) {
        this.call = call;
    }

    public Stream<ServerSentEvent> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(call::cancel);
    }

    // ---- the stream's thread ----

    @Override
    public void onEvent(ServerSentEvent event) {
        try {
            queue.put(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // cancelled while the consumer lagged
        }
    }

    @Override
    public void onError(EventStreamException error) {
        if (!error.retrying()) {
            failure = error;
        }
    }

    @Override
    public void onClosed(CloseReason reason) {
        End end = new End(reason == CloseReason.FAILED ? failure : null);
        if (reason == CloseReason.CANCELLED) {
            // Only the consumer cancels, by closing the stream: nobody will read what is queued.
            queue.clear();
            queue.offer(end);
            return;
        }
        try {
            queue.put(end);
        } catch (InterruptedException e) {
            queue.clear();
            queue.offer(end);
        }
    }

    // ---- the consumer's thread ----

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (ended) {
            return false;
        }
        Object item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel();
            throw new EventStreamException(new StreamError(StreamError.Kind.NETWORK, 0,
                    "interrupted while waiting for an event", "", e, false));
        }
        if (item instanceof End) {
            ended = true;
            EventStreamException error = ((End) item).failure;
            if (error != null) {
                throw error;
            }
            return false;
        }
        next = item;
        return true;
    }

    @Override
    public ServerSentEvent next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ServerSentEvent event = (ServerSentEvent) next;
        next = null;
        return event;
    }
}
