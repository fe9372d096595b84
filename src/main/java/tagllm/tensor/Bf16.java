package tagllm.tensor;

/** BF16 conversions: the top 16 bits of an IEEE float, rounded to nearest even (as PyTorch and vcvtneps2bf16 do). */
public final class Bf16 {
    private Bf16() {}

    /** f rounded to the nearest BF16 (ties to even); a NaN stays a (quiet) NaN instead of rounding into infinity. */
    public static short round(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** The float a BF16 bit pattern stands for (exact). */
    public static float toFloat(short bits) { return Float.intBitsToFloat(bits << 16); }
}
