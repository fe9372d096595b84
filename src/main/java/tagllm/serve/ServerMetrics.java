package tagllm.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.DoubleSupplier;

/**
 * What GET /metrics reports, in the Prometheus text format: requests by endpoint and status, their latency,
 * refusals at the door (503, 413, 408, 401, connections closed over the per-client limit) and why, requests in the server, regression batch sizes and inputs
 * answered per tag set, and the JVM's
 * heap. One registry per server, so that two servers in one JVM (the tests) do not mix their counts.
 */
final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests;
    private final Histogram latency;
    private final Counter refused;
    private final Histogram batchPrompts;
    private final Counter inputs;

    ServerMetrics(DoubleSupplier inFlight, DoubleSupplier bodyBytes) {
        requests = Counter.builder().name("tagllm_http_requests_total").help("HTTP requests answered, by endpoint and status")
                .labelNames("endpoint", "status").register(registry);
        latency = Histogram.builder().name("tagllm_http_request_duration_seconds")
                .help("time from the request's header to its answer, by endpoint")
                .labelNames("endpoint").classicOnly()
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .register(registry);
        refused = Counter.builder().name("tagllm_http_refused_total")
                .help("requests refused before any model work, by reason (busy, memory, too_large, timeout, header_timeout, unauthorized, client_connections)")
                .labelNames("reason").register(registry);
        batchPrompts = Histogram.builder().name("tagllm_predict_batch_prompts")
                .help("regression and classification prompts per shared forward batch (several requests' inputs together under load; a request of more than 256 inputs counts as its slices), by tag set")
                .labelNames("tag_set").classicOnly().classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256).register(registry);
        inputs = Counter.builder().name("tagllm_inputs_total").help("inputs answered (predictions, classifications, generations), by tag set and task")
                .labelNames("tag_set", "task").register(registry);
        GaugeWithCallback.builder().name("tagllm_http_requests_in_flight").help("API requests in the server (reading, waiting or running)")
                .callback(cb -> cb.call(inFlight.getAsDouble())).register(registry);
        GaugeWithCallback.builder().name("tagllm_http_body_bytes_held").help("bytes of request bodies held in memory now")
                .callback(cb -> cb.call(bodyBytes.getAsDouble())).register(registry);
        GaugeWithCallback.builder().name("tagllm_jvm_heap_used_bytes").help("heap in use (after the last collection, approximately)")
                .callback(cb -> {
                    Runtime r = Runtime.getRuntime();
                    cb.call(r.totalMemory() - r.freeMemory());
                }).register(registry);
    }

    void answered(String endpoint, int status, double seconds) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
        latency.labelValues(endpoint).observe(seconds);
    }

    void refused(String reason) { refused.labelValues(reason).inc(); }

    void batch(String tagSet, int prompts) { batchPrompts.labelValues(tagSet == null ? "" : tagSet).observe(prompts); }

    void answeredInputs(TaskInfo task, int n) { inputs.labelValues(task.tagSet() == null ? "" : task.tagSet(), task.name()).inc(n); }

    String contentType() { return writer.getContentType(); }

    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new IllegalStateException("writing metrics to memory failed", e);
        }
        return out.toByteArray();
    }
}
