/**
 * Evaluation metrics.
 *
 * <p>{@link tagllm.eval.RegressionMetrics} gives MSE, MAE, RMSE, Pearson, Spearman (average ranks for ties) and R²;
 * a metric that is undefined for the data is NaN with a reason instead of an exception, so one degenerate split
 * does not stop a run. {@link tagllm.eval.Bleu} and {@link tagllm.eval.ChrF} reproduce sacreBLEU 2.x exactly
 * (tokenization, statistics, smoothing and the order of floating-point operations), because translation scores are
 * only comparable with published ones when computed the same way. References follow sacreBLEU's layout: a list of
 * reference streams, each parallel to the hypotheses.
 */
package tagllm.eval;
