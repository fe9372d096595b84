#!/usr/bin/env python3
"""Writes src/test/resources/tagllm/chem/python-float-repr.tsv: random doubles (as IEEE bit patterns) and
CPython's repr of each, the reference for tagllm.chem.PythonFloat. Seeded, so the file is reproducible."""
import random
import struct
import sys

rng = random.Random(20240601)
values = []
for _ in range(400):  # any bit pattern: all exponents, subnormals included
    bits = rng.getrandbits(64)
    v = struct.unpack("<d", struct.pack("<Q", bits))[0]
    if v == v and v not in (float("inf"), float("-inf")):
        values.append(v)
for _ in range(400):  # label-like values: QED, BLOSUM1, affinities
    values.append(rng.uniform(-2, 2) * 10 ** rng.randint(-6, 3))
for _ in range(200):  # short decimals, as parsed from CSV text
    values.append(float("%.*f" % (rng.randint(0, 6), rng.uniform(-1000, 1000))))
out = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/tagllm/chem/python-float-repr.tsv"
with open(out, "w") as f:
    f.write("# bits (hex)\trepr -- CPython %s\n" % sys.version.split()[0])
    for v in values:
        f.write("%016x\t%s\n" % (struct.unpack("<Q", struct.pack("<d", v))[0], repr(v)))
