"""`dp bench infer --model model.dpq [--tokens N]`: greedy generation with the integer program next to
the float reference (`model.float_ref.greedy_generate` on the .dpm it was quantized from), same
prompt, same machine, alternating runs; tokens/s counts prefill and decoding alike for both.

Metrics: whether both produced the same tokens, decoding-only tokens/s of the integer path, and the
size of the full trace (every node output and piece of advice of one causal pass over prompt +
outputs: `trace_elements`) next to the time to recompute it (`recompute_s`), the measurement behind
run.dpt holding tokens rather than the trace (`model.trace`).
"""

from __future__ import annotations

import time

from deepprove_cli.bench.accuracy import load_pair
from deepprove_cli.bench.record import Record, measure_alternating, record

SUITE = "infer"


def run(opts) -> list[Record]:
    from deepprove_cli.data import accuracy_text
    from deepprove_cli.model import float_ref
    from deepprove_cli.model.infer import full_pass, generate
    from deepprove_cli.model.tokenizer import Tokenizer
    from deepprove_cli.model.trace import trace_elements

    qm, fm = load_pair(opts)
    n = opts.tokens or (4 if opts.quick else 16)
    n_prompt = int(opts.extra.get("prompt_tokens", 32))
    prompt = Tokenizer(qm.tokenizer).encode(accuracy_text())[:n_prompt]
    got: dict = {}

    def ours():
        got["int"] = generate(qm, prompt, n)

    def baseline():
        got["float"] = float_ref.greedy_generate(fm.config, fm.weights, prompt, n)

    mine, base = measure_alternating([ours, baseline], max(1, min(opts.repeat, 3) if not opts.quick else 1))
    gen = got["int"]
    t0 = time.perf_counter()
    elements = trace_elements(full_pass(qm, gen.prompt_tokens + gen.output_tokens, keep_all=True))
    recompute = time.perf_counter() - t0
    metrics = {"same_tokens": gen.output_tokens == list(got["float"]), "decode_tokens_per_s": round(gen.tokens_per_s, 3),
               "prefill_s": round(gen.prefill_seconds, 4), "prompt_tokens": len(prompt),
               "trace_elements": elements, "recompute_s": round(recompute, 3), "model": qm.content_digest[:16]}
    return [record(SUITE, f"generate/{qm.config.arch}", mine, params={"tokens": n, "prompt_tokens": len(prompt)},
                   work=n, unit="tokens/s", baseline_name="float_ref.greedy_generate", baseline=base,
                   metrics=metrics)]
