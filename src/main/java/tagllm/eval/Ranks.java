package tagllm.eval;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Fractional ranking ("average" method of scipy.stats.rankdata): tied values share the mean of the ranks they span. */
public final class Ranks {
    private Ranks() {}

    /** 1-based ranks of {@code values}; ties get the average rank, so ranks of n values always sum to n(n+1)/2. */
    public static double[] average(double[] values) {
        int n = values.length;
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[n];
        int start = 0;
        while (start < n) {
            int end = start + 1;
            while (end < n && values[order[end]] == values[order[start]]) end++;
            // positions start..end-1 (0-based) hold equal values: ranks start+1..end, mean (start+1+end)/2
            double rank = (start + 1 + end) / 2.0;
            for (int k = start; k < end; k++) ranks[order[k]] = rank;
            start = end;
        }
        return ranks;
    }
}
