package tagllm.model;

/**
 * The precision of a model's matrix products: FP32 throughout (the default, what the golden tests pin), or BF16
 * inputs with FP32 products and sums through the native AVX512-BF16 kernels (see {@link Model#withBf16Compute()}).
 */
public enum ComputePrecision { F32, BF16 }
