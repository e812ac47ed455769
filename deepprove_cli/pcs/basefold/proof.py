"""The Basefold opening proof on the wire: versioned, deterministic, strictly parsed.

Every size comes from the verifier's own data (the commitment's shape, the claims, its parameters):
the proof carries no length that is trusted. The only counts on the wire are the numbers of
distinct opened rows and of sibling nodes per tree, which depend on the query indices (known only
after the transcript has run): they are bounded here by the parameters, and the verifier checks
them against the exact values it derives.

Layout (version 2), with the size-breakdown section names:
    u8 version
    split:       the chunk values of every claim on a split polynomial (split.py), ext, claim order
    reduce:      n x (h(0), h(2)) ext, then one ext value per claimed polynomial   [several points only]
    fold_rounds: F x (h(0), h(2)) ext
    layer_roots: one digest per committed layer
    final:       2^t ext monomial coefficients of the final polynomial
    grinding:    u64 nonce
    batch_rows:  per row-carrying tree level: u32 count, count x width base elements
    batch_paths: u32 count, count digests
    layer_rows / layer_paths: per committed layer: u32 count, count x 2^m ext; u32 count, digests
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.io.binary import ProofFormatError, Reader, Writer
from deepprove_cli.pcs.basefold.claims import claimed_polys, common_point
from deepprove_cli.pcs.basefold.layout import BatchLayout, FoldSchedule
from deepprove_cli.pcs.basefold.params import PcsParams

VERSION = 2


@dataclass
class TreeOpening:
    """Opened rows (one (count, width) uint32 matrix per row-carrying level; one for a layer tree,
    its extension elements flattened) and the sibling nodes (k, 8) uint32."""

    rows: list[np.ndarray]
    nodes: np.ndarray


@dataclass(frozen=True)
class ProofShape:
    """Everything about a proof's size that the verifier knows before reading it."""

    schedule: FoldSchedule
    multi_point: bool
    num_queries: int
    split_values: int = 0

    @classmethod
    def of(cls, commitment, claims, params: PcsParams) -> "ProofShape":
        """The shape for the callers' claims on a commitment (or, given a BatchLayout, for claims
        on its columns directly)."""
        if isinstance(commitment, BatchLayout):
            layout, cols, values = commitment, list(claims), 0
        else:
            layout, cols = commitment.layout, commitment.column_claims(claims)
            values = commitment.split.value_count(claims)
        schedule = FoldSchedule.build(layout, claimed_polys(cols), params.final_vars)
        return cls(schedule, common_point(layout, cols) is None, params.num_queries, values)

    @property
    def batch_levels(self) -> list[tuple[int, int, int]]:
        """(level, width, nodes at that level) per row-carrying level of the batch tree."""
        lay = self.schedule.layout
        return [(lvl, lay.level_width(lvl), lay.n_leaves >> lvl) for lvl in lay.levels]

    @property
    def layer_widths(self) -> list[tuple[int, int]]:
        """(ext elements per row, rows) per committed layer."""
        s = self.schedule
        return [(1 << lay.log_window, s.layer_rows(c)) for c, lay in enumerate(s.layers) if c > 0]


@dataclass
class OpeningProof:
    split_values: np.ndarray         # (chunk values, 4): claims on split polynomials, or (0, 4)
    reduce_rounds: np.ndarray        # (n, 2, 4), or (0, 2, 4) when the claims sit at one point
    reduce_values: np.ndarray        # (claimed polys, 4), or (0, 4)
    fold_rounds: np.ndarray          # (F, 2, 4)
    layer_roots: list[bytes]
    final: np.ndarray                # (2^t, 4)
    nonce: int
    batch_opening: TreeOpening
    layer_openings: list[TreeOpening]

    def write(self, w: Writer) -> None:
        w.u8(VERSION)
        w.section("split")
        w.ext_array(self.split_values.reshape(-1, 4))
        w.section("reduce")
        w.ext_array(self.reduce_rounds.reshape(-1, 4))
        w.ext_array(self.reduce_values.reshape(-1, 4))
        w.section("fold_rounds")
        w.ext_array(self.fold_rounds.reshape(-1, 4))
        w.section("layer_roots")
        for root in self.layer_roots:
            w.digest(root)
        w.section("final")
        w.ext_array(self.final)
        w.section("grinding")
        w.u64(self.nonce)
        _write_opening(w, self.batch_opening, "batch")
        for op in self.layer_openings:
            _write_opening(w, op, "layer")

    @classmethod
    def read(cls, r: Reader, shape: ProofShape) -> "OpeningProof":
        version = r.u8("opening version")
        if version != VERSION:
            raise ProofFormatError(f"{r.what}: opening proof version {version}, expected {VERSION}")
        s = shape.schedule
        split_values = r.ext_array(shape.split_values, "split chunk values")
        n_red = s.n if shape.multi_point else 0
        n_val = len(s.claimed) if shape.multi_point else 0
        reduce_rounds = r.ext_array(2 * n_red, "point-reduction rounds").reshape(n_red, 2, 4)
        reduce_values = r.ext_array(n_val, "point-reduction values")
        fold_rounds = r.ext_array(2 * s.folds, "fold rounds").reshape(s.folds, 2, 4)
        roots = [r.digest("layer root") for _ in shape.layer_widths]
        final = r.ext_array(1 << s.final_vars, "final polynomial")
        nonce = r.u64("grinding nonce")
        q = shape.num_queries
        lay = s.layout
        batch_rows = [_read_rows(r, width, min(q, nodes), "batch rows") for _, width, nodes in shape.batch_levels]
        batch = TreeOpening(batch_rows, _read_nodes(r, q * lay.height, "batch path nodes"))
        layers = []
        for width, rows in shape.layer_widths:
            mat = _read_rows(r, 4 * width, min(q, rows), "layer rows")
            layers.append(TreeOpening([mat], _read_nodes(r, q * (rows.bit_length() - 1), "layer path nodes")))
        return cls(split_values, reduce_rounds, reduce_values, fold_rounds, roots, final, nonce, batch, layers)

    def to_bytes(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    def size_breakdown(self) -> dict[str, int]:
        w = Writer()
        self.write(w)
        return w.sizes()

    @classmethod
    def from_bytes(cls, data: bytes, shape: ProofShape) -> "OpeningProof":
        r = Reader(data, "opening proof")
        p = cls.read(r, shape)
        r.finish()
        return p


def _write_opening(w: Writer, op: TreeOpening, kind: str) -> None:
    w.section(f"{kind}_rows")
    for mat in op.rows:
        w.u32(mat.shape[0])
        w.base_array(mat.reshape(-1))
    w.section(f"{kind}_paths")
    w.u32(len(op.nodes))
    w.raw(np.ascontiguousarray(op.nodes, dtype="<u4").tobytes())


def _read_rows(r: Reader, width: int, max_count: int, name: str) -> np.ndarray:
    count = r.u32(f"{name} count", max_count)
    return r.base_array(count * width, name).reshape(count, width)


def _read_nodes(r: Reader, max_count: int, name: str) -> np.ndarray:
    count = r.u32(f"{name} count", max_count)
    return np.frombuffer(r.raw(32 * count, name), dtype="<u4").astype(np.uint32).reshape(count, 8)
