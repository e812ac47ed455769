"""The plan of a sequence proof: every node lowered (nodeproofs/base.py), in graph order.

Built the same way by the prover and the verifier from public data (the graph, the key's arrays and
tables, the statement's tokens), it fixes everything both sides must agree on:
- the tensors: virtual (each defined by exactly one op), committed (in declaration order: the advice
  batch's polynomials, then one multiplicity column per table), weights (the weight commitment);
- the lookup uses and the tables they need: the model's tables ("model/<name>") and range tables
  ("range/<bits>"), in name order, only those used;
- how a looked-up column is laid out: the tensor's whole zero-padded table, so that range checks and
  table lookups pin the padded entries too (zero, which every relation relies on). A function table
  whose domain lacks (0, T(0) = 0) gets its padded entries shifted to its first row (start, T(start)):
  column = tensor + shift * pad, pad = 1 on padded entries (public, O(n) to evaluate).
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P
from deepprove_cli.lookup import felt
from deepprove_cli.lookup.tables import Table, range_table
from deepprove_cli.nodeproofs.base import WEIGHT_PREFIX, Lowering, LookupUse, TensorInfo, proof_for
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.layout import Operand, TensorLayout, indicator_table


class ModelPlan:
    """Lowered graph: `nodes` (NodeLowering, graph order), `tensors`, `committed`, `weights`, `lookups`,
    `tables` (lookup.tables.Table, in argument order)."""

    def __init__(self, graph, env):
        self.graph, self.env = graph, env
        self.tensors: dict[str, TensorInfo] = {}
        self.committed: list[str] = []
        self.weights: dict[str, TensorInfo] = {}
        self.defined: dict[str, object] = {}
        self._model_tables: dict[str, str] = {}
        self._range_bits: set[int] = set()
        self.nodes = []
        for node in graph.nodes:
            proof = proof_for(node.kind)
            low = Lowering(self, node)
            proof.lower(node, low)
            self.nodes.append(low.result)
        undefined = [t.name for t in self.tensors.values() if t.kind == "virtual" and t.name not in self.defined]
        if undefined:
            raise InputError(f"proof plan: virtual tensor {undefined[0]!r} has no defining op")
        self.lookups: list[LookupUse] = [u for n in self.nodes for u in n.lookups]
        used = sorted({u.table for u in self.lookups})
        self.tables: list[Table] = [self._build_table(name) for name in used]
        self.table_index = {name: i for i, name in enumerate(used)}
        self.shifts = [self._shift(u) for u in self.lookups]

    # -- declarations (Lowering calls these) --------------------------------------------------------

    def declare(self, info: TensorInfo) -> None:
        if info.name in self.tensors or info.name.startswith(WEIGHT_PREFIX):
            raise InputError(f"proof plan: tensor {info.name!r} declared twice")
        TensorLayout(info.shape)  # validates the size
        self.tensors[info.name] = info
        if info.kind == "committed":
            self.committed.append(info.name)

    def weight(self, array: str) -> Operand:
        name = WEIGHT_PREFIX + array
        if name not in self.weights:
            info = TensorInfo(name, tuple(int(d) for d in self.env.weight_shapes[array]), "weight", "")
            self.weights[name] = info
            self.tensors[name] = info
        return Operand(name, self.weights[name].shape)

    def add_op(self, result, op) -> None:
        for name in ([op.defines] if op.defines else []) + list(op.produces):
            info = self.tensors.get(name)
            want = "virtual" if name == op.defines else "committed"
            if info is None or info.kind != want:
                raise InputError(f"proof plan: {op.label} {('defines' if name == op.defines else 'produces')} "
                                 f"{name!r}, which is not a declared {want} tensor")
            if name in self.defined:
                raise InputError(f"proof plan: {name!r} is computed twice")
            self.defined[name] = op
        result.ops.append(op)

    def model_table(self, name: str) -> str:
        if name not in self.env.tables:
            raise InputError(f"proof plan: lookup table {name!r} is not in the key")
        self._model_tables[f"model/{name}"] = name
        return f"model/{name}"

    def range_table(self, bits: int) -> str:
        self._range_bits.add(int(bits))
        return f"range/{int(bits)}"

    # -- tables and columns --------------------------------------------------------------------------

    def _build_table(self, name: str) -> Table:
        if name.startswith("range/"):
            return range_table(int(name.split("/", 1)[1]), name)
        values, lo = self.env.tables[self._model_tables[name]]
        values = np.asarray(values, dtype=np.int64)
        log = int(values.shape[0]).bit_length() - 1
        if values.ndim != 1 or values.shape[0] != 1 << log:
            raise InputError(f"lookup table {name}: {values.shape} entries is not a power of two")
        return Table(name, int(lo), log, (values,))

    def _shift(self, use: LookupUse) -> tuple[int, ...] | None:
        """Per column, what padded entries are shifted by (None: no shift; see the module docstring)."""
        table = self.tables[self.table_index[use.table]]
        lay = TensorLayout(use.shape)
        if lay.size == 1 << lay.num_vars:
            return None
        if table.start <= 0 < table.start + table.size and all(int(o[-table.start]) == 0 for o in table.outputs):
            return None
        return (table.start,) + tuple(int(o[0]) for o in table.outputs)

    def column_tables(self, k: int, tables: dict) -> tuple[np.ndarray, ...]:
        """Lookup use k's columns (prover): the padded field tables of its tensors, shifted on padding."""
        use, shift = self.lookups[k], self.shifts[k]
        cols = [tables[name] for name in use.columns]
        if shift is None:
            return tuple(cols)
        pad = (np.uint32(1) - indicator_table(use.shape)).astype(np.uint64)
        out = []
        for col, s in zip(cols, shift):
            v = (col.astype(np.uint64) + pad * np.uint64(int(s) % P)) % np.uint64(P)
            out.append(v.astype(np.uint32))
        return tuple(out)

    def column_claims(self, k: int, point: np.ndarray, values: np.ndarray) -> list[TensorClaim]:
        """The lookup argument's claim on use k's columns as claims on its tensors."""
        use, shift = self.lookups[k], self.shifts[k]
        out = []
        pad = None
        if shift is not None:
            pad = felt.sub(felt.ONE, TensorLayout(use.shape).indicator_eval(point))
        for c, name in enumerate(use.columns):
            v = values[c]
            if shift is not None:
                v = felt.sub(v, felt.scale(pad, shift[c]))
            out.append(TensorClaim(name, np.ascontiguousarray(point, dtype=np.uint32), np.asarray(v, np.uint32)))
        return out

    # -- the advice batch ----------------------------------------------------------------------------

    def advice_num_vars(self) -> tuple[int, ...]:
        """Variables of each advice polynomial: committed tensors, then each table's multiplicities."""
        return tuple([self.tensors[n].layout.num_vars for n in self.committed] + [t.log_size for t in self.tables])


def plan_for(key, statement) -> ModelPlan:
    """The plan of `statement` (nodeproofs.statement.Statement) over a verifying key's public data
    (`graph`, `arrays` in clear, `weight_shapes`, `tables`)."""
    from deepprove_cli.nodeproofs.base import LowerEnv

    vocab = int(getattr(key, "n_vocab", 0) or 0)
    toks = list(statement.prompt_tokens) + list(statement.output_tokens)
    if vocab and max(toks) >= vocab:
        raise InputError(f"token id {max(toks)} is outside the vocabulary of {vocab}")
    if statement.T > key.graph.max_len:
        raise InputError(f"{statement.T} positions exceed the model's context of {key.graph.max_len}")
    env = LowerEnv(statement.T, statement.ids, len(statement.prompt_tokens),
                   np.asarray(statement.output_tokens, dtype=np.int64), key.arrays, key.weight_shapes, key.tables)
    return ModelPlan(key.graph, env)
