package tagllm.chem;

/** One FASTA entry: the identifier (header up to the first space), the rest of the header, and the sequence. */
public record FastaRecord(String id, String description, String sequence, long line) {}
