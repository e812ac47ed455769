"""Tiny models quantized through `dp quantize` (so model.vk and model.dpc are written as users get them)."""

from __future__ import annotations

import json
import os

from tests.conftest import run_dp
from tests.graph.tiny_models import tiny_paths

# d_ff = 1024 makes the MLP matrices 2^16 elements: the rule commits them (the default tiny models
# have no array that big, so their key carries every array in clear and no commitment).
COMMITTED = {"d_ff": 1024}


def quantized(arch: str, directory: str, **overrides) -> tuple[str, dict]:
    """(dpq path, `dp quantize --json` summary) of a tiny model, quantized once per directory."""
    dpm, _ = tiny_paths(arch, directory, **overrides)
    dpq = os.path.join(directory, os.path.basename(dpm)[:-4] + ".cli.dpq")
    summary_path = dpq + ".json"
    if not os.path.exists(summary_path):
        r = run_dp("quantize", dpm, "-o", dpq, "--json")
        assert r.returncode == 0, r.stderr.decode()[-3000:]
        with open(summary_path, "w") as f:
            f.write(r.stdout.decode())
    with open(summary_path) as f:
        return dpq, json.load(f)


def provable(directory: str) -> tuple[str, str]:
    """(dpq, model id) of a small, fast-to-prove model for the command tests (no norm, softmax or rope;
    the real architectures are proven end to end in test_e2e_models.py): the tiny llama's
    tokenizer, config and quantization parameters with a hand-built graph, built from the graph's own
    node classes: embed -> einsum -> requant (bias, clamp) -> gelu lookup -> einsum -> argmax. Its
    embedding, up and logits matrices have >= 2^16 entries, so the weight commitment holds them;
    bias and multipliers travel in the key. Quantized with model.dpc and model.vk like dp quantize."""
    import numpy as np

    from deepprove_cli.graph.elementwise import Lookup, Requant
    from deepprove_cli.graph.linear import Einsum, Embedding
    from deepprove_cli.graph.node import Store
    from deepprove_cli.graph.output import Argmax
    from deepprove_cli.graph.program import Graph
    from deepprove_cli.model.dpq import QuantizedModel, load_dpq, write_dpq
    from deepprove_cli.model.qtables import TableSet, TableSpec
    from deepprove_cli.model.vk import commit_model, load_vk, vk_path

    dpq = os.path.join(directory, "provable.dpq")
    if not os.path.exists(vk_path(dpq)):
        base = load_dpq(tiny_paths("llama", directory)[1])
        V, D, F = base.config.n_vocab, 256, 256
        rng = np.random.default_rng(11)
        arrays = {"embed.table": rng.integers(-50, 51, (V, D)), "up.w": rng.integers(-8, 9, (F, D)),
                  "up.bias": rng.integers(-20, 21, F), "up_q.m": rng.integers(1, 40, F),
                  "logits.w": rng.integers(-8, 9, (V, F))}
        tables = TableSet()
        gelu = tables.add(TableSpec("gelu", "gelu", -512, 10, {"step_in": 1 / 64, "step_out": 1 / 64}))
        clamp = tables.add(TableSpec("clamp", "clamp", -1024, 11, {"cmin": -127, "cmax": 127}))
        g = Graph(32, {"logits": "logits", "argmax": "argmax"})
        store = Store(arrays, tables)
        for node in [Embedding("embed", [], {"source": "tokens"}, {"table": "embed.table"}),
                     Einsum("up", ["embed"], {"spec": "tk,ok->to"}, {"w": "up.w"}),
                     Requant("up_q", ["up"], {"k": 10, "s": 0, "clamp_j": 2}, {"m": "up_q.m", "bias": "up.bias"},
                             {"clamp": clamp}),
                     Lookup("act", ["up_q"], {}, {}, {"table": gelu}),
                     Einsum("logits", ["act"], {"spec": "tk,ok->to"}, {"w": "logits.w"}),
                     Argmax("argmax", ["logits"])]:
            g.add(node, store)
        qm = QuantizedModel(base.config, base.tokenizer, base.quant, g, arrays, tables)
        qm.content_digest = qm.compute_digest()
        write_dpq(dpq, qm)
        commit_model(load_dpq(dpq), dpq)
    return dpq, load_vk(vk_path(dpq)).model_id
