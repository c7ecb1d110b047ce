package io.postsse.server.internal;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Where producers run: a virtual thread each on JDK 21+, else a bounded pool of platform threads. */
public final class ProducerExecutors {
    private ProducerExecutors() {
    }

    /** Whether this JVM has virtual threads, so that each producer and each stream's writer gets one. */
    public static boolean virtualThreads() {
        return Runtime.version().feature() >= 21;
    }

    public static ExecutorService create(int platformThreads) {
        if (virtualThreads()) {
            try {
                // Looked up reflectively: the code compiles for Java 17, where the method is absent.
                Method factory = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
                return (ExecutorService) factory.invoke(null);
            } catch (ReflectiveOperationException e) {
                // fall through to platform threads
            }
        }
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(platformThreads, platformThreads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "postsse-producer-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
