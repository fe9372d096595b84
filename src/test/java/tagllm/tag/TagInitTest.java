package tagllm.tag;

import org.junit.jupiter.api.Test;
import tagllm.tensor.Matrix;

import static org.junit.jupiter.api.Assertions.*;

class TagInitTest {
    @Test
    void meanEmbeddingRescaledToMeanNorm() {
        // rows (3,4) norm 5 and (1,0) norm 1: mean (2,2), norm 2√2; mean norm 3 → (2,2)·3/(2√2)
        Matrix e = Matrix.f32(2, 2, new float[]{3, 4, 1, 0});
        float[] v = TagInit.initialVector(e);
        double expected = 2 * 3 / (2 * Math.sqrt(2));
        assertEquals(expected, v[0], 1e-6);
        assertEquals(expected, v[1], 1e-6);
        Tag t = TagInit.newTag("SMILES", TagKind.DOMAIN, 3, e);
        assertEquals("<SMILES>", t.name());
        assertEquals(3, t.length());
        for (int j = 0; j < 3; j++) assertEquals(expected, t.values()[2 * j + 1], 1e-6);
    }

    @Test
    void bf16EmbeddingsAreUpcast() {
        short one = (short) (Float.floatToIntBits(1f) >>> 16), two = (short) (Float.floatToIntBits(2f) >>> 16);
        Matrix e = Matrix.bf16(2, 1, new short[]{one, two});
        assertArrayEquals(new float[]{1.5f}, TagInit.meanEmbedding(e));
        assertEquals(1.5, TagInit.meanNorm(e), 1e-12);
    }

    @Test
    void fromTokensCopiesTheLastIdsAndRepeatsTheFirstInFront() {
        // row r of this 4×2 table is (r, 10r)
        Matrix e = Matrix.f32(4, 2, new float[]{0, 0, 1, 10, 2, 20, 3, 30});
        Tag fewer = TagInit.fromTokens("QED", TagKind.FUNCTION, 3, e, new int[]{2, 3});
        assertArrayEquals(new float[]{2, 20, 2, 20, 3, 30}, fewer.values());
        Tag more = TagInit.fromTokens("QED", TagKind.FUNCTION, 2, e, new int[]{0, 1, 2, 3});
        assertArrayEquals(new float[]{2, 20, 3, 30}, more.values());
        assertEquals(TagKind.FUNCTION, more.kind());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> TagInit.fromTokens("QED", TagKind.FUNCTION, 2, e, new int[]{4}));
        assertTrue(bad.getMessage().contains("token id 4 is outside the vocabulary (0..3)"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TagInit.fromTokens("QED", TagKind.FUNCTION, 2, e, new int[0]));
    }

    @Test
    void textBeforeIsTheLiteralTextRightBeforeTheTag() {
        Template qed = Template.parse("# # Input: The SMILES of the molecule is <SMILES> {smiles}. \n# # Output: the score is <QED> {label}.");
        assertEquals(". \n# # Output: the score is", qed.textBefore("<QED>"));
        assertEquals("# # Input: The SMILES of the molecule is", qed.textBefore("<SMILES>"));
        assertEquals("", Template.parse("<SMILES> {smiles} <QED>").textBefore("<QED>"), "a placeholder comes right before");
        assertEquals("", Template.parse("<SMILES><QED>").textBefore("<QED>"), "another tag comes right before");
        assertEquals("", qed.textBefore("<BA>"));
    }

    @Test
    void tagNamesAreCanonical() {
        assertEquals("<QED>", Tag.canonicalName("QED"));
        assertEquals("<QED>", Tag.canonicalName(" <QED> "));
        assertEquals("QED", Tag.bareName("<QED>"));
        assertThrows(IllegalArgumentException.class, () -> Tag.canonicalName("a b"));
        assertThrows(IllegalArgumentException.class, () -> new Tag("X", TagKind.DOMAIN, 2, 3, new float[5]));
    }
}
