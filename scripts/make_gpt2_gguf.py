"""Write a GPT-2 124M-shaped GGUF file (the prover's scale model): llama.cpp's gpt2 tensor names and
metadata, the real GPT-2 vocabulary and merges, seeded random weights.

    python scripts/make_gpt2_gguf.py [-o gpt2-124m.gguf] [--f32] [--seed N] [--layers N]

The vocabulary comes from llama.cpp's models/ggml-vocab-gpt-2.gguf, extracted once from the
llama-cpp-python source distribution on PyPI (see deepprove_cli/model/vocab_gpt2.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from deepprove_cli.model.synthetic import make_gpt2_124m_gguf  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default="gpt2-124m.gguf")
    ap.add_argument("--f32", action="store_true", help="matrices as F32 (default F16)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layers", type=int, default=12, help="fewer layers for quick runs")
    args = ap.parse_args()
    t0 = time.perf_counter()
    cfg = make_gpt2_124m_gguf(args.output, f16=not args.f32, seed=args.seed, n_layer=args.layers)
    size = os.path.getsize(args.output)
    print(f"{args.output}: gpt2, {cfg.n_params() / 1e6:.1f}M parameters, {size / 1e6:.0f} MB, "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
