"""Reads a tagllm tag file the way docs/training.md shows, and prints what it found as JSON (TagFilePythonTest
compares it with Java's view). With the safetensors package when installed, else with numpy alone (the format is an
8-byte header length, a JSON header, then raw little-endian tensors)."""
import json
import struct
import sys

import numpy as np


def load_with_numpy(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    dtypes = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4"}
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtypes[t["dtype"]]).reshape(t["shape"])
    return tensors, meta


def load(path):
    try:
        from safetensors import safe_open
        from safetensors.numpy import load_file
    except ImportError:
        return load_with_numpy(path) + ("numpy",)
    with safe_open(path, framework="np") as f:
        meta = f.metadata()
    return load_file(path), meta, "safetensors"


tensors, meta, reader = load(sys.argv[1])
info = json.loads(meta["tagllm"])
print(json.dumps({
    "reader": reader,
    "model": info["model"]["name"],
    "tags": [t["name"] for t in info["tags"]],
    "tensors": {name: {"shape": list(a.shape), "values": [float(v) for v in a.ravel()]} for name, a in tensors.items()},
}))
