package tagllm.serve;

import tagllm.tag.Sequence;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Puts the regression and classification inputs of concurrent requests into shared forward passes: one model thread takes every
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
                       Cancellation cancel, CompletableFuture<double[][]> result) {
        // one job is one submission, whatever its prompts (the sets of jobs below are by identity)
        @Override
        public boolean equals(Object o) { return this == o; }

        @Override
        public int hashCode() { return System.identityHashCode(this); }
    }

    private final LinkedBlockingQueue<Job> incoming = new LinkedBlockingQueue<>();
    /** Jobs submitted and not yet running or refused (any thread may refuse them). */
    private final java.util.Set<Job> queued = java.util.concurrent.ConcurrentHashMap.newKeySet();
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
        return submit(predictor, task, prompts, deadlineNanos, new Cancellation());
    }

    /** A regression task's values, one per prompt: {@link #submitRows}'s one-value rows. */
    CompletableFuture<double[]> submit(TagPredictor predictor, TaskSpec task, List<Sequence> prompts, long deadlineNanos,
                                       Cancellation cancel) {
        return submitRows(predictor, task, prompts, deadlineNanos, cancel).thenApply(rows -> {
            double[] v = new double[rows.length];
            for (int i = 0; i < v.length; i++) v[i] = rows[i][0];
            return v;
        });
    }

    /**
     * Per prompt, in order, a regression task's value (a row of one) or a classification task's class probabilities,
     * for a request that can be cancelled: a cancellation while the job waits completes it with the
     * refusal at once (499, or 503 when the server stops); once its batch has the model, it runs to the end,
     * except that a batch whose every job is cancelled stops after the slice of MAX_ROWS prompts it is running.
     */
    CompletableFuture<double[][]> submitRows(TagPredictor predictor, TaskSpec task, List<Sequence> prompts, long deadlineNanos,
                                             Cancellation cancel) {
        CompletableFuture<double[][]> f = new CompletableFuture<>();
        Job job = new Job(predictor, task, prompts, deadlineNanos, cancel, f);
        // queued before closed is read, and close() sets closed before refusing what is queued: whichever comes
        // second sees the other, so a job submitted while the loop exits is refused rather than left unanswered
        queued.add(job);
        incoming.add(job);
        if (closed) refuse(job);
        cancel.onCancel(() -> {
            if (queued.remove(job)) {
                try {
                    cancel.check();
                } catch (ApiException e) {
                    f.completeExceptionally(e);
                }
            }
        });
        return f;
    }

    private void refuse(Job j) {
        queued.remove(j);
        j.result().completeExceptionally(new ApiException(503, Cancellation.SHUTTING_DOWN));
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
        for (Job j : waiting) refuse(j);
        Job j;
        while ((j = incoming.poll()) != null) refuse(j);
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
            if (j.result().isDone()) { // the client went away or the server stops
                queued.remove(j);
                continue;
            }
            if (now - j.deadlineNanos() > 0) {
                queued.remove(j);
                j.result().completeExceptionally(new ApiException(503, "server busy: the request waited past its deadline for the model; try again later"));
            } else {
                live.add(j);
            }
        }
        if (live.isEmpty()) return;
        Job first = live.getFirst();
        double[][] values;
        try {
            values = gate.run(() -> {
                // with the model's turn: the jobs still queued run now; one refused meanwhile has its answer already
                live.removeIf(j -> {
                    if (!queued.remove(j) || j.result().isDone()) return true;
                    if (j.cancel().markRunning()) return false;
                    // cancelled while out of the queue (a failed batch's job taken again below): its callback found
                    // nothing queued to answer, so the refusal is given here
                    try {
                        j.cancel().check();
                    } catch (ApiException e) {
                        j.result().completeExceptionally(e);
                    }
                    return true;
                });
                List<Sequence> all = new ArrayList<>();
                for (Job j : live) all.addAll(j.prompts());
                return runSlices(first, live, all);
            });
        } catch (Abandoned a) {
            // every job of the batch was cancelled (clients gone, the server stopping): the rest of its prompts were
            // not run, and each job is answered with its own refusal
            for (Job j : live) {
                try {
                    j.cancel().check();
                } catch (ApiException e) {
                    j.result().completeExceptionally(e);
                }
            }
            return;
        } catch (Throwable t) {
            // close() interrupts this thread, which stops the predictor's batch (TagPredictor): refused as the stop it is
            if (t instanceof java.util.concurrent.CancellationException && closed) t = new ApiException(503, Cancellation.SHUTTING_DOWN);
            if (live.size() == 1 || t instanceof ApiException) {
                for (Job j : live) j.result().completeExceptionally(t);
            } else {
                for (Job j : live) {
                    queued.add(j); // runBatch takes it again, as a job of its own
                    runBatch(List.of(j));
                }
            }
            return;
        }
        if (live.isEmpty()) return;
        int at = 0;
        for (Job j : live) {
            int n = j.prompts().size();
            double[][] mine = new double[n][];
            System.arraycopy(values, at, mine, 0, n);
            at += n;
            j.result().complete(mine);
        }
    }

    /** Thrown between slices when every job of a batch has been cancelled. */
    private static final class Abandoned extends RuntimeException {
        Abandoned() { super("every request of the batch was cancelled", null, false, false); }
    }

    /**
     * Runs a batch's prompts in slices of at most MAX_ROWS (a batch over MAX_ROWS is one request's), each told to the
     * batch-size listener, and stops between slices once every job of the batch is cancelled: a client that hung up
     * on a request of a thousand inputs (or the server stopping) freed the model only after all of them had run,
     * while every other request waited.
     */
    private double[][] runSlices(Job first, List<Job> live, List<Sequence> all) {
        double[][] values = new double[all.size()][];
        for (int from = 0; from < all.size(); from += MAX_ROWS) {
            if (from > 0 && live.stream().allMatch(j -> j.cancel().isCancelled())) throw new Abandoned();
            List<Sequence> slice = all.subList(from, Math.min(all.size(), from + MAX_ROWS));
            double[][] v = rows(first.predictor(), first.task(), slice);
            System.arraycopy(v, 0, values, from, v.length);
            batchSizes.accept(first.predictor(), v.length);
        }
        return values;
    }

    /** A batch's rows: the task's values (one per row) or class probabilities, as the predictor gives them. */
    private static double[][] rows(TagPredictor predictor, TaskSpec task, List<Sequence> slice) {
        if (task.type() == TaskType.CLASSIFICATION) return predictor.classProbabilities(task, slice);
        double[] v = predictor.predictValues(task, slice);
        double[][] out = new double[v.length][];
        for (int i = 0; i < v.length; i++) out[i] = new double[]{v[i]};
        return out;
    }

    /** Refuses every job that waits (503 "the server is shutting down"); the batch running now finishes. */
    void refuseWaiting() {
        closed = true;
        for (Job j : queued) refuse(j);
    }

    /** Refuses the waiting jobs and stops the loop; its interrupt stops a batch still running at its next pass (503). */
    @Override
    public void close() {
        refuseWaiting();
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
