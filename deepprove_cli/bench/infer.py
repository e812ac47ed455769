"""`dp bench infer --model model.dpq [--tokens N]`: greedy decoding with the integer program next to
the float reference (`model.float_ref.forward_step` with its KV cache, on the .dpm the model was
quantized from), same prompt, same machine. Each repetition runs both, alternating (load on a shared
machine hits both alike): a prefill of the prompt (timed apart), then N decoding steps of one token.
The record's throughput is decoding tokens/s (median over repetitions); speedup = float time / ours.

Metrics: prefill seconds of both, whether both chose the same tokens, and the size of the full trace
(every node output and piece of advice of one causal pass over prompt + outputs: `trace_elements`)
next to the time to recompute it (`recompute_s`): the measurement behind run.dpt holding tokens
rather than the trace (`model.trace`).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from deepprove_cli.bench.accuracy import load_pair
from deepprove_cli.bench.record import Record, Timing, peak_rss_mb, record, reset_peak_rss

SUITE = "infer"


def _decode_int(qm, prompt, n):
    from deepprove_cli.model.infer import Session

    s = Session(qm)
    t0 = time.perf_counter()
    tok = s.next_token(prompt)
    t1 = time.perf_counter()
    out = [tok]
    for _ in range(n - 1):
        out.append(s.next_token([out[-1]]))
    return out, t1 - t0, time.perf_counter() - t1


def _decode_float(fm, prompt, n):
    from deepprove_cli.model import float_ref

    cache = float_ref.KVCache.empty(fm.config)
    t0 = time.perf_counter()
    last = float_ref.forward_step(fm.config, fm.weights, prompt, cache)[-1]
    t1 = time.perf_counter()
    out = [int(np.argmax(last))]
    for _ in range(n - 1):
        out.append(int(np.argmax(float_ref.forward_step(fm.config, fm.weights, [out[-1]], cache)[-1])))
    return out, t1 - t0, time.perf_counter() - t1


def run(opts) -> list[Record]:
    from deepprove_cli.data import accuracy_text
    from deepprove_cli.model.infer import full_pass
    from deepprove_cli.model.tokenizer import Tokenizer
    from deepprove_cli.model.trace import trace_elements

    qm, fm = load_pair(opts)
    n = max(2, opts.tokens or (4 if opts.quick else 16))
    prompt = Tokenizer(qm.tokenizer).encode(accuracy_text())[:int(opts.extra.get("prompt_tokens", 32))]
    repeat = 1 if opts.quick else max(1, opts.repeat)
    _decode_int(qm, prompt, 2)  # warm-up: kernels loaded, weights mapped
    _decode_float(fm, prompt, 2)
    reset_peak_rss()
    times = {"int": [], "float": [], "int_prefill": [], "float_prefill": []}
    outs = {}
    for _ in range(repeat):
        for name, fn, model in (("int", _decode_int, qm), ("float", _decode_float, fm)):
            outs[name], prefill, decode = fn(model, prompt, n)
            times[name].append(decode)
            times[name + "_prefill"].append(prefill)
    steps = n - 1
    t0 = time.perf_counter()
    elements = trace_elements(full_pass(qm, prompt + outs["int"], keep_all=True))
    recompute = time.perf_counter() - t0
    med = {k: statistics.median(v) for k, v in times.items()}
    metrics = {"same_tokens": outs["int"] == outs["float"], "prefill_s": round(med["int_prefill"], 4),
               "float_prefill_s": round(med["float_prefill"], 4), "float_tokens_per_s": round(steps / med["float"], 3),
               "prompt_tokens": len(prompt), "trace_elements": elements, "recompute_s": round(recompute, 3),
               "model": qm.content_digest[:16]}
    rss = peak_rss_mb()
    return [record(SUITE, f"decode/{qm.config.arch}", Timing(times["int"], rss),
                   params={"tokens": n, "prompt_tokens": len(prompt), "decode_steps": steps},
                   work=steps, unit="tokens/s", baseline_name="float_ref.forward_step (KV cache)",
                   baseline=Timing(times["float"], rss), metrics=metrics)]
