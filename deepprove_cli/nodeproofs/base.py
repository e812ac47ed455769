"""How a node kind is proven: it LOWERS a graph node into primitive proof ops (nodeproofs/ops.py).

One module per node kind implements `NodeProof.lower(node, low)`: through the `Lowering` it is given,
it declares
  (a) the tensors the node commits (advice: split limbs, lookup outputs, ...) and the virtual tensors
      it defines (never committed: hi parts, products, derived range columns), each with its shape;
  (b) the lookup columns it contributes (function tables of the model, range tables by width);
  (c)/(d) the ops that prove and verify it: each op turns the claims on the tensor it defines into
      claims on what it reads (its inputs, its advice, the model's weights).
The same lowering runs in the prover (which also runs every op's integer `forward` to build the
witness and checks it against the node's `eval`) and in the verifier, so the two cannot disagree on
what is proven. `prove_node` / `verify_node` (prover.flow / verifier.flow) walk a node's ops in
reverse order with the claims on its tensors.

A node kind without a module is refused when the proof is planned: "node kind softmax has no proof yet".

Tensors carry the sequence axis first: a node's output is (T, *node.shape), a key axis (None in the
graph) has T entries. Weights (the arrays of the weight commitment) are `Operand`s named "w/<array>";
arrays travelling in clear in the verifying key are public `Dense` tensors the verifier evaluates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Mapping

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.relations.layout import Operand, TensorLayout
from deepprove_cli.relations.public import Dense

NODE_PROOFS: dict[str, "NodeProof"] = {}
WEIGHT_PREFIX = "w/"
KINDS = ("virtual", "committed", "weight")


def register(cls):
    """Class decorator: the proof of node kind `cls.kind`."""
    NODE_PROOFS[cls.kind] = cls()
    return cls


def proof_for(kind: str) -> "NodeProof":
    from deepprove_cli import nodeproofs  # noqa: F401 (registers the kinds)

    if kind not in NODE_PROOFS:
        raise InputError(f"node kind {kind} has no proof yet",
                         hint=f"proven kinds: {', '.join(sorted(NODE_PROOFS))}")
    return NODE_PROOFS[kind]


class NodeProof:
    """The proof of one node kind: `lower` declares its tensors, lookups and ops (module docstring)."""

    kind: ClassVar[str] = ""

    def lower(self, node, low: "Lowering") -> None:
        raise NotImplementedError


@dataclass
class LowerEnv:
    """The public facts a lowering may read: the rows and tokens of the statement, the model's public
    arrays (values), the committed weights (shapes) and the lookup tables ((values, lo) by name)."""

    T: int
    ids: np.ndarray                      # token ids of the pass: prompt + outputs[:-1]
    n_prompt: int
    outputs: np.ndarray                  # generated tokens: argmax of rows n_prompt - 1 .. T - 1
    arrays: Mapping[str, np.ndarray]     # public arrays, in clear
    weight_shapes: Mapping[str, tuple]   # committed arrays
    tables: Mapping[str, tuple]          # model lookup tables: name -> (values int64, lo)

    @property
    def positions(self) -> np.ndarray:
        return np.arange(self.T, dtype=np.int64)


@dataclass
class TensorInfo:
    name: str
    shape: tuple
    kind: str          # virtual | committed | weight
    node: str          # the node that declared it ("" for weights)

    @property
    def layout(self) -> TensorLayout:
        return TensorLayout(self.shape)


@dataclass
class LookupUse:
    """Columns (tensor names of one shape: input, outputs...) looked up in `table` (a plan table name)."""

    table: str
    columns: tuple[str, ...]
    shape: tuple
    node: str


@dataclass
class NodeLowering:
    node: object
    ops: list = field(default_factory=list)
    lookups: list = field(default_factory=list)


class Lowering:
    """The builder a NodeProof.lower receives for one node (names are node.name + "." + suffix)."""

    def __init__(self, plan, node):
        self.plan, self.node, self.env = plan, node, plan.env
        self.result = NodeLowering(node)

    # -- shapes and names ------------------------------------------------------------------------

    @property
    def T(self) -> int:
        return self.env.T

    def full(self, shape) -> tuple:
        """(T, *shape) with a key axis (None) read as T."""
        return (self.T,) + tuple(self.T if d is None else int(d) for d in shape)

    def name(self, suffix: str) -> str:
        return f"{self.node.name}.{suffix}"

    def suffix_of(self, name: str) -> str:
        """The suffix of a name inside this node's namespace (InputError for another node's name)."""
        if not name.startswith(self.node.name + "."):
            raise InputError(f"node {self.node.name}: {name!r} is not one of its tensor names")
        return name[len(self.node.name) + 1:]

    def shape_of(self, name: str) -> tuple:
        return self.plan.tensors[name].shape

    def input(self, i: int = 0) -> str:
        name = self.node.inputs[i]
        if name not in self.plan.tensors:
            raise InputError(f"node {self.node.name}: input {name!r} was not lowered")
        return name

    def input_bound(self, i: int = 0) -> int:
        """The graph's worst-case |value| of input i (public: quantize-time bounds in the key)."""
        return int(self.plan.graph[self.node.inputs[i]].bound)

    def operand(self, name: str, shape=None) -> Operand:
        """A witness operand on a declared tensor (optionally read in another shape with the same
        table, e.g. a per-row (T,) tensor as (T, 1))."""
        return Operand(name, self.shape_of(name) if shape is None else shape)

    # -- declarations ----------------------------------------------------------------------------

    def tensor(self, suffix: str | None, shape, kind: str) -> str:
        """Declare a tensor of this node (suffix None: the node's output)."""
        if kind not in KINDS[:2]:
            raise InputError(f"node {self.node.name}: tensor kind {kind!r}")
        name = self.node.name if suffix is None else self.name(suffix)
        self.plan.declare(TensorInfo(name, tuple(int(d) for d in shape), kind, self.node.name))
        return name

    def out(self, kind: str = "virtual") -> str:
        """Declare the node's output, (T, *node.shape)."""
        return self.tensor(None, self.full(self.node.shape), kind)

    def array(self, role: str):
        """The node's array `role`: the weight Operand when committed, else a public Dense tensor."""
        name = self.node.arrays[role]
        if name in self.env.weight_shapes:
            return self.plan.weight(name)
        if name not in self.env.arrays:
            raise InputError(f"node {self.node.name}: array {name!r} is neither committed nor in the key")
        return Dense(np.asarray(self.env.arrays[name]))

    def table(self, role: str) -> str:
        """The plan's name of the node's lookup table `role` (registered on first use)."""
        return self.plan.model_table(self.node.tables[role])

    def table_values(self, role: str) -> tuple[np.ndarray, int]:
        return self.env.tables[self.node.tables[role]]

    # -- ops and lookups -------------------------------------------------------------------------

    def op(self, op):
        self.plan.add_op(self.result, op)
        return op

    def lookup(self, table: str, columns) -> None:
        cols = tuple(columns)
        shapes = {self.shape_of(c) for c in cols}
        if len(shapes) != 1:
            raise InputError(f"node {self.node.name}: lookup columns of different shapes {sorted(shapes)}")
        self.result.lookups.append(LookupUse(table, cols, shapes.pop(), self.node.name))
