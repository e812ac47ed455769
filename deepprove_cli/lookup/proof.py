"""The lookup proof on the wire and its Fiat-Shamir schedule (shared by prover and verifier).

Schedule (the caller has already absorbed its commitments to the looked-up columns and to the
multiplicities):
  1. statement: each table's digest (LABEL_TABLE), the lookup shapes (LABEL_SHAPES);
  2. challenges beta (tuple folding) and alpha (the logUp pole);
  3. per group of trees (layout.py), one batched GKR (gkr_prover / gkr_verifier): the layer-1 values of
     the group's trees (LABEL_ROOTS), then mu; per layer k = 1 .. depth - 1: lambda, k sumcheck
     rounds (LABEL_ROUND, then r), the four next-layer values of every active tree (LABEL_EVALS), then mu;
  4. the leaf evaluations: every lookup's columns, every table's multiplicity (and committed
     outputs) at their points (LABEL_LEAVES).

Encoding: all extension elements, 16 bytes each, no lengths (every count comes from the verifier's
own Layout): per group, roots (trees x 4) and per layer k: k x 2 round values (h(0), h(2) of the
degree-2 factor of the round polynomial, see gkr_verifier) and active x 4 evaluations; then per lookup
`arity` values and per table its `Layout.table_values` values. A layout of one group gives the bytes of
a single batched GKR.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from deepprove_cli.io.binary import ProofFormatError, Reader, Writer

LABEL_TABLE = "lookup/table"
LABEL_SHAPES = "lookup/shapes"
LABEL_BETA = "lookup/beta"
LABEL_ALPHA = "lookup/alpha"
LABEL_ROOTS = "gkr/roots"
LABEL_MU = "gkr/mu"
LABEL_LAMBDA = "gkr/lambda"
LABEL_ROUND = "gkr/round"
LABEL_R = "gkr/r"
LABEL_EVALS = "gkr/evals"
LABEL_LEAVES = "lookup/leaf-evals"


def absorb_statement(transcript, tables, layout) -> None:
    """Bind the tables (digests) and the lookup shapes: the public part of the argument."""
    for t in tables:
        transcript.absorb_bytes(LABEL_TABLE, t.digest())
    shapes = b"".join(struct.pack("<IQ", s.table, s.length) for s in layout.shapes)
    transcript.absorb_bytes(LABEL_SHAPES, struct.pack("<II", len(tables), len(layout.shapes)) + shapes)


def draw_beta_alpha(transcript) -> tuple[np.ndarray, np.ndarray]:
    beta = np.asarray(transcript.challenge_ext(LABEL_BETA), dtype=np.uint32)
    alpha = np.asarray(transcript.challenge_ext(LABEL_ALPHA), dtype=np.uint32)
    return beta, alpha


def absorb_leaves(transcript, proof: "LookupProof") -> None:
    """The leaf evaluations, in proof order."""
    transcript.absorb_ext(LABEL_LEAVES, np.concatenate(proof.lookup_evals + proof.table_evals))


@dataclass
class LayerProof:
    """Layer k: rounds (k, 2, 4) = (h_j(0), h_j(2)); evals (active, 4, 4) = P0, P1, Q0, Q1 of the next
    layer's two halves at the sumcheck point, per active tree."""

    rounds: np.ndarray
    evals: np.ndarray


@dataclass
class GkrProof:
    """roots (trees, 4, 4): each tree's layer 1 (P[0], P[1], Q[0], Q[1]); layers 1 .. depth - 1."""

    roots: np.ndarray
    layers: list[LayerProof]

    def write(self, w: Writer) -> None:
        w.section("gkr/roots")
        w.ext_array(self.roots.reshape(-1, 4))
        for lp in self.layers:
            w.section("gkr/sumcheck")
            w.ext_array(lp.rounds.reshape(-1, 4))
            w.section("gkr/layer-evals")
            w.ext_array(lp.evals.reshape(-1, 4))

    @classmethod
    def read(cls, r: Reader, depths: list[int]) -> "GkrProof":
        roots = r.ext_array(4 * len(depths), "gkr roots").reshape(-1, 4, 4)
        layers = []
        for k in range(1, max(depths)):
            active = sum(1 for d in depths if d > k)
            rounds = r.ext_array(2 * k, f"gkr layer {k} sumcheck").reshape(k, 2, 4)
            evals = r.ext_array(4 * active, f"gkr layer {k} evaluations").reshape(active, 4, 4)
            layers.append(LayerProof(rounds, evals))
        return cls(roots, layers)

    def check_shape(self, depths: list[int]) -> None:
        """An in-memory proof (not parsed) must still have the verifier's shape."""
        ok = self.roots.shape == (len(depths), 4, 4) and len(self.layers) == max(depths) - 1
        for k, lp in enumerate(self.layers, start=1):
            active = sum(1 for d in depths if d > k)
            ok = ok and lp.rounds.shape == (k, 2, 4) and lp.evals.shape == (active, 4, 4)
        if not ok:
            raise ProofFormatError("lookup proof: GKR part does not have the expected shape")


@dataclass
class LookupProof:
    groups: list[GkrProof]          # per group of trees (Layout.groups)
    lookup_evals: list[np.ndarray]  # per lookup (arity, 4)
    table_evals: list[np.ndarray]   # per table (Layout.table_values, 4)

    def write(self, w: Writer) -> None:
        for g in self.groups:
            g.write(w)
        w.section("lookup/leaf-evals")
        for v in self.lookup_evals:
            w.ext_array(v)
        for v in self.table_evals:
            w.ext_array(v)

    @classmethod
    def read(cls, r: Reader, layout) -> "LookupProof":
        groups = [GkrProof.read(r, depths) for depths in layout.group_depths()]
        lk = [r.ext_array(layout.arities[s.table], f"lookup {i} evaluations") for i, s in enumerate(layout.shapes)]
        tb = [r.ext_array(layout.table_values(t), f"table {t} evaluations") for t in range(len(layout.table_logs))]
        return cls(groups, lk, tb)

    def check_shape(self, layout) -> None:
        if not isinstance(self.groups, list) or len(self.groups) != len(layout.groups):
            raise ProofFormatError("lookup proof: not one GKR per group of trees")
        for g, depths in zip(self.groups, layout.group_depths()):
            g.check_shape(depths)
        ok = len(self.lookup_evals) == len(layout.shapes) and len(self.table_evals) == len(layout.table_logs)
        ok = ok and all(np.shape(v) == (layout.arities[s.table], 4) for v, s in zip(self.lookup_evals, layout.shapes))
        ok = ok and all(np.shape(v) == (layout.table_values(t), 4) for t, v in enumerate(self.table_evals))
        if not ok:
            raise ProofFormatError("lookup proof: leaf evaluations do not have the expected shape")

    def to_bytes(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    def sizes(self) -> dict[str, int]:
        """Bytes per component (gkr/roots, gkr/sumcheck, gkr/layer-evals, lookup/leaf-evals)."""
        w = Writer()
        self.write(w)
        return w.sizes()

    @classmethod
    def from_bytes(cls, data: bytes, layout) -> "LookupProof":
        """Strict: exactly the layout's counts of canonical extension elements, nothing after them."""
        r = Reader(data, "lookup proof")
        proof = cls.read(r, layout)
        r.finish()
        return proof
