package io.postsse.server.internal;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where producers run: a virtual thread each on JDK 21+, where each stream's writer gets one too,
 * else a bounded pool of platform threads; and where writers, flushers and timers run.
 */
public final class ProducerExecutors {
    /** Makes named virtual threads on JDK 21+; null on 17. */
    private static final ThreadFactory VIRTUAL_THREADS = virtualThreadFactory();

    private ProducerExecutors() {
    }

    /** Whether this JVM has virtual threads, so that each producer and each stream's writer gets one. */
    public static boolean virtualThreads() {
        return VIRTUAL_THREADS != null;
    }

    public static ExecutorService create(int platformThreads) {
        if (VIRTUAL_THREADS != null) {
            try {
                Method perTask = Executors.class.getMethod("newThreadPerTaskExecutor", ThreadFactory.class);
                return (ExecutorService) perTask.invoke(null, VIRTUAL_THREADS);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("JDK 21+ without Executors.newThreadPerTaskExecutor", e);
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

    /**
     * Where streams' writers run without virtual threads: a platform thread each, made as needed,
     * with a small stack (a writer's calls are shallow), kept 30 s once idle.
     */
    public static ExecutorService platformWriters() {
        AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), runnable -> {
            Thread thread = new Thread(null, runnable, "postsse-writer-" + count.incrementAndGet(), 256 * 1024);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Where streams' writers write: as many daemon threads as processors, that only hand bytes to
     * connections, never waiting on them (a write not taken at once completes later, on Jetty's
     * threads). Tasks come in from any thread: producers, timers, Jetty's.
     */
    public static ExecutorService flushers() {
        AtomicInteger count = new AtomicInteger();
        return new ForkJoinPool(Math.max(2, Runtime.getRuntime().availableProcessors()), pool -> {
            ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            thread.setName("postsse-flusher-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }, null, true);
    }

    /** One daemon thread for the deadlines of an install's request bodies. */
    public static ScheduledExecutorService timers() {
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "postsse-timers");
            thread.setDaemon(true);
            return thread;
        });
        timers.setRemoveOnCancelPolicy(true);
        return timers;
    }

    /**
     * {@code Thread.ofVirtual().name("postsse-", 1).factory()}, looked up reflectively: the code
     * compiles for Java 17, where the methods are absent. Named, so that log lines say which thread.
     */
    private static ThreadFactory virtualThreadFactory() {
        if (Runtime.version().feature() < 21) {
            return null;
        }
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Class<?> builderType = Class.forName("java.lang.Thread$Builder");
            builder = builderType.getMethod("name", String.class, long.class).invoke(builder, "postsse-", 1L);
            return (ThreadFactory) builderType.getMethod("factory").invoke(builder);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
