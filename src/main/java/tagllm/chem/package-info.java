/**
 * Chemistry and protein labels the way the paper built them, without Python.
 *
 * <ul>
 *   <li>{@link tagllm.chem.SmilesReader}: parse, validate and canonicalise SMILES with CDK. Bad input is a
 *       {@link tagllm.chem.SmilesException} naming the string and the reason.</li>
 *   <li>{@link tagllm.chem.Qed}: QED exactly as RDKit 2022.09's {@code QED.qed} computes it, with its eight
 *       properties ({@link tagllm.chem.QedProperties}). RDKit's definitions are reproduced on CDK's graph:
 *       sanitisation clean-up, the RDKit aromaticity model, Wildman–Crippen logP, TPSA, and QED's own
 *       SMARTS. See docs/chem-qed-agreement.md.</li>
 *   <li>{@link tagllm.chem.ProteinDescriptors}: BLOSUM1 as {@code peptides} 0.3.2 computes it (the paper's
 *       Descriptor label), and Biopython 1.80 ProteinAnalysis molecular weight, aromaticity, instability
 *       index, isoelectric point and GRAVY.</li>
 *   <li>{@link tagllm.chem.CsvLabeler} and {@link tagllm.chem.TrainingSetBuilder}: label data files in
 *       parallel (tagllm.data readers; rows located by file and line), and write the paper's
 *       {@code input,label,label_text} training CSVs. The text is {@link tagllm.task.LabelText}, cut from
 *       {@link tagllm.util.PythonFloat}.</li>
 * </ul>
 *
 * Everything is thread-safe: CDK's parser and matchers are not, so each thread keeps its own.
 */
package tagllm.chem;
