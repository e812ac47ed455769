"""Write tiny synthetic GGUF models (gpt2, llama, gemma3) with llama.cpp's tensor names and metadata.

    python scripts/make_tiny_gguf.py [-o DIR] [--arch gpt2|llama|gemma3|all] [--quantized] [--seed N]

Each has a tiny tokenizer (byte-level BPE, or SentencePiece with byte fallback for gemma3) and random
weights at realistic scales; --quantized spreads GGML types (Q8_0, Q4_0/1, Q5_0/1, F16, BF16, K-quants)
over the tensors. Tests make the same files with `deepprove_cli.model.synthetic.make_tiny_gguf`.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from deepprove_cli.model.synthetic import make_tiny_gguf  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out-dir", default=".")
    ap.add_argument("--arch", choices=["gpt2", "llama", "gemma3", "all"], default="all")
    ap.add_argument("--quantized", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for arch in ["gpt2", "llama", "gemma3"] if args.arch == "all" else [args.arch]:
        path = os.path.join(args.out_dir, f"tiny-{arch}{'-q' if args.quantized else ''}.gguf")
        cfg = make_tiny_gguf(path, arch, quantized=args.quantized, seed=args.seed)
        print(f"{path}: {arch}, {cfg.n_params()} parameters, {cfg.n_layer} layers", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
