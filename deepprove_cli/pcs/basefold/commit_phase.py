"""Commit to a batch of multilinear polynomials with one Merkle tree.

The polynomials are first cut into columns of at most max_vars variables (split.py), and many
small ones packed into shared columns (pack.py). The columns are then encoded group by group
(layout.py), a slab of a few columns at a time (Moebius + LDE, encoding.py), and each slab's
windows are fed (straight from the column-major codewords, no transpose) to the streaming row
hasher of the tree level its group attaches at (row_hasher.py); the batch tree is built from those row hashes
(batch_tree.py). So no step needs more than one slab of codewords at once: `commit` keeps them
all (in RAM), persist.commit_stream hands each to the output file as it is produced.

The prover keeps the tables (the opening's sumchecks run on them), the codewords (column-major,
(K_g, 2^L) per group) and the tree in `ProverData`; the `Commitment` is the root and the shape.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field import ntt
from deepprove_cli.field.babybear import check_canonical
from deepprove_cli.hash.merkle import MerkleTree
from deepprove_cli.pcs.basefold import batch_tree
from deepprove_cli.pcs.basefold.claims import Claim
from deepprove_cli.pcs.basefold.commitment import Commitment
from deepprove_cli.pcs.basefold.encoding import moebius_rows
from deepprove_cli.pcs.basefold.layout import BatchLayout
from deepprove_cli.pcs.basefold.params import DEFAULT_PARAMS, PcsParams
from deepprove_cli.pcs.basefold.persist import stack_rows
from deepprove_cli.pcs.basefold.row_hasher import RowHasher

SLAB_BYTES = 128 << 20   # codeword bytes encoded at once (fewer, wider slabs: less row-hasher state traffic)
IN_PLACE_MIN_VARS = 16    # columns this long are encoded in their codeword buffers (lde_in_place)


def _readonly(a: np.ndarray) -> np.ndarray:
    """A read-only view: memory-mapped and in-RAM data then share one compiled kernel specialization."""
    v = a.view()
    v.flags.writeable = False
    return v


@dataclass
class ProverData:
    """What the prover keeps from a commitment, per size group of columns (layout.groups order)."""

    commitment: Commitment
    tables: list[np.ndarray]      # (K_g, 2^n_g) base evaluation tables of the group's columns
    codewords: list[np.ndarray]   # (K_g, 2^(n_g + rate_bits)) their codewords, bit-reversed order
    tree: MerkleTree

    def __post_init__(self):
        self.tables = [_readonly(t) for t in self.tables]
        self.codewords = [_readonly(c) for c in self.codewords]

    @property
    def layout(self) -> BatchLayout:
        return self.commitment.layout

    def column(self, col: int) -> np.ndarray:
        """The evaluation table of committed column `col` (a view)."""
        g = self.layout.group_of(col)
        return self.tables[g][self.layout.groups[g].polys.index(col)]

    def table(self, poly: int) -> np.ndarray:
        """The evaluation table of the caller's polynomial `poly` (a view: a split polynomial's
        chunks are consecutive rows of one group's stack, a packed one is its slot of a column)."""
        split, packing = self.commitment.split, self.commitment.packing
        first = packing.slot(split.starts[poly])
        if split.chunks(poly) == 1:
            return self.column(first.column)[first.offset:first.offset + (1 << first.num_vars)]
        g = self.layout.group_of(first.column)
        i = self.layout.groups[g].polys.index(first.column)
        return self.tables[g][i:i + split.chunks(poly)].reshape(-1)

    def claim(self, poly: int, point) -> Claim:
        """The honest claim "polynomial `poly` at `point` ((n_k, 4) ext or (n_k,) base) is its value"."""
        from deepprove_cli.poly.multilinear import evaluate

        pt = Claim.of(poly, point, 0).point
        return Claim(int(poly), pt, evaluate(self.table(poly), pt))

    def to_arrays(self, prefix: str = "pcs/"):
        """(meta, [ArraySpec]) to store this data in an artifact container (persist.py)."""
        from deepprove_cli.pcs.basefold.persist import prover_arrays

        return prover_arrays(self, prefix)

    @classmethod
    def from_container(cls, meta: dict, container) -> "ProverData":
        """The data stored by `to_arrays` (or persist.commit_stream), as views of the container's
        (memory-mapped) arrays; InputError if they do not fit the meta."""
        from deepprove_cli.pcs.basefold.persist import load

        return load(meta, container)


def _num_vars(t, i: int) -> int:
    if not isinstance(t, np.ndarray) or t.ndim != 1:
        raise InputError(f"polynomial {i}: expected a 1-D uint32 evaluation table, got "
                         f"{getattr(t, 'shape', type(t).__name__)}")
    m = t.shape[0]
    if m == 0 or m & (m - 1):
        raise InputError(f"polynomial {i}: table length {m} is not a power of two")
    check_canonical(t, f"polynomial {i}")
    return m.bit_length() - 1


def commit_shape(polys, params: PcsParams, packed: bool = True) -> tuple[Commitment, list[np.ndarray] | None]:
    """The commitment's shape (root still zero) for these tables, and their committed columns (views,
    but packed columns, pack.py; None with packed=False: the caller builds them itself); InputError
    names a bad table or shape. `polys` may be a lazy sequence with a `num_vars` attribute (its tables
    are then not read here: canonical by construction, the caller's promise)."""
    lazy = getattr(polys, "num_vars", None)   # a lazy sequence (persist.LazyPieces): tables built on demand
    if lazy is None:
        polys = list(polys)
    if not len(polys):
        raise InputError("commit: no polynomials")
    num_vars = tuple(int(n) for n in lazy) if lazy is not None else \
        tuple(_num_vars(t, i) for i, t in enumerate(polys))
    try:
        shape = Commitment.for_params(bytes(32), num_vars, params)
    except ValueError as e:
        raise InputError(f"commit: {e}") from None
    if not packed:
        return shape, None
    return shape, shape.packing.column_tables(shape.split.column_tables(polys))


class Encoder:
    """Encodes a batch's columns slab by slab, in commit order (group by group), hashing the batch
    tree's rows on the way; `tree()` once every slab is done."""

    def __init__(self, shape: Commitment, columns: list[np.ndarray]):
        self.layout = shape.layout
        self.columns = columns
        lay = self.layout
        self.hashers = {lvl: RowHasher(lay.n_leaves >> lvl, lay.level_width(lvl)) for lvl in lay.levels}
        self.slabs = []   # (group, first, end) column positions within the group, in order
        for g, grp in enumerate(lay.groups):
            per = max(1, SLAB_BYTES >> (grp.log_len + 2))
            self.slabs += [(g, lo, min(len(grp.polys), lo + per)) for lo in range(0, len(grp.polys), per)]
        self.done = 0

    def encode_next(self) -> tuple[int, int, np.ndarray]:
        """(group, first column position, codewords (columns, 2^L)) of the next slab."""
        g, lo, hi = self.slabs[self.done]
        grp = self.layout.groups[g]
        n, r = grp.num_vars, self.layout.rate_bits
        if n >= IN_PLACE_MIN_VARS:   # each column copied once, into its codeword's first block
            cw = np.empty((hi - lo, 1 << (n + r)), np.uint32)
            for i, c in enumerate(grp.polys[lo:hi]):
                cw[i, :1 << n] = self.columns[c]
                moebius_rows(cw[i, :1 << n], n)
            ntt.lde_in_place(cw, n, r, shift=1)
        else:   # many small columns: one stacked transform (a per-column call would cost more)
            stack = np.stack([self.columns[c] for c in grp.polys[lo:hi]])
            moebius_rows(stack.reshape(-1), n)
            cw = ntt.lde(stack, r, shift=1, bit_reversed=True)
            del stack
        self.hashers[grp.level].absorb_columns(cw, 1 << grp.log_window)
        self.done += 1
        return g, lo, cw

    def tree(self) -> MerkleTree:
        if self.done != len(self.slabs):
            raise RuntimeError("Encoder.tree: not every slab is encoded yet")
        return batch_tree.from_row_digests(self.layout, {lvl: h.digests() for lvl, h in self.hashers.items()})


def _stack(polys, shape: Commitment, columns: list[np.ndarray], cols: tuple[int, ...]) -> np.ndarray:
    """The tables of a group's columns as one (K_g, 2^n) array: a view when they are one polynomial,
    all chunks of one or packed columns, else a copy."""
    split, packing = shape.split, shape.packing
    first, last = packing.members(cols[0]), packing.members(cols[-1])
    if len(first) == len(last) == 1:
        owner = split.owner(first[0])
        if split.owner(last[0]) == owner and len(cols) == split.chunks(owner):
            return polys[owner].reshape(len(cols), -1)
    if all(packing.is_packed(c) for c in cols):   # rows of one block (Packing.column_tables): no copy
        return stack_rows([columns[c] for c in cols])
    return np.stack([columns[c] for c in cols])


def commit(polys, params: PcsParams = DEFAULT_PARAMS) -> ProverData:
    """Commit to base-field evaluation tables (a list of (2^n_k,) uint32, any sizes) at the params'
    rate, arity, leaf width and max_vars. Returns the prover's data; `.commitment` is what the
    verifier gets. A group holding one polynomial (or all chunks of one) is kept by reference (not
    copied): do not modify it before opening."""
    polys = list(polys)
    shape, columns = commit_shape(polys, params)
    layout = shape.layout
    enc = Encoder(shape, columns)
    codewords = [None] * len(layout.groups)
    for _ in enc.slabs:
        g, lo, cw = enc.encode_next()
        if cw.shape[0] == len(layout.groups[g].polys):   # the whole group in one slab: keep it as is
            codewords[g] = cw
            continue
        if codewords[g] is None:
            codewords[g] = np.empty((len(layout.groups[g].polys), cw.shape[1]), np.uint32)
        codewords[g][lo:lo + cw.shape[0]] = cw
    tree = enc.tree()
    tables = [_stack(polys, shape, columns, g.polys) for g in layout.groups]
    return ProverData(dataclasses.replace(shape, root=tree.root), tables, codewords, tree)
