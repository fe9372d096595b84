package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * BA's prompt reads its placeholder {protein} from the column protein_seq. A file whose columns are named otherwise
 * was refused with "missing columns 'protein_seq', 'smiles' ...; --column PLACEHOLDER=COLUMN ...", naming the column
 * only, so the natural reply --column protein_seq=target was refused in turn (no placeholder 'protein_seq'). The error
 * now names the placeholder beside its column, and the --column it takes.
 */
class PredictTwoInputColumnsTest {
    /** dir/run/final.tags.safetensors: a one-step stage-3 run of the BA preset on six rows (protein_seq, smiles, affinity). */
    static Path baTags(Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("protein_seq,smiles,affinity,split\n");
        String[] drugs = {"CCO", "CCN", "CCC", "CCCl", "CCCO", "OCCO"};
        for (int i = 0; i < drugs.length; i++) {
            csv.append("MKTAYIAKQR".substring(0, 4 + i)).append(',').append(drugs[i]).append(',').append(5.0 + 0.5 * i)
                    .append(i < 4 ? ",train\n" : ",valid\n");
        }
        Files.writeString(dir.resolve("ba.csv"), csv);
        TinyExperiment.write(dir, """
                tasks:
                  ba: {preset: BA, data: ba.csv}
                stages:
                  - {name: s3, stage: 3, tasks: [ba], batch_size: 2, grad_accum: 1, max_steps: 1}
                """);
        CliRun train = CliRun.of("train", dir.resolve("exp.yaml").toString(), "-o", dir.resolve("run").toString(), "--quiet");
        assertEquals(0, train.exit(), train.err());
        return dir.resolve("run/final.tags.safetensors");
    }

    @Test
    void aMissingColumnIsNamedWithThePlaceholderThatReadsIt(@TempDir Path dir) throws Exception {
        Path tags = baTags(dir);

        Path in = Files.writeString(dir.resolve("renamed.csv"), "target,drug\nMKTAYI,CCO\nMKTA,CCN\n");
        Path out = dir.resolve("out.csv");
        String model = Shared.model("stories260K").toString();
        CliRun r = CliRun.of("predict", "--model", model, "--tags", tags.toString(), "--task", "ba", "--input", in.toString(), "-o", out.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains(in + ":1: missing columns 'protein_seq' (placeholder {protein}), 'smiles', which task ba's prompt reads"
                + " (the file has: target, drug); --column PLACEHOLDER=COLUMN reads a placeholder from another column"
                + " (here --column protein=COLUMN --column smiles=COLUMN)"), r.err());
        assertFalse(Files.exists(out));
        // what the error says to write predicts every row
        CliRun mapped = CliRun.of("predict", "--model", model, "--tags", tags.toString(), "--task", "ba", "--input", in.toString(),
                "--column", "protein=target", "--column", "smiles=drug", "-o", out.toString());
        assertEquals(0, mapped.exit(), mapped.err());
        assertTrue(mapped.err().contains("2 rows, 2 predicted"), mapped.err());
    }
}
