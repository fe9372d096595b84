package tagllm.serve;

import tagllm.tag.Sequence;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Puts the regression inputs of concurrent requests into shared forward passes: one model thread takes every
 * waiting request of the first waiting request's tag set (predictor) and task, up to {@link #MAX_ROWS} prompts, runs them as
 * one packed batch and hands each request its slice. Under load, batches grow and the cost per prompt falls;
 * alone, a request runs at once. Requests of other tasks keep their place in line.
 *
 * <p>Each pass takes its turn on the {@link ComputeGate} shared with generation. A request still waiting when its
 * deadline passes gets 503. If a batch fails, its requests are run one by one so that one request's fault is not
 * every request's.
 */
final class PredictBatcher implements AutoCloseable {
    /** Most prompts in one batch (the predictor splits them into packed passes of its own row limit). */
    static final int MAX_ROWS = 256;

    private record Job(TagPredictor predictor, TaskSpec task, List<Sequence> prompts, long deadlineNanos,
                       CompletableFuture<double[]> result) {}

    private final LinkedBlockingQueue<Job> incoming = new LinkedBlockingQueue<>();
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final ComputeGate gate;
    private final Thread thread;
    private final java.util.function.ObjIntConsumer<TagPredictor> batchSizes;
    private volatile boolean closed;

    /** @param batchSizes told the predictor (tag set) and number of prompts of every batch run (for metrics); may be null */
    PredictBatcher(ComputeGate gate, java.util.function.ObjIntConsumer<TagPredictor> batchSizes) {
        this.gate = gate;
        this.batchSizes = batchSizes == null ? (p, n) -> { } : batchSizes;
        this.thread = Thread.ofPlatform().name("tagllm-model").daemon(true).start(this::loop);
    }

    /** Head predictions for prompts, in order; completes exceptionally with 503 past the deadline. */
    CompletableFuture<double[]> submit(TagPredictor predictor, TaskSpec task, List<Sequence> prompts, long deadlineNanos) {
        CompletableFuture<double[]> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new ApiException(503, "the server is shutting down"));
            return f;
        }
        incoming.add(new Job(predictor, task, prompts, deadlineNanos, f));
        return f;
    }

    private void loop() {
        while (!closed) {
            try {
                if (waiting.isEmpty()) {
                    Job j = incoming.poll(200, TimeUnit.MILLISECONDS);
                    if (j == null) continue;
                    waiting.add(j);
                }
                incoming.drainTo(waiting);
                runBatch(takeBatch());
            } catch (InterruptedException e) {
                break;
            } catch (Throwable t) {
                // never let the model thread die: the jobs of this batch were already completed by runBatch
            }
        }
        for (Job j : waiting) j.result().completeExceptionally(new ApiException(503, "the server is shutting down"));
        Job j;
        while ((j = incoming.poll()) != null) j.result().completeExceptionally(new ApiException(503, "the server is shutting down"));
    }

    /** The first waiting job and every later one for the same predictor and task, up to MAX_ROWS prompts. */
    private List<Job> takeBatch() {
        Job first = waiting.poll();
        List<Job> batch = new ArrayList<>();
        batch.add(first);
        int rows = first.prompts().size();
        for (Iterator<Job> it = waiting.iterator(); it.hasNext() && rows < MAX_ROWS; ) {
            Job j = it.next();
            if (j.predictor() == first.predictor() && j.task() == first.task() && rows + j.prompts().size() <= MAX_ROWS) {
                batch.add(j);
                rows += j.prompts().size();
                it.remove();
            }
        }
        return batch;
    }

    private void runBatch(List<Job> batch) {
        long now = System.nanoTime();
        List<Job> live = new ArrayList<>(batch.size());
        for (Job j : batch) {
            if (j.result().isDone()) continue; // the client went away
            if (now - j.deadlineNanos() > 0) {
                j.result().completeExceptionally(new ApiException(503, "server busy: the request waited past its deadline for the model; try again later"));
            } else {
                live.add(j);
            }
        }
        if (live.isEmpty()) return;
        List<Sequence> all = new ArrayList<>();
        for (Job j : live) all.addAll(j.prompts());
        Job first = live.getFirst();
        double[] values;
        try {
            values = gate.run(() -> first.predictor().predictValues(first.task(), all));
        } catch (Throwable t) {
            if (live.size() == 1 || t instanceof ApiException) {
                for (Job j : live) j.result().completeExceptionally(t);
            } else {
                for (Job j : live) runBatch(List.of(j));
            }
            return;
        }
        batchSizes.accept(first.predictor(), all.size());
        int at = 0;
        for (Job j : live) {
            int n = j.prompts().size();
            double[] mine = new double[n];
            System.arraycopy(values, at, mine, 0, n);
            at += n;
            j.result().complete(mine);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
