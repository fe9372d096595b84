package tagllm.tag;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SequencePackerChunksTest {
    private static Sequence ofLength(int n) {
        Sequence.Builder b = Sequence.builder();
        for (int i = 0; i < n; i++) b.token(5);
        return b.build();
    }

    private static List<Integer> lengths(List<Sequence> chunk) { return chunk.stream().map(Sequence::length).toList(); }

    @Test
    void fillsEachChunkUpToTheRowLimitInOrder() {
        List<Sequence> seqs = List.of(ofLength(4), ofLength(6), ofLength(1), ofLength(9), ofLength(3), ofLength(7));
        List<List<Sequence>> chunks = SequencePacker.chunks(seqs, 10);
        // by hand: 4+6=10 fits; 1+9=10 fits; 3+7=10 fits
        assertEquals(List.of(List.of(4, 6), List.of(1, 9), List.of(3, 7)), chunks.stream().map(SequencePackerChunksTest::lengths).toList());
    }

    @Test
    void aSequenceLongerThanTheLimitGoesAloneAndNothingIsLost() {
        List<Sequence> seqs = List.of(ofLength(2), ofLength(15), ofLength(3));
        List<List<Sequence>> chunks = SequencePacker.chunks(seqs, 10);
        assertEquals(List.of(List.of(2), List.of(15), List.of(3)), chunks.stream().map(SequencePackerChunksTest::lengths).toList());
        assertEquals(List.of(), SequencePacker.chunks(List.of(), 10));
    }
}
