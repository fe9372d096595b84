package tagllm.chem;

/** A SMILES string that cannot be read as a molecule; the message names the string and the reason. */
public final class SmilesException extends IllegalArgumentException {
    private final String smiles;
    private final String reason;

    public SmilesException(String smiles, String reason) {
        super("invalid SMILES '" + smiles + "': " + reason);
        this.smiles = smiles;
        this.reason = reason;
    }

    public String smiles() { return smiles; }

    public String reason() { return reason; }
}
