package tagllm.task;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.RegressionHead;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A tag file whose classification head has another number of outputs than the task's classes need was refused naming
 * the task and the head but not the file, unlike the tag-file errors beside it ("FILE: ..."): with several --tags files
 * the user could not tell which one to retrain. Here BBBP (binary: one logit) with a two-output head written to a file.
 */
class HeadOutputsMismatchNamesFileTest {
    @Test
    void theTagFileTheHeadCameFromIsNamed(@TempDir Path dir) throws Exception {
        int d = 4;
        TagSet s = new TagSet("tiny", "fp");
        s.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, new float[d]));
        s.put(TagInit.newTag("<BBBP>", TagKind.FUNCTION, 1, new float[d]));
        s.putHead(new RegressionHead("<BBBP>", 2, d, new float[2 * d], null, null, null));
        s.tasks().put("BBBP", Presets.get("BBBP", "test").toJson());
        Path f = dir.resolve("bbbp.tags.safetensors");
        TagFile.write(s, f);
        TagSet read = TagFile.read(f);
        TaskSpec task = TagPredictor.task(read, "BBBP");
        var e = assertThrows(tagllm.config.ConfigException.class, () -> TagPredictor.requireReady(read, task));
        assertEquals(f + ": task BBBP: the head of <BBBP> has 2 outputs but the task's 2 classes need 1", e.getMessage());
    }
}
