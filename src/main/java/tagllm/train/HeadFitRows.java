package tagllm.train;

import tagllm.task.Example;
import tagllm.task.TaskSpec;

import java.util.List;

/**
 * The rows a head's initial fit (ridge or logistic) uses: fit on the training rows and pick λ on the valid ones; without
 * valid rows, fit on the first four fifths of the training rows and pick on the last fifth (then refit on all).
 */
record HeadFitRows(List<Example> fitOn, List<Example> pickOn, boolean refit) {
    static HeadFitRows of(TaskSpec t, List<Example> train, List<Example> valid) {
        if (!valid.isEmpty()) return new HeadFitRows(train, valid, false);
        if (train.size() < 5) throw new IllegalArgumentException("task " + t.name() + ": head init ridge needs a valid split or at least 5 training rows");
        int cut = train.size() - train.size() / 5;
        return new HeadFitRows(train.subList(0, cut), train.subList(cut, train.size()), true);
    }
}
