/**
 * The HTTP JSON API over the tag predictor ({@code tagllm serve}, docs/serve.md).
 *
 * <p>{@link tagllm.serve.TagService} is what is served, independent of HTTP; {@link tagllm.serve.PredictorService}
 * implements it over {@link tagllm.task.TagPredictor} (loading, task catalogue, input checks, batching, taking
 * turns on the model). {@link tagllm.serve.TagServer} runs the JDK's built-in HTTP server with a bounded executor;
 * {@code ApiHandler} routes and maps every outcome to a JSON answer, {@code RequestBodies} checks request JSON.
 */
package tagllm.serve;
