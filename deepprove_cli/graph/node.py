"""What every node of the integer program has: inputs, parameters, public arrays, tables, shape, bound.

A node's `eval` is the only implementation of its semantics: `dp infer` runs it, the prover re-runs
it to get its witnesses. `eval` returns {"out": the output, <advice name>: values the prover commits}
(split remainders, lookup outputs, row maxes, quotients); advice is computed only when asked for.

Every activation has a leading sequence axis (rows = positions); `shape` is the rest. Nodes are
row-wise except those that read `ctx.positions` (Embedding of positions, Rope, Softmax masks) or
the cache (KVCache), which is what makes incremental decoding give the integers of the full pass.

`bounds(ins)` returns the output's worst-case magnitude and the largest magnitude of every
intermediate the node forms; the graph refuses a node whose intermediates could reach (p - 1) / 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from deepprove_cli.model.qtables import TableSet

NODE_KINDS: dict[str, type["Node"]] = {}


def register(cls):
    NODE_KINDS[cls.kind] = cls
    return cls


@dataclass
class EvalContext:
    """Rows being evaluated: their token ids and absolute positions; the cache for incremental runs.

    `cache is None` is the one-shot full causal pass (what the prover proves); a dict makes KVCache
    nodes append to it and read everything cached so far."""

    tokens: np.ndarray
    positions: np.ndarray
    cache: dict | None = None
    keep_advice: bool = False

    @classmethod
    def full(cls, tokens, keep_advice: bool = False) -> "EvalContext":
        tokens = np.asarray(tokens, dtype=np.int64).reshape(-1)
        return cls(tokens, np.arange(tokens.size, dtype=np.int64), None, keep_advice)


class Store:
    """The model's public arrays (weights, multipliers, RoPE tables) and lookup tables, by name.

    Float64 copies of matrices are made once, on first use, for exact BLAS einsums; `prepared`
    keeps each node's kernel arguments (contiguous int64 copies) so decoding does not rebuild them."""

    def __init__(self, arrays: dict[str, np.ndarray], tables: TableSet):
        self.arrays = arrays
        self.tables = tables
        self._f64: dict[str, np.ndarray] = {}
        self._prepared: dict[str, tuple] = {}

    def prepared(self, node_name: str, make) -> tuple:
        args = self._prepared.get(node_name)
        if args is None:
            args = self._prepared[node_name] = make()
        return args

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def f64(self, name: str) -> np.ndarray:
        a = self._f64.get(name)
        if a is None:
            a = np.ascontiguousarray(self.arrays[name], dtype=np.float64)
            self._f64[name] = a
        return a

    def table(self, name: str) -> tuple[np.ndarray, int]:
        return self.tables.get(name)


@dataclass
class Node:
    """Base class: `name`, `inputs` (node names), `params` (JSON), `arrays` and `tables` (role -> name),
    `shape` (without the sequence axis), `bound` (worst-case |out|) and `scale` (real value of one unit,
    quantize-time metadata)."""

    kind: ClassVar[str] = ""

    name: str
    inputs: list[str]
    params: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    shape: tuple = ()
    bound: int = 0
    scale: float = 1.0
    inter: dict = field(default_factory=dict)
    l2: int = 0  # a bound on the Euclidean norm of every last-axis row (0: none known)

    def eval(self, ins: list[np.ndarray], store: Store, ctx: EvalContext) -> dict:
        raise NotImplementedError

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        """(output bound, {intermediate: magnitude}) given the input nodes (their bound, shape without
        the sequence axis, where None marks the key axis of attention, and l2); may set self.l2."""
        raise NotImplementedError

    def out_shape(self, in_shapes: list[tuple], store: Store) -> tuple:
        return tuple(in_shapes[0])

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "inputs": list(self.inputs), "params": self.params,
                "arrays": self.arrays, "tables": self.tables, "shape": list(self.shape), "bound": int(self.bound),
                "scale": float(self.scale), "inter": {k: int(v) for k, v in self.inter.items()}, "l2": int(self.l2)}

    @staticmethod
    def from_json(d: dict) -> "Node":
        cls = NODE_KINDS[d["kind"]]
        return cls(name=d["name"], inputs=list(d["inputs"]), params=dict(d["params"]), arrays=dict(d["arrays"]),
                   tables=dict(d["tables"]), shape=tuple(d["shape"]), bound=int(d["bound"]),
                   scale=float(d["scale"]), inter=dict(d.get("inter", {})), l2=int(d.get("l2", 0)))
