"""The integer program as a DAG of nodes in evaluation order, with bound checking and evaluation.

`Graph.add` infers each node's output shape and worst-case bound from its inputs' and refuses any
node whose intermediates could reach (p - 1) / 2 (the model would wrap in the field): the error names
the node and the intermediate. `Graph.run` evaluates nodes in order on the rows of an EvalContext,
dropping each tensor after its last use; it is what `dp infer` runs and what the prover re-runs.
"""

from __future__ import annotations

from deepprove_cli.errors import InputError
from deepprove_cli.graph import attention, elementwise, linear, norm, output  # noqa: F401 (registers kinds)
from deepprove_cli.graph.node import NODE_KINDS, EvalContext, Node, Store
from deepprove_cli.model import intops


class BoundError(InputError):
    """The quantized model could overflow the field at a named op: it is refused, never wrapped."""


class Graph:
    """Nodes in evaluation order; `meta` names the outputs ("logits", "argmax") and their scales."""

    def __init__(self, max_len: int, meta: dict | None = None):
        self.max_len = max_len
        self.nodes: list[Node] = []
        self.by_name: dict[str, Node] = {}
        self.meta = dict(meta or {})

    def __len__(self) -> int:
        return len(self.nodes)

    def __getitem__(self, name: str) -> Node:
        return self.by_name[name]

    def add(self, node: Node, store: Store) -> Node:
        """Append `node` after inferring its shape and bounds; BoundError if it could overflow."""
        if node.name in self.by_name:
            raise ValueError(f"duplicate node name {node.name!r}")
        ins = [self.by_name[i] for i in node.inputs]
        in_shapes = [n.shape for n in ins]
        node.shape = tuple(node.out_shape(in_shapes, store))
        try:
            bound, inter = node.bounds(ins, store)
        except intops.IntegrityError as e:
            raise BoundError(f"op {node.name} ({node.kind}): {e}") from None
        for what, v in inter.items():
            if abs(int(v)) > intops.P_HALF:
                raise BoundError(
                    f"op {node.name} ({node.kind}): {what} could reach {int(v)} > (p-1)/2 = {intops.P_HALF}",
                    hint="the model's weights or activations are too wide for the field; quantize with fewer bits")
        node.bound, node.inter = int(bound), {k: int(v) for k, v in inter.items()}
        self.nodes.append(node)
        self.by_name[node.name] = node
        return node

    def run(self, store: Store, ctx: EvalContext, outputs: list[str], keep_all: bool = False) -> dict:
        """Evaluate every node on ctx's rows; returns {name: output} for `outputs` (every node's
        outputs and advice, as "name" and "name.advice", when keep_all)."""
        wanted = set(outputs)
        values: dict = {}
        result: dict = {}
        for n, freed in zip(self.nodes, self._frees()):
            res = n.eval([values[s] for s in n.inputs], store, ctx)
            values[n.name] = res["out"]
            if keep_all:
                result[n.name] = res["out"]
                result.update({f"{n.name}.{k}": v for k, v in res.items() if k != "out"})
            elif n.name in wanted:
                result[n.name] = res["out"]
            for src in freed:
                if src not in wanted:
                    del values[src]
        return result

    def _frees(self) -> list[tuple[str, ...]]:
        """Per node, the inputs read for the last time there (computed once per graph size)."""
        cached = getattr(self, "_frees_cache", None)
        if cached is None or cached[0] != len(self.nodes):
            last: dict[str, int] = {}
            for i, n in enumerate(self.nodes):
                for src in n.inputs:
                    last[src] = i
            frees = [tuple(dict.fromkeys(s for s in n.inputs if last[s] == i)) for i, n in enumerate(self.nodes)]
            self._frees_cache = cached = (len(self.nodes), frees)
        return cached[1]

    def to_json(self) -> dict:
        return {"max_len": self.max_len, "meta": self.meta, "nodes": [n.to_json() for n in self.nodes]}

    @classmethod
    def from_json(cls, d: dict, source: str) -> "Graph":
        """Rebuild a stored graph (bounds as stored: they were checked when the model was quantized)."""
        try:
            g = cls(int(d["max_len"]), dict(d["meta"]))
            for nd in d["nodes"]:
                if nd.get("kind") not in NODE_KINDS:
                    raise InputError(f"{source}: unknown node kind {nd.get('kind')!r}")
                node = Node.from_json(nd)
                missing = [s for s in node.inputs if s not in g.by_name]
                if missing:
                    raise InputError(f"{source}: node {node.name!r} reads {missing[0]!r} before it is defined")
                g.nodes.append(node)
                g.by_name[node.name] = node
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{source}: corrupt graph spec") from None
        return g

    def summary(self) -> dict:
        """Counts per node kind and the tightest bound margin (for reports)."""
        kinds: dict[str, int] = {}
        worst = (0, "")
        for n in self.nodes:
            kinds[n.kind] = kinds.get(n.kind, 0) + 1
            for what, v in n.inter.items():
                if abs(v) > worst[0]:
                    worst = (abs(v), f"{n.name}.{what}")
        return {"nodes": len(self.nodes), "kinds": kinds, "max_intermediate": worst[0], "max_at": worst[1],
                "margin_bits": round(float(__import__("math").log2(intops.P_HALF / max(worst[0], 1))), 3)}
