package tagllm.model;

import java.util.Locale;

/**
 * The precision of a model's matrix products: FP32 throughout (the default, what the golden tests pin), or BF16
 * inputs with FP32 products and sums through the native AVX512-BF16 kernels (see {@link Model#withBf16Compute()}).
 */
public enum ComputePrecision {
    F32, BF16;

    /**
     * The precision a user names: f32 or float32, bf16 or bfloat16, in any case. The one reading of {@code --compute}
     * and the Spark scorer's compute parameter; anything else is an IllegalArgumentException whose message ("must be
     * f32 or bf16, got 'x'") the caller prefixes with the option's name.
     */
    public static ComputePrecision parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> F32;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("must be f32 or bf16, got '" + name + "'");
        };
    }
}
