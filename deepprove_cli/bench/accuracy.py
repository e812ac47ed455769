"""`dp bench accuracy --model model.dpq [--text FILE] [--ctx 512]`: perplexity of the integer program
next to the float reference it was quantized from, over the same tokens, and their ratio.

The float reference is `model.float_ref` on the .dpm recorded in the .dpq (`-p dpm=PATH` overrides;
the GGUF identity recorded in both must match). The text defaults to the shipped accuracy passage
(the Britannica article's opening; calibration used a later part). Perplexity is reported the way
llama.cpp's perplexity tool scores a window (the second half of the ctx tokens: `ppl_*`) and over
every position (`ppl_*_all`); `ratio` = ppl_int / ppl_float.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.bench.record import Record, measure, record
from deepprove_cli.errors import InputError

SUITE = "accuracy"


def load_pair(opts):
    """(quantized model, float model) for a suite: the .dpq from --model, its .dpm from the record."""
    from deepprove_cli.model.dpm import load_model
    from deepprove_cli.model.dpq import load_dpq

    if not opts.model:
        raise InputError("this suite needs --model model.dpq")
    qm = load_dpq(opts.model)
    dpm = opts.extra.get("dpm") or qm.source.get("dpm")
    if not dpm:
        raise InputError(f"{opts.model} does not record its .dpm", hint="give it with -p dpm=PATH")
    fm = load_model(dpm)
    want = qm.source.get("gguf", {}).get("sha256")
    have = fm.weights.meta.get("source", {}).get("sha256")
    if want and have and want != have:
        raise InputError(f"{dpm} is not the model {opts.model} was quantized from (GGUF sha256 differs)")
    return qm, fm


def run(opts) -> list[Record]:
    from deepprove_cli.data import accuracy_text
    from deepprove_cli.model import float_ref
    from deepprove_cli.model.infer import full_pass
    from deepprove_cli.model.tokenizer import Tokenizer

    qm, fm = load_pair(opts)
    if opts.text:
        from deepprove_cli.commands.quantize import read_text

        text = read_text(opts.text, "accuracy text")
    else:
        text = accuracy_text()
    ctx = opts.ctx or (64 if opts.quick else 512)
    ids = Tokenizer(qm.tokenizer).encode(text)[:min(ctx, qm.graph.max_len)]
    if len(ids) < 4:
        raise InputError("the accuracy text has fewer than 4 tokens")
    out: dict = {}

    def ours():
        out["int"] = full_pass(qm, ids)[qm.graph.meta["logits"]] * qm.graph.meta["logit_scale"]

    def baseline():
        out["float"] = float_ref.forward(fm.config, fm.weights, ids)

    repeat = 1 if not opts.quick else max(1, min(opts.repeat, 3))
    mine = measure(ours, repeat=repeat, warmup=0)
    base = measure(baseline, repeat=repeat, warmup=0)
    first = len(ids) // 2
    pf, pi = float_ref.perplexity(out["float"], ids, first), float_ref.perplexity(out["int"], ids, first)
    pfa, pia = float_ref.perplexity(out["float"], ids), float_ref.perplexity(out["int"], ids)
    agree = float((out["int"].argmax(-1) == out["float"].argmax(-1)).mean())
    metrics = {"ppl_float": round(pf, 4), "ppl_int": round(pi, 4), "ratio": round(pi / pf, 5),
               "ppl_float_all": round(pfa, 4), "ppl_int_all": round(pia, 4), "ratio_all": round(pia / pfa, 5),
               "argmax_agree": round(agree, 4), "tokens": len(ids), "scored_from": first,
               "model": qm.content_digest[:16]}
    return [record(SUITE, f"perplexity/{qm.config.arch}", mine, params={"ctx": len(ids), "arch": qm.config.arch},
                   work=len(ids), unit="tokens/s", baseline_name="float_ref.forward", baseline=base,
                   metrics=metrics)]
