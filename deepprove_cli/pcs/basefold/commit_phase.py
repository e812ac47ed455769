"""Commit to a batch of multilinear polynomials with one Merkle tree.

The polynomials are first cut into columns of at most max_vars variables (split.py). Per size
group of columns (layout.py): stack the evaluation tables (K_g, 2^n), encode them together
(Moebius + LDE, encoding.py), cut the codewords into windows (nwin, K_g, W) and hash the batch
tree over all groups (batch_tree.py). The prover keeps the tables (the opening's sumchecks run on
them), the windows (its codewords, already in Merkle-row order) and the tree in `ProverData`; the
`Commitment` is the root and the shape.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import check_canonical
from deepprove_cli.hash.merkle import MerkleTree
from deepprove_cli.pcs.basefold import batch_tree
from deepprove_cli.pcs.basefold.claims import Claim
from deepprove_cli.pcs.basefold.commitment import Commitment
from deepprove_cli.pcs.basefold.encoding import encode, to_windows
from deepprove_cli.pcs.basefold.layout import BatchLayout
from deepprove_cli.pcs.basefold.params import DEFAULT_PARAMS, PcsParams


@dataclass
class ProverData:
    """What the prover keeps from a commitment, per size group (layout.groups order)."""

    commitment: Commitment
    tables: list[np.ndarray]    # (K_g, 2^n_g) base evaluation tables of the group's columns
    windows: list[np.ndarray]   # (nwin_g, K_g, W_g) base codeword windows
    tree: MerkleTree

    @property
    def layout(self) -> BatchLayout:
        return self.commitment.layout

    def column(self, col: int) -> np.ndarray:
        """The evaluation table of committed column `col` (a view)."""
        g = self.layout.group_of(col)
        return self.tables[g][self.layout.groups[g].polys.index(col)]

    def table(self, poly: int) -> np.ndarray:
        """The evaluation table of the caller's polynomial `poly` (a view: a split polynomial's
        chunks are consecutive rows of one group's stack)."""
        split = self.commitment.split
        first = split.starts[poly]
        if split.chunks(poly) == 1:
            return self.column(first)
        g = self.layout.group_of(first)
        i = self.layout.groups[g].polys.index(first)
        return self.tables[g][i:i + split.chunks(poly)].reshape(-1)

    def claim(self, poly: int, point) -> Claim:
        """The honest claim "polynomial `poly` at `point` ((n_k, 4) ext or (n_k,) base) is its value"."""
        from deepprove_cli.poly.multilinear import evaluate

        pt = Claim.of(poly, point, 0).point
        return Claim(int(poly), pt, evaluate(self.table(poly), pt))


def _num_vars(t, i: int) -> int:
    if not isinstance(t, np.ndarray) or t.ndim != 1:
        raise InputError(f"polynomial {i}: expected a 1-D uint32 evaluation table, got "
                         f"{getattr(t, 'shape', type(t).__name__)}")
    m = t.shape[0]
    if m == 0 or m & (m - 1):
        raise InputError(f"polynomial {i}: table length {m} is not a power of two")
    check_canonical(t, f"polynomial {i}")
    return m.bit_length() - 1


def _stack(polys, split, cols: tuple[int, ...]) -> np.ndarray:
    """The tables of a group's columns as one (K_g, 2^n) array: a view when they are one polynomial
    or all chunks of one, else a copy."""
    owner = split.owner(cols[0])
    if split.owner(cols[-1]) == owner and len(cols) == split.chunks(owner):
        return polys[owner].reshape(len(cols), -1)
    columns = split.column_tables(polys)
    return np.stack([columns[c] for c in cols])


def commit(polys, params: PcsParams = DEFAULT_PARAMS) -> ProverData:
    """Commit to base-field evaluation tables (a list of (2^n_k,) uint32, any sizes) at the params'
    rate, arity, leaf width and max_vars. Returns the prover's data; `.commitment` is what the verifier gets. A
    group holding one polynomial (or all chunks of one) is kept by reference (not copied): do not
    modify it before opening."""
    polys = list(polys)
    if not polys:
        raise InputError("commit: no polynomials")
    num_vars = tuple(_num_vars(t, i) for i, t in enumerate(polys))
    try:
        shape = Commitment.for_params(bytes(32), num_vars, params)
    except ValueError as e:
        raise InputError(f"commit: {e}") from None
    layout = shape.layout
    tables, windows = [], []
    for g in layout.groups:
        stack = _stack(polys, shape.split, g.polys)
        tables.append(stack)
        windows.append(to_windows(encode(stack, layout.rate_bits), g.log_window))
    tree = batch_tree.build(layout, windows)
    return ProverData(dataclasses.replace(shape, root=tree.root), tables, windows, tree)
