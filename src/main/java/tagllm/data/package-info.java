/**
 * Dataset files: readers, rows, bad-row policy and splits.
 *
 * <p>{@link tagllm.data.Dataset#read} reads CSV (RFC 4180 quoting), TSV (no quoting), JSON Lines, FASTA and plain
 * text, chosen by extension or explicitly ({@link tagllm.data.Format}). Every {@link tagllm.data.Row} keeps its file
 * and 1-based line, and every data error is a {@link tagllm.data.DatasetException} whose message begins
 * {@code file:line:}. Problems of the whole file (missing, empty, bad header, unterminated quote, FASTA without a
 * header, invalid UTF-8) always stop the read; problems of one row go to a {@link tagllm.data.RowIssues}, which
 * either refuses the file (strict) or skips the row and keeps count.
 *
 * <p>Splits come from a column ({@link tagllm.data.SplitColumn}) or from a seeded random split
 * ({@link tagllm.data.SeededSplit}) that reproduces Python's {@code random.Random(seed).shuffle}, so the same seed
 * gives the same split here and in a Python script. Benchmark readers ({@link tagllm.data.Davis},
 * {@link tagllm.data.Oneil}, {@link tagllm.data.TdcCsv}, {@link tagllm.data.TranslationTsv},
 * {@link tagllm.data.LanguageText}) turn the shared and TDC layouts into typed examples.
 */
package tagllm.data;
