"""Peak resident memory of each prover phase, sampled: where a long proof's memory goes.

    python scripts/prove_memory.py demo/smollm2.dpq --tokens 64 [--prompt TEXT]

Generates the tokens greedily, then proves them in this process while a thread samples VmRSS every
10 ms. Each phase's peak is the highest sample taken while the prover reported that phase (the
witness and claim flow in quarters), so a spike shorter than 10 ms can be missed: `dp bench e2e`
reports the exact peak (VmHWM) of the whole prove. Linux only.
"""

from __future__ import annotations

import argparse
import threading
import time


def rss_mb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="model.dpq (its .vk and .dpc beside it)")
    ap.add_argument("--tokens", type=int, default=16)
    ap.add_argument("--prompt", default="The capital of France is")
    args = ap.parse_args()

    from deepprove_cli.commands.prove import prove_with
    from deepprove_cli.model.infer import generate
    from deepprove_cli.model.tokenizer import Tokenizer
    from deepprove_cli.model.vk import load_model

    files = load_model(args.model)
    prompt = [int(t) for t in Tokenizer(files.qm.tokenizer).encode(args.prompt)]
    gen = generate(files.qm, prompt, args.tokens)
    state = {"stage": "start", "peak": {}, "stop": False}

    def sample():
        while not state["stop"]:
            r, s = rss_mb(), state["stage"]
            if r > state["peak"].get(s, 0):
                state["peak"][s] = r
            time.sleep(0.01)

    def progress(stage, done, total):
        key = stage
        if stage in ("witness", "claims"):
            key = f"{stage} {min(4, done * 4 // max(total, 1))}/4"
        if key != state["stage"]:
            print(f"{time.strftime('%T')} -> {key:12s} rss {rss_mb()} MB", flush=True)
        state["stage"] = key

    threading.Thread(target=sample, daemon=True).start()
    t0 = time.perf_counter()
    bundle = prove_with(files, gen.prompt_tokens, gen.output_tokens, progress)
    state["stop"] = True
    rows = len(gen.prompt_tokens) + len(gen.output_tokens) - 1
    print(f"proved {len(gen.prompt_tokens)} + {len(gen.output_tokens)} tokens ({rows} positions) in "
          f"{time.perf_counter() - t0:.1f} s, proof {len(bundle.proof_bytes)} bytes")
    for stage, mb in state["peak"].items():
        print(f"  {stage:14s} peak {mb} MB")
    print("phases (s):", {k: round(v, 1) for k, v in bundle.timings["phases"].items()})
    print("committed elements", bundle.stats["committed_elements"], "lookup rows", bundle.stats["lookup_rows"])


if __name__ == "__main__":
    main()
