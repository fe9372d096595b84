package tagllm.tokenizer;

import java.util.List;

/** Adds the special tokens around an encoded sequence (the BOS of Llama, CLS/SEP of BERT-likes). */
sealed interface PostProcessor {
    /** The final ids of a single sequence; without special tokens most processors return it unchanged. */
    int[] process(int[] ids, boolean addSpecialTokens);

    /** The id a template puts in front of the sequence, or -1: a fallback for bosId(). */
    default int leadingSpecialId() { return -1; }

    /** The id a template puts after the sequence, or -1: a fallback for eosId(). */
    default int trailingSpecialId() { return -1; }

    /** TemplateProcessing's "single" template: special tokens and the sequence $A in a given order. */
    record Template(List<Item> single) implements PostProcessor {
        /** One element of a template: the sequence (ids == null) or a special token's ids. */
        record Item(int[] ids) {
            boolean isSequence() { return ids == null; }
        }

        public int[] process(int[] ids, boolean addSpecialTokens) {
            if (!addSpecialTokens) return ids;
            IntList out = new IntList(ids.length + 4);
            for (Item item : single) {
                if (item.isSequence()) out.addAll(ids);
                else out.addAll(item.ids());
            }
            return out.toArray();
        }

        public int leadingSpecialId() {
            return !single.isEmpty() && !single.getFirst().isSequence() && single.getFirst().ids().length == 1 ? single.getFirst().ids()[0] : -1;
        }

        public int trailingSpecialId() {
            return single.size() > 1 && !single.getLast().isSequence() && single.getLast().ids().length == 1 ? single.getLast().ids()[0] : -1;
        }
    }

    /** RobertaProcessing / BertProcessing for a single sequence: cls, the sequence, sep. */
    record ClsSep(int clsId, int sepId) implements PostProcessor {
        public int[] process(int[] ids, boolean addSpecialTokens) {
            if (!addSpecialTokens) return ids;
            int[] out = new int[ids.length + 2];
            out[0] = clsId;
            System.arraycopy(ids, 0, out, 1, ids.length);
            out[ids.length + 1] = sepId;
            return out;
        }

        public int leadingSpecialId() { return clsId; }

        public int trailingSpecialId() { return sepId; }
    }

    /** ByteLevel as a post-processor only trims offsets, which ids do not carry. */
    record ByteLevel() implements PostProcessor {
        public int[] process(int[] ids, boolean addSpecialTokens) { return ids; }
    }

    record Sequence(List<PostProcessor> processors) implements PostProcessor {
        public int[] process(int[] ids, boolean addSpecialTokens) {
            for (PostProcessor p : processors) ids = p.process(ids, addSpecialTokens);
            return ids;
        }

        public int leadingSpecialId() {
            for (PostProcessor p : processors) if (p.leadingSpecialId() >= 0) return p.leadingSpecialId();
            return -1;
        }

        public int trailingSpecialId() {
            for (PostProcessor p : processors.reversed()) if (p.trailingSpecialId() >= 0) return p.trailingSpecialId();
            return -1;
        }
    }
}
