#!/usr/bin/env python3
"""Writes the model and data samples embedded in the jar (src/main/resources/tagllm/embedded) from ../shared.

Usage: python3 tools/embedded/make_samples.py [SHARED_DIR]   (default ../shared, i.e. beside the clone)

Deterministic: the same shared folder gives the same bytes. What is kept, and why (the demo reads no row outside these;
EmbeddedSamplesTest checks it against ../shared where present). The caps are those of the demo's earlier, larger sizes
(3,000 training and 300 valid/test rows per task); its sizes now (tagllm.compare.DemoPreset) read fewer:
- models/stories260K: the five files a model folder needs (not original/ or tokenizer.model).
- data/smiles/zinc20k.csv: the first 3,300 train, 330 valid and 330 test rows in file order, unchanged lines (the demo
  read the first 3,000 / 300 / 300 that fit its templates; the extra 10 % are the SMILES too long for some of them).
- data/protein/deepsol.csv: every row with length <= 160, unchanged lines (no longer sequence fits the demo's protein
  templates at max_length 160 / 200, one token per residue).
- data/binding_affinity/davis_sample.*.csv: davis_sample.csv (all 3,000 rows: the earlier sizes read them all) stored as its
  pairs plus a protein table and a ligand table, because the inline sequences repeat (440 proteins in 3,000 rows) and
  would be 2.6 MB; Embedded joins them back into davis_sample.csv, byte for byte.
- data/drug_combination/oneil_css.csv: the whole file (908 rows, 136 KB), unchanged: the demo's DC task (O'Neil CSS).
"""
import csv
import hashlib
import io
import os
import shutil
import sys

here = os.path.dirname(os.path.abspath(__file__))
project = os.path.dirname(os.path.dirname(here))
shared = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(project, "..", "shared"))
out = os.path.join(project, "src", "main", "resources", "tagllm", "embedded")

MODEL_FILES = ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]


def lines_of(path):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    assert text.endswith("\n")
    return text[:-1].split("\n")


def write(rel, text):
    p = os.path.join(out, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def csv_text(header, records):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(records)
    return buf.getvalue()


def main():
    if os.path.isdir(out):
        shutil.rmtree(out)
    for name in MODEL_FILES:
        dst = os.path.join(out, "models", "stories260K", name)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(shared, "models", "stories260K", name), dst)

    # zinc20k: the first rows of each split, in file order (lines unchanged; SMILES hold no quoted fields)
    src = os.path.join(shared, "data", "smiles", "zinc20k.csv")
    lines = lines_of(src)
    caps = {"train": 3300, "valid": 330, "test": 330}
    kept = [lines[0]]
    for line, r in zip(lines[1:], rows(src)):
        if caps[r["split"]] > 0:
            caps[r["split"]] -= 1
            kept.append(line)
    write("data/smiles/zinc20k.csv", "\n".join(kept) + "\n")

    # deepsol: the sequences short enough for the demo's templates
    src = os.path.join(shared, "data", "protein", "deepsol.csv")
    lines = lines_of(src)
    kept = [lines[0]] + [line for line, r in zip(lines[1:], rows(src)) if int(r["length"]) <= 160]
    write("data/protein/deepsol.csv", "\n".join(kept) + "\n")

    # davis_sample: pairs + protein and ligand tables (joined back by tagllm.embedded.EmbeddedSamples)
    src = os.path.join(shared, "data", "binding_affinity", "davis_sample.csv")
    header = lines_of(src)[0].split(",")
    assert header == ["protein_seq", "smiles", "affinity", "split", "drug_id", "protein_id"], header
    proteins, ligands, pairs = {}, {}, []
    for r in rows(src):
        # EmbeddedSamples splits these tables at commas: no field may need CSV quoting
        assert not any(c in v for v in r.values() for c in ',"\n\r'), r
        assert proteins.setdefault(r["protein_id"], r["protein_seq"]) == r["protein_seq"]
        assert ligands.setdefault(r["drug_id"], r["smiles"]) == r["smiles"]
        pairs.append([r["affinity"], r["split"], r["drug_id"], r["protein_id"]])
    write("data/binding_affinity/davis_sample.pairs.csv", csv_text(["affinity", "split", "drug_id", "protein_id"], pairs))
    write("data/binding_affinity/davis_sample.proteins.csv",
          csv_text(["protein_id", "protein_seq"], [[k, proteins[k]] for k in sorted(proteins)]))
    write("data/binding_affinity/davis_sample.ligands.csv",
          csv_text(["drug_id", "smiles"], [[k, ligands[k]] for k in sorted(ligands)]))

    # oneil_css: small enough to keep whole (the demo's DC task reads every split of it)
    src = os.path.join(shared, "data", "drug_combination", "oneil_css.csv")
    lines = lines_of(src)
    assert lines[0] == "smiles1,smiles2,score,split,drug1,drug2,cell_line", lines[0]
    write("data/drug_combination/oneil_css.csv", "\n".join(lines) + "\n")

    shutil.copyfile(os.path.join(here, "data-README.md"), os.path.join(out, "data", "README.md"))

    # files.txt: every embedded file with its SHA-256 (the extraction checks them; its own hash names the cache folder)
    listing = []
    for root, _, files in os.walk(out):
        for name in files:
            p = os.path.join(root, name)
            rel = os.path.relpath(p, out).replace(os.sep, "/")
            if rel == "files.txt":
                continue
            with open(p, "rb") as f:
                listing.append("%s %d %s" % (hashlib.sha256(f.read()).hexdigest(), os.path.getsize(p), rel))
    listing.sort(key=lambda s: s.split(" ", 2)[2])
    write("files.txt", "\n".join(listing) + "\n")
    for s in listing:
        print(s.split(" ", 1)[1])


if __name__ == "__main__":
    main()
