"""Small integer programs built by hand from the graph's own node classes, for the prover's tests:
every proven node kind (embedding, einsum with weights / bias / limbs, requant plain / limb cut / limb
form / clamps, lookup, mul, limbs, add with clamp, reshape, kvcache, argmax), no softmax, norm or rope."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from deepprove_cli.graph.attention import KVCache
from deepprove_cli.graph.elementwise import Add, Limbs, Lookup, Mul, Requant, Reshape
from deepprove_cli.graph.linear import Einsum, Embedding
from deepprove_cli.graph.node import EvalContext, Store
from deepprove_cli.graph.output import Argmax
from deepprove_cli.graph.program import Graph
from deepprove_cli.model.qtables import TableSet, TableSpec


@dataclass
class HandModel:
    """What the prover reads from a QuantizedModel."""

    graph: Graph
    arrays: dict
    tables: TableSet
    config: object
    content_digest: str = "hand-model"
    _store: object = field(default=None, repr=False)

    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.arrays, self.tables)
        return self._store


def mlp_model(seed: int = 7, V: int = 19, D: int = 8, F: int = 12, max_len: int = 16) -> HandModel:
    """embed -> einsum -> requant(bias, clamp) -> gelu lookup -> mul -> requant(limb cut, clamp j=0)
    -> limbs -> einsum over limbs -> requant(limb form) -> add(clamp, residual) -> reshape -> kvcache
    -> reshape -> einsum -> argmax."""
    rng = np.random.default_rng(seed)
    k_up, k_down = 6 + max(0, (D // 8 - 1).bit_length()), 8 + max(0, (F // 12 - 1).bit_length())  # wider sums
    tables = TableSet()
    arrays = {
        "embed.table": rng.integers(-50, 50, (V, D)),
        "up.w": rng.integers(-8, 9, (F, D)), "up.bias": rng.integers(-20, 21, F),
        "up_q.m": rng.integers(1, 40, F),
        "down.w": 2 * rng.integers(-2, 3, (D, F)), "down_q.m": rng.integers(1, 20, D),  # even: see test_cheating
        "logits.w": rng.integers(-8, 9, (V, D)),
    }
    gelu = tables.add(TableSpec("gelu", "gelu", -512, 10, {"step_in": 1 / 64, "step_out": 1 / 64}))
    clamp_a = tables.add(TableSpec("clamp_a", "clamp", -1024, 11, {"cmin": -127, "cmax": 127}))
    clamp_b = tables.add(TableSpec("clamp_b", "clamp", -2048, 12, {"cmin": -255, "cmax": 255}))
    clamp_c = tables.add(TableSpec("clamp_c", "clamp", -256, 9, {"cmin": -100, "cmax": 100}))
    g = Graph(max_len, {"logits": "logits", "argmax": "argmax"})
    st = Store(arrays, tables)
    for node in [
        Embedding("embed", [], {"source": "tokens"}, {"table": "embed.table"}),
        Einsum("up", ["embed"], {"spec": "tk,ok->to"}, {"w": "up.w"}),
        Requant("up_q", ["up"], {"k": k_up, "s": 0, "clamp_j": 2}, {"m": "up_q.m", "bias": "up.bias"}, {"clamp": clamp_a}),
        Lookup("act", ["up_q"], {}, {}, {"table": gelu}),
        Mul("gate", ["act", "up_q"]),
        Requant("gate_q", ["gate"], {"k": 10, "s": 3, "m": 5, "clamp_j": 0}, {}, {"clamp": clamp_b}),
        Limbs("gate_l", ["gate_q"], {"shift": 4}),
        Einsum("down", ["gate_l"], {"spec": "tlk,ok->tlo"}, {"w": "down.w"}),
        Requant("down_q", ["down"], {"k": k_down, "s": 3, "s_hi": 2, "limb_shift": 4}, {"m": "down_q.m"}),
        Add("resid", ["embed", "down_q"], {"clamp_j": 3}, {}, {"clamp": clamp_c}),
        Reshape("resid2", ["resid"], {"shape": [2, D // 2]}),
        KVCache("resid_c", ["resid2"]),
        Reshape("resid3", ["resid_c"], {"shape": [D]}),
        Einsum("logits", ["resid3"], {"spec": "tk,ok->to"}, {"w": "logits.w"}),
        Argmax("argmax", ["logits"]),
    ]:
        g.add(node, st)
    return HandModel(g, arrays, tables, SimpleNamespace(n_vocab=V))


def greedy(model, prompt, n_new: int) -> list[int]:
    """Greedy continuation by full passes (the semantics the proof attests)."""
    toks = [int(t) for t in prompt]
    for _ in range(n_new):
        res = model.graph.run(model.store(), EvalContext.full(toks), ["argmax"])
        toks.append(int(res["argmax"][-1]))
    return toks


def shifted_model(seed: int = 3, V: int = 11, D: int = 6, max_len: int = 8) -> HandModel:
    """embed (6 channels: padded to 8) -> lookup in a table with T(0) != 0 (padded entries are read at
    the table's first row) -> einsum -> argmax."""
    rng = np.random.default_rng(seed)
    tables = TableSet()
    arrays = {"embed.table": rng.integers(-60, 60, (V, D)), "logits.w": rng.integers(-8, 9, (V, D))}
    exp = tables.add(TableSpec("band", "clamp", -64, 7, {"cmin": 5, "cmax": 30}))
    g = Graph(max_len, {"logits": "logits", "argmax": "argmax"})
    st = Store(arrays, tables)
    for node in [
        Embedding("embed", [], {"source": "tokens"}, {"table": "embed.table"}),
        Lookup("e", ["embed"], {}, {}, {"table": exp}),
        Einsum("logits", ["e"], {"spec": "tk,ok->to"}, {"w": "logits.w"}),
        Argmax("argmax", ["logits"]),
    ]:
        g.add(node, st)
    return HandModel(g, arrays, tables, SimpleNamespace(n_vocab=V))
