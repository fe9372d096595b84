package tagllm.train;

/**
 * Mean squared error over a batch of head outputs, times a scale (the official code uses
 * MSELoss()·100). Returns the loss and writes dLoss/dPrediction.
 */
public final class MseLoss {
    private MseLoss() {}

    /** pred and target are n×k flattened; grad receives scale·2(pred−target)/(n·k). */
    public static double compute(double[] pred, double[] target, double scale, double[] grad) {
        if (pred.length != target.length) throw new IllegalArgumentException("MSE: " + pred.length + " predictions, " + target.length + " targets");
        double s = 0;
        int n = pred.length;
        for (int i = 0; i < n; i++) {
            double e = pred[i] - target[i];
            s += e * e;
            if (grad != null) grad[i] = scale * 2 * e / n;
        }
        return scale * s / n;
    }
}
