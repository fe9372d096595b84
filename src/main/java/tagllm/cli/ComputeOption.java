package tagllm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;
import tagllm.model.ComputePrecision;
import tagllm.model.Model;
import tagllm.tensor.NativeBf16;


/**
 * {@code --compute f32|bf16}: the precision of the model's matrix products, shared by every command that runs one
 * (also tagllm-spark's, which checks its option with {@link #precision} before a job starts).
 */
public final class ComputeOption {
    @Option(names = "--compute", defaultValue = "f32", paramLabel = "f32|bf16",
            description = "precision of the matrix products: f32, or bf16 (BF16 inputs, FP32 sums, through the native "
                    + "AVX512_BF16 kernels: about twice the FLOP rate where the CPU has them) (default: ${DEFAULT-VALUE})")
    String compute = "f32";

    /** Whether bf16 was asked for; a usage error for anything but f32/bf16, or bf16 where it cannot run. */
    boolean bf16(CommandLine cl) {
        return precision(compute, cl) == ComputePrecision.BF16;
    }

    /**
     * The precision a {@code --compute} value asks for; a usage error (exit 2) for anything but f32/bf16, or for bf16
     * where the native kernels are not loaded in this JVM.
     */
    public static ComputePrecision precision(String compute, CommandLine cl) {
        ComputePrecision p;
        try {
            p = ComputePrecision.parse(compute);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--compute " + e.getMessage());
        }
        if (p == ComputePrecision.BF16 && !NativeBf16.available()) {
            throw new CommandLine.ParameterException(cl, "--compute bf16 is not available here: " + NativeBf16.status());
        }
        return p;
    }

    /** The model (folder or Hub id) in the asked precision; F32 weights are rounded to BF16 as they are read. */
    Model load(String folderOrHubId, CommandLine cl) throws java.io.IOException {
        return Model.load(folderOrHubId, precision(compute, cl));
    }
}
