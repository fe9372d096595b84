#!/usr/bin/env python3
"""The PyTorch peer of `tagllm bench --work predict`: batch prediction of many short molecules with tags and a head.

The same work as tagllm.bench.PredictWork, on the model of ../shared/bench/torch_tagstep.py (plain PyTorch modules
in Hugging Face's style, random frozen weights of a named shape): each molecule is the QED preset's prompt, 11 text
tokens, the domain tag <SMILES> (p slots), the SMILES (--smiles-tokens), 15 text tokens, the function tag <QED>
(p slots); the domain tag and the SMILES after it form an isolated span (rows inside attend only from the span's
start, as the official attention_mask_new); a linear regression head reads the final-norm state at <QED>'s last
slot. Molecules go through the model --batch at a time (all of one length: no padding), under torch.inference_mode,
the way a PyTorch user scores a data set (the whole top layer is computed: Hugging Face has no read-row pruning).

  python3 scripts/torch_predict.py --shape smollm2-135m --molecules 64 [--autocast bf16 --threads 2]

Prints one JSON line: seconds (median of --repeats after one warm-up), molecules_per_s, tokens_per_s.
"""
import argparse, json, os, statistics, sys, time

import torch

BEFORE, AFTER = 11, 15  # tagllm.bench.PredictWork.BEFORE / AFTER


def load_peer(shared):
    sys.path.insert(0, os.path.join(shared, "bench"))
    import torch_tagstep  # noqa: E402  (the peer's model code, shared with the training-step peer)
    return torch_tagstep


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.environ.get("SHARED", os.path.join(here, "..", "..", "shared")),
                    help="the shared folder holding bench/torch_tagstep.py (default: $SHARED or ../shared)")
    ap.add_argument("--shape", default="smollm2-135m")
    ap.add_argument("--molecules", type=int, default=64)
    ap.add_argument("--batch", type=int, default=64, help="molecules per forward pass (default 64)")
    ap.add_argument("--smiles-tokens", type=int, default=24)
    ap.add_argument("--p", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--autocast", choices=["none", "bf16"], default="none",
                    help="bf16: torch.autocast('cpu', bfloat16) around the forward (oneDNN BF16 matmuls); weights stay FP32")
    a = ap.parse_args()
    peer = load_peer(os.path.abspath(a.shared))
    if a.shape not in peer.SHAPES:
        sys.exit(f"error: --shape {a.shape}: expected one of {', '.join(peer.SHAPES)}")
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    c = peer.SHAPES[a.shape]
    m = peer.Model(c).float().eval()
    for prm in m.parameters():
        prm.requires_grad_(False)
    d, p, S = c["hidden"], a.p, a.smiles_tokens
    dom = torch.randn(p, d) * 0.02
    fun = torch.randn(p, d) * 0.02
    head = torch.nn.Linear(d, 1)
    for prm in head.parameters():
        prm.requires_grad_(False)
    L = BEFORE + p + S + AFTER + p
    ids = torch.randint(0, c["vocab"], (a.molecules, BEFORE + S + AFTER))
    # additive mask: causal, and rows of the span [BEFORE, BEFORE + p + S) see only from its start
    mask = torch.full((L, L), float("-inf")).triu(1)
    s0, s1 = BEFORE, BEFORE + p + S
    mask[s0:s1, :s0] = float("-inf")
    cos, sin = m.rope(torch.arange(L))

    def forward(chunk):
        B = chunk.shape[0]
        e = m.embed(chunk)
        x = torch.cat([e[:, :BEFORE], dom.expand(B, p, d), e[:, BEFORE:BEFORE + S], e[:, BEFORE + S:],
                       fun.expand(B, p, d)], 1)
        for layer in m.layers:
            x = layer(x, cos, sin, mask)
        return head(m.norm(x)[:, L - 1]).squeeze(-1)

    def predict():
        with torch.inference_mode():
            out = [forward(ids[i:i + a.batch]) for i in range(0, a.molecules, a.batch)]
        return torch.cat(out)

    run = predict
    if a.autocast == "bf16":
        def run():
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return predict()
    run()  # warm-up
    ts = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        y = run()
        ts.append(time.perf_counter() - t0)
    assert torch.isfinite(y.float()).all()
    t = statistics.median(ts)
    print(json.dumps(dict(torch=torch.__version__, autocast=a.autocast, threads=torch.get_num_threads(), shape=a.shape,
                          work="predict", molecules=a.molecules, batch=a.batch, smiles_tokens=S, p=p, positions=L,
                          seconds=t, molecules_per_s=a.molecules / t, tokens_per_s=a.molecules * L / t,
                          each_seconds=ts)))


if __name__ == "__main__":
    main()
