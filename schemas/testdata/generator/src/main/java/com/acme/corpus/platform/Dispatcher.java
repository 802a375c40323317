package com.acme.corpus.platform;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.MDC;

/**
 * Stands in for the servlet container and the scheduler around the services:
 * runs each request on a named executor thread with the request's MDC and
 * waits for it, so the events come out in the same order on every run. The
 * occurrences of one bug rotate over the service's threads.
 *
 * <p>Every request must log exactly one event; anything else (a scenario that
 * did not fail, or failed twice) stops the generator.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Map<String, String> THREAD_NAMES = Map.of(
            "checkout", "http-nio-8080-exec-%d",
            "billing", "billing-worker-%d",
            "inventory", "inventory-sync-%d",
            "shipping", "shipping-exec-%d",
            "notifications", "notify-pool-%d");
    private static final String JOB_THREAD_NAME = "scheduling-%d";
    private static final int THREADS_PER_SERVICE = 3;

    private final int build;
    private final Map<String, ExecutorService> workers = new LinkedHashMap<>();
    private final Map<String, Integer> occurrences = new HashMap<>();
    private int requests;

    public Dispatcher(int build) {
        this.build = build;
    }

    /** Which build of the corpus sources is running: 1, or 2 after the simulated deploy. */
    public int build() {
        return build;
    }

    /** Runs one request that triggers the given bug, with no extra MDC. */
    public void run(String service, String bug, String variant, Runnable handler) {
        run(service, bug, variant, Map.of(), handler);
    }

    /**
     * Runs one request that triggers the given bug. A null service stands for
     * a job that sets no service MDC. The label MDC keys (corpus_bug,
     * corpus_build, corpus_variant) are for the grouping test only.
     */
    public void run(String service, String bug, String variant, Map<String, String> mdc, Runnable handler) {
        int occurrence = occurrences.merge(bug, 1, Integer::sum);
        String pattern = service == null ? JOB_THREAD_NAME : THREAD_NAMES.get(service);
        String thread = String.format(pattern, (occurrence - 1) % THREADS_PER_SERVICE + 1);

        Map<String, String> context = new LinkedHashMap<>();
        if (service != null) {
            context.put("service", service);
            context.put("env", "prod");
        }
        context.put("requestId", String.format("req-%d-%04d", build, ++requests));
        context.put("corpus_bug", bug);
        context.put("corpus_build", Integer.toString(build));
        context.put("corpus_variant", variant);
        context.putAll(mdc);

        long before = EventCounter.count();
        Future<?> done = workers.computeIfAbsent(thread, Dispatcher::worker).submit(() -> handle(context, handler));
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + bug + " ran", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(bug + " (" + variant + ") let an exception escape", e.getCause());
        }
        long logged = EventCounter.count() - before;
        if (logged != 1) {
            throw new IllegalStateException(bug + " (" + variant + ") logged " + logged + " events, want 1");
        }
    }

    private static void handle(Map<String, String> context, Runnable handler) {
        context.forEach(MDC::put);
        try {
            handler.run();
        } finally {
            MDC.clear();
        }
    }

    private static ExecutorService worker(String name) {
        return Executors.newSingleThreadExecutor(r -> new Thread(r, name));
    }

    @Override
    public void close() {
        for (ExecutorService w : workers.values()) {
            w.shutdown();
        }
        try {
            for (ExecutorService w : workers.values()) {
                if (!w.awaitTermination(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("a worker thread did not stop");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the workers stopped", e);
        }
    }
}
