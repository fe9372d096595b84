package tagllm.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OutputColumnsTest {
    @Test
    void addedColumnsGoAfterTheInputsOrInPlaceOfOneOfTheirName() {
        OutputColumns c = OutputColumns.place(List.of("error", "smiles", "prediction", "id"), List.of("prob_a", "prediction", "error"));
        assertEquals(List.of("error", "smiles", "prediction", "id", "prob_a"), c.header());
        assertEquals(4, c.position(0));
        assertEquals(2, c.position(1));
        assertEquals(0, c.position(2));
        assertEquals(List.of("prediction", "error"), c.replaced());
    }

    @Test
    void aNameAddedTwiceHasOneHeaderAndReplacesNothingOfTheInput() {
        OutputColumns c = OutputColumns.place(List.of("smiles"), List.of("qed", "qed", "error"));
        assertEquals(List.of("smiles", "qed", "error"), c.header());
        assertEquals(1, c.position(0));
        assertEquals(1, c.position(1));
        assertEquals(2, c.position(2));
        assertEquals(List.of(), c.replaced());
    }
}
