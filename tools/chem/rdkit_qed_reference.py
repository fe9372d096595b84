#!/usr/bin/env python3
"""Writes src/test/resources/tagllm/chem/rdkit-qed-reference.csv: RDKit's QED, its eight properties and the
aromatic atom/bond counts RDKit perceives, for molecules chosen to exercise each part of tagllm.chem's QED
(aromaticity corner cases, charges, nitro/azide clean-up, isotopes, salts, metals, every property range).

Run with RDKit 2022.09.3 (Debian bookworm: apt-get install python3-rdkit; /usr/bin/python3 this_file.py).
The product never runs this: it is how the test reference was made, kept so it can be re-made.
"""
import csv
import sys

import rdkit
from rdkit import Chem
from rdkit.Chem import QED

MOLECULES = [
    # name, SMILES
    ("aspirin", "CC(=O)Oc1ccccc1C(=O)O"),
    ("qed_paper_1", "N=C(CCSCc1csc(N=C(N)N)n1)NS(N)(=O)=O"),
    ("qed_paper_2", "CNC(=NCCSCc1nc[nH]c1C)NC#N"),
    ("qed_paper_3", "CCCCCNC(=N)NN=Cc1c[nH]c2ccc(CO)cc12"),
    ("caffeine", "Cn1cnc2c1c(=O)n(C)c(=O)n2C"),
    ("uracil_nH", "O=c1cc[nH]c(=O)[nH]1"),
    ("indole", "c1ccc2[nH]ccc2c1"),
    ("pyrrole", "c1cc[nH]c1"),
    ("imidazole", "c1cnc[nH]1"),
    ("thiophene", "c1ccsc1"),
    ("furan", "c1ccoc1"),
    ("pyridine_n_oxide", "[O-][n+]1ccccc1"),
    ("pyridone", "O=c1cccc[nH]1"),
    ("tropone", "O=c1cccccc1"),
    ("azulene", "c1ccc2cccc2cc1"),
    ("naphthalene", "c1ccc2ccccc2c1"),
    ("fluorene", "c1ccc2c(c1)Cc1ccccc1-2"),
    ("fluorenone", "O=C1c2ccccc2-c2ccccc21"),
    ("acenaphthylene_lactam", "O=C1N=C2C(=C1C#N)c3ccc(N4CCSCC4)c5cccc2c35"),
    ("squaraine_zwitterion", "COc1ccc(OC)c([C@H]2CC[NH+](c3c([O-])c(=[OH+])c3=O)C2)c1"),
    ("fulvene", "C=C1C=CC=C1"),
    ("cyclopentadienyl_anion", "[cH-]1cccc1"),
    ("tropylium", "[cH+]1cccccc1"),
    ("quinone", "O=C1C=CC(=O)C=C1"),
    ("nitrobenzene_neutral_form", "O=N(=O)c1ccccc1"),
    ("nitrobenzene_charged", "[O-][N+](=O)c1ccccc1"),
    ("azide", "CN=N#N"),
    ("perchlorate_salt", "[Na+].[O-]Cl(=O)(=O)=O"),
    ("phosphonate", "CCOP(=O)(OCC)Cc1ccccc1"),
    ("phosphorus_ylide", "CC(C)=P(=O)c1ccccc1"),
    ("sulfonamide", "Cc1ccc(S(=O)(=O)N)cc1"),
    ("sulfoxide_ring", "O=S1CCCC1"),
    ("thiol", "CCS"),
    ("trifluoromethyl", "FC(F)(F)c1ccc(Cl)cc1Br"),
    ("iodide", "Ic1ccccc1"),
    ("deuterated", "[2H]C([2H])([2H])Oc1ccccc1"),
    ("c13_label", "[13CH3]C(=O)O"),
    ("explicit_h", "[H]OC([H])([H])C"),
    ("carboxylate", "CC(=O)[O-].[Na+]"),
    ("ammonium", "C[NH3+]"),
    ("quaternary", "C[N+](C)(C)C"),
    ("enol", "OC(=C)C"),
    ("oxime", "CC=NO"),
    ("hydroxylamine_aromatic", "On1ccccc1=O"),
    ("peroxide", "COOC"),
    ("water", "O"),
    ("benzene", "c1ccccc1"),
    ("cyclohexane", "C1CCCCC1"),
    ("epoxide", "CC1OC1"),
    ("aziridine", "C1CN1"),
    ("michael_acceptor", "C=CC(=O)OC"),
    ("aldehyde", "CCC=O"),
    ("nitrile", "CC#N"),
    ("isocyanate", "CN=C=O"),
    ("alkyne", "CC#CC"),
    ("allene", "C=C=C"),
    ("boronic_acid", "OB(O)c1ccccc1"),
    ("silane", "C[Si](C)(C)Cl"),
    ("selenophene", "c1cc[se]c1"),
    ("tin", "CCCC[Sn](CCCC)(CCCC)Cl"),
    ("platinum", "N.N.Cl[Pt]Cl"),
    ("ferrocene_like", "[Fe+2].c1cc[cH-]c1.c1cc[cH-]c1"),
    ("long_chain", "CCCCCCCCCCCCCCCCCCCC(=O)O"),
    ("steroid", "C[C@]12CC[C@H]3[C@@H](CC=C4C[C@@H](O)CC[C@@]43C)[C@@H]1CC[C@@H]2O"),
    ("macrocycle", "C1CCCCCCCCCCC1"),
    ("cubane", "C12C3C4C1C5C2C3C45"),
    ("porphine", "c1cc2cc3ccc(cc4ccc(cc5ccc(cc1n2)[nH]5)n4)[nH]3"),
    ("biphenyl_tbu", "CC(C)(C)c1ccc(-c2ccccc2)cc1"),
    ("amide_chain", "CC(=O)NCCC(=O)NC"),
    ("urea", "NC(=O)N"),
    ("guanidinium", "NC(=[NH2+])N"),
    ("imatinib", "Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1"),
    ("tetrazole", "c1nnn[nH]1"),
    ("triazine_cl", "Clc1ncncn1"),
    ("coumarin", "O=c1ccc2ccccc2o1"),
    ("thiourea", "NC(=S)N"),
    ("disulfide", "CSSC"),
    ("hydrazine", "NNc1ccccc1"),
    ("azo", "c1ccccc1N=Nc1ccccc1"),
    ("anthracene", "c1ccc2cc3ccccc3cc2c1"),
    ("pyrene", "c1cc2ccc3cccc4ccc(c1)c2c34"),
]


def main(out_path):
    with open(out_path, "w", newline="") as f:
        f.write("# RDKit %s QED.qed (default weights) and QED.properties; aromatic_atoms/aromatic_bonds as RDKit "
                "perceives them. Made by tools/chem/rdkit_qed_reference.py.\n" % rdkit.__version__)
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "smiles", "qed", "mw", "alogp", "hba", "hbd", "psa", "rotb", "arom", "alerts",
                    "aromatic_atoms", "aromatic_bonds"])
        for name, smi in MOLECULES:
            m = Chem.MolFromSmiles(smi)
            if m is None:
                sys.exit("RDKit cannot parse " + name + ": " + smi)
            p = QED.properties(m)
            h = Chem.RemoveHs(m)
            w.writerow([name, smi, repr(QED.qed(m)), repr(p.MW), repr(p.ALOGP), p.HBA, p.HBD, repr(p.PSA), p.ROTB,
                        p.AROM, p.ALERTS, sum(a.GetIsAromatic() for a in h.GetAtoms()),
                        sum(b.GetIsAromatic() for b in h.GetBonds())])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/tagllm/chem/rdkit-qed-reference.csv")
