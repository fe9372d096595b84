"""RDKit's accept/refuse verdict for SMILES: the reference tagllm's SmilesReader is tested against.

Writes src/test/resources/tagllm/chem/rdkit-smiles-verdicts.tsv (class, verdict, smiles): hand-written cases of
each refusal class (syntax, valence, aromaticity, unknown atoms), valid molecules from ../shared/data/smiles, and
seeded single-character mutations of them. Run with Debian's python3-rdkit (apt-get install python3-rdkit):
    /usr/bin/python3 tools/chem/rdkit_smiles_verdicts.py ../shared/data/smiles > src/test/resources/tagllm/chem/rdkit-smiles-verdicts.tsv
"""
import csv
import random
import sys

from rdkit import Chem, RDLogger, rdBase

RDLogger.DisableLog("rdApp.*")

HAND = {
    "listed": ["C=", "=C", "cc", "[Cx]", "N(=O)=O", "C(=)C", "C()C", "notasmiles(("],
    "syntax": ["C(C", "C)C", "C1CC", "C((C))", "C(=C", "CC=", "C#", "C=(C)C", "C-", "(C)C", "C.", ".C", "C..C", "C%1CC",
               "C1CC1", "C%10CC%10", "C(C)(C)C", "CC(=O)O", "C=1CC1", "C[", "C]", "[C", "C[]C", "C==C", "C=#C", "C1=CC=CC=C1",
               "C/C=C/C", "F/C=C\\F", "C[C@H](N)O", "C[C@@H](N)O", "C12CC1C2", "C1CC2", "C11", "CC1CC1C1"],
    "valence": ["C(C)(C)(C)(C)C", "O(C)(C)C", "N(C)(C)(C)C", "[NH4]", "FC(F)(F)(F)F", "Cl(C)C", "C(=O)(=O)C", "CC(C)(C)(C)C",
                "[NH4+]", "C[N+](C)(C)C", "[O-]C", "O=S(=O)(O)O", "CS(=O)(=O)C", "O=P(O)(O)O", "B(C)(C)(C)C", "[BH4-]",
                "F(F)F", "N#N=O", "C=N(=O)C", "[O+](C)(C)C", "O=C=O", "[CH5]", "[C-](C)(C)C", "CN(=O)=O", "N(=O)(=O)C",
                "C=[N+]=[N-]", "CN=[N+]=[N-]", "IC", "I(C)(C)(C)", "[Cl-]", "[Na+].[Cl-]", "[Fe]", "[Fe+2]"],
    "aromatic": ["c1ccccc1", "c1cccc1", "c1ccncc1", "n1cccc1", "[nH]1cccc1", "cc1ccccc1", "c1ccccc1c", "C1=CC=CC=C1", "c1ccc2ccccc2c1",
                 "o1cccc1", "s1cccc1", "c1ccoc1", "c1cc[nH]c1", "c1ccc1", "c1cccccc1", "c", "n", "o", "cC", "c1cc1", "c1ncncn1",
                 "c1ccsc1", "[se]1cccc1", "c1nnnn1", "c1nn[nH]n1", "C1=CC=C1", "c12ccccc1cccc2", "c1cc2ccc1cc2"],
    "unknown": ["[Cx]", "[Xx]", "Xy", "[R]", "*", "[*]", "Q", "[Uuo]", "[Zz]", "J", "[C@X]", "[CH]", "[CH2]", "[2H]C", "[13CH4]",
                "[C+5]", "[C-5]", "[Na]", "[Ts]", "[Og]", "[Db]", "Cl", "Br", "cl", "B", "b1ccccc1", "[as]1cccc1"],
}

ALPHABET = "()=#[]12cCNnOo+-@/\\.%HSsFl"


def verdict(smiles):
    try:
        m = Chem.MolFromSmiles(smiles)
    except Exception:
        m = None
    return "accept" if m is not None and m.GetNumAtoms() > 0 else "refuse"


def clean(s):
    return "\t" not in s and "\n" not in s and s.strip() == s and s != ""


def main(folder):
    valid = []
    for name in ("esol.csv", "bbbp.csv", "freesolv.csv"):
        with open(f"{folder}/{name}", newline="") as f:
            for row in csv.DictReader(f):
                s = row["smiles"]
                if clean(s) and verdict(s) == "accept" and len(s) <= 80:
                    valid.append(s)
    rng = random.Random(13)
    rng.shuffle(valid)
    print(f"# RDKit {rdBase.rdkitVersion} Chem.MolFromSmiles (sanitize=True): accept when it returns a molecule. "
          "Made by tools/chem/rdkit_smiles_verdicts.py with seed 13.")
    print("class\tverdict\tsmiles")
    for cls, cases in HAND.items():
        for s in cases:
            print(f"{cls}\t{verdict(s)}\t{s}")
    for s in valid[:300]:
        print(f"valid\t{verdict(s)}\t{s}")
    seen = set()
    for s in valid[300:700]:
        for _ in range(3):
            i = rng.randrange(len(s) + 1)
            op = rng.choice("idr")
            c = rng.choice(ALPHABET)
            if op == "i":
                m = s[:i] + c + s[i:]
            elif op == "d" and i < len(s):
                m = s[:i] + s[i + 1:]
            elif i < len(s):
                m = s[:i] + c + s[i + 1:]
            else:
                continue
            if clean(m) and m not in seen:
                seen.add(m)
                print(f"mutated\t{verdict(m)}\t{m}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/smiles")
