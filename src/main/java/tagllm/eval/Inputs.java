package tagllm.eval;

/** Argument checks and sums shared by the regression metrics. */
final class Inputs {
    private Inputs() {}

    static void requireSameLength(double[] a, double[] b, String aName, String bName) {
        if (a == null || b == null) throw new IllegalArgumentException(aName + " and " + bName + " must not be null");
        if (a.length != b.length) {
            throw new IllegalArgumentException("length mismatch: " + aName + " has " + a.length
                    + " values, " + bName + " has " + b.length);
        }
    }

    static void requireFinite(double[] v, String name) {
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] is " + v[i] + ": metrics need finite values");
            }
        }
    }

    static double mean(double[] v) {
        double s = 0;
        for (double d : v) s += d;
        double m = s / v.length;
        // one correction pass: removes most of the rounding error of the naive sum for large n
        double c = 0;
        for (double d : v) c += d - m;
        return m + c / v.length;
    }
}
