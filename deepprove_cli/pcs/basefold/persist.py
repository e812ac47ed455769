"""Storing a commitment's prover data in an artifact container, and memory-mapping it back.

Why: the model's weights are committed once, at quantize time (codewords of gigabytes); every
proof opens them. So the prover data is written beside the quantized model and `dp prove` opens
from the memory-mapped file, never re-encoding and never loading it whole.

Arrays, named under a prefix (default "pcs/"), in commit order (group by group, layout.py):
    table/<c>      (2^n_c,)      uint32   committed column c's evaluation table (packed: pack.py)
    codeword/<c>   (2^(n_c + r),) uint32  its codeword (bit-reversed order)
    tree/<l>       (nodes, 8)    uint32   batch-tree level l (0 = leaves ... height = root)
    root           (8,)          uint32   the root (last: a streamed commit knows it only at the end)
and a JSON meta: {"kind", "version", "prefix", "num_vars", "rate_bits", "arity_bits", "leaf_bits",
"max_vars"}, which the caller stores in the container's meta and passes back to `load`.

Columns are separate arrays so that `commit_stream` can hand each codeword to the container
writer as it is produced (io.container's ArraySpec producers run one at a time, in order): a
~135M-element batch is committed with one slab of codewords in memory. The columns of a group are
adjacent in the file (every array is 64-aligned, and 2^n uint32 with n >= 4 fills its slot), so
`load` views each group as one (K, 2^n) stack over the mapped file, without a copy.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.hash.merkle import MerkleTree
from deepprove_cli.hash.rows import to_bytes
from deepprove_cli.io.container import ArraySpec
from deepprove_cli.pcs.basefold.commitment import Commitment

KIND = "basefold-prover-data"
VERSION = 2   # 2: many small polynomials share packed columns (pack.py): the same num_vars, other columns
_SHAPE_KEYS = ("rate_bits", "arity_bits", "leaf_bits", "max_vars")


def meta_of(commitment: Commitment, prefix: str) -> dict:
    lay = commitment.layout
    return {"kind": KIND, "version": VERSION, "prefix": prefix, "num_vars": list(commitment.num_vars),
            "rate_bits": lay.rate_bits, "arity_bits": lay.arity_bits, "leaf_bits": lay.leaf_bits,
            "max_vars": commitment.max_vars}


def _order(layout) -> list[int]:
    """Columns in commit order."""
    return [c for g in layout.groups for c in g.polys]


def _specs(commitment: Commitment, prefix: str, table, codeword, tree_level, root) -> list[ArraySpec]:
    """The arrays' specs; each array comes from the given callable (column / level -> array)."""
    lay = commitment.layout
    order = _order(lay)
    u32 = np.dtype(np.uint32)
    specs = [ArraySpec(f"{prefix}table/{c}", u32, (1 << lay.num_vars[c],), produce=lambda c=c: table(c))
             for c in order]
    specs += [ArraySpec(f"{prefix}codeword/{c}", u32, (1 << (lay.num_vars[c] + lay.rate_bits),),
                        produce=lambda c=c: codeword(c)) for c in order]
    specs += [ArraySpec(f"{prefix}tree/{lvl}", u32, (lay.n_leaves >> lvl, 8), produce=lambda lvl=lvl: tree_level(lvl))
              for lvl in range(lay.height + 1)]
    specs.append(ArraySpec(f"{prefix}root", u32, (8,), produce=root))
    return specs


def prover_arrays(data, prefix: str = "pcs/") -> tuple[dict, list[ArraySpec]]:
    """(meta, specs) of in-memory prover data (the arrays are views, written when the container is)."""
    lay = data.layout

    def where(c):
        g = lay.group_of(c)
        return g, lay.groups[g].polys.index(c)

    specs = _specs(data.commitment, prefix,
                   table=lambda c: data.tables[where(c)[0]][where(c)[1]],
                   codeword=lambda c: data.codewords[where(c)[0]][where(c)[1]],
                   tree_level=lambda lvl: data.tree.layers[lvl],
                   root=lambda: np.frombuffer(data.commitment.root, dtype="<u4").astype(np.uint32))
    return meta_of(data.commitment, prefix), specs


class LazyColumns:
    """The committed columns of a streamed commit, each built when read (pack.Packing.column_table) and
    not kept: the table writer and each encoder slab read a column once, so the packed columns of the
    whole batch (its full size) never sit in memory together."""

    def __init__(self, packing, pieces):
        self.packing, self.pieces = packing, pieces

    def __len__(self) -> int:
        return len(self.packing.columns)

    def __getitem__(self, c: int) -> np.ndarray:
        return self.packing.column_table(self.pieces, c)


class LazyPieces:
    """The split pieces (columns before packing) of polynomials given as a lazy sequence (`num_vars`,
    and `polys[k]` building table k when asked): a streamed commit then holds one polynomial's table at
    a time, not the batch. Chunks of one polynomial are consecutive pieces, so the last table built is
    kept for the next."""

    def __init__(self, split, polys):
        self.split, self.polys = split, polys
        self._last = (None, None)

    def __len__(self) -> int:
        return self.split.starts[-1]

    def __getitem__(self, i: int) -> np.ndarray:
        k = self.split.owner(i)
        if self._last[0] != k:
            self._last = (None, None)   # drop the previous table before building the next
            self._last = (k, self.polys[k])
        t, c = self._last[1], self.split.chunks(k)
        return t if c == 1 else t.reshape(c, -1)[i - self.split.starts[k]]


class CommitStream:
    """A commitment computed while its prover data is written: `specs` go to io.container.write
    (after the caller's own arrays, or before: they run in order), and once written, `commitment`
    holds the root. Peak memory: one slab of codewords plus the row hashers' state."""

    def __init__(self, polys, params, prefix: str = "pcs/"):
        from deepprove_cli.pcs.basefold.commit_phase import Encoder, commit_shape

        shape, _ = commit_shape(polys, params, packed=False)
        pieces = LazyPieces(shape.split, polys) if hasattr(polys, "num_vars") else \
            shape.split.column_tables(list(polys))
        columns = LazyColumns(shape.packing, pieces)
        self._shape, self._columns = shape, columns
        self._encoder = Encoder(shape, columns)
        self._slab = None       # (group, first position, codewords)
        self._tree = None
        self.meta = meta_of(shape, prefix)
        self.specs = _specs(shape, prefix, self._table, self._codeword, self._tree_level, self._root)

    def _table(self, c: int) -> np.ndarray:
        return self._columns[c]

    def _codeword(self, c: int) -> np.ndarray:
        lay = self._shape.layout
        g = lay.group_of(c)
        i = lay.groups[g].polys.index(c)
        slab = self._slab
        if slab is None or slab[0] != g or not slab[1] <= i < slab[1] + slab[2].shape[0]:
            self._slab = None   # free the previous slab before encoding the next
            slab = self._slab = self._encoder.encode_next()
            if slab[0] != g or not slab[1] <= i < slab[1] + slab[2].shape[0]:
                raise RuntimeError("CommitStream: codewords must be produced in commit order")
        return slab[2][i - slab[1]]

    def _tree_level(self, lvl: int) -> np.ndarray:
        if self._tree is None:
            self._slab = None
            self._tree = self._encoder.tree()
        return self._tree.layers[lvl]

    def _root(self) -> np.ndarray:
        return self._tree_level(self._shape.layout.height)[0]

    @property
    def commitment(self) -> Commitment:
        if self._tree is None:
            raise RuntimeError("CommitStream: the arrays are not written yet")
        return dataclasses.replace(self._shape, root=self._tree.root)


def commit_stream(polys, params, prefix: str = "pcs/") -> CommitStream:
    """Commit while writing: see CommitStream. The tables must stay unchanged until written."""
    return CommitStream(polys, params, prefix)


def _shape_from_meta(meta) -> tuple[Commitment, str]:
    if not isinstance(meta, dict) or meta.get("kind") != KIND:
        raise InputError("prover data: the meta is not Basefold prover data")
    if meta.get("version") != VERSION:
        raise InputError(f"prover data: version {meta.get('version')!r}, this dp reads {VERSION}",
                         hint="re-create the file with this version of dp")
    prefix, num_vars = meta.get("prefix"), meta.get("num_vars")
    vals = [meta.get(k) for k in _SHAPE_KEYS]
    if not isinstance(prefix, str) or not isinstance(num_vars, list) or \
            not all(isinstance(v, int) and not isinstance(v, bool) for v in [*num_vars, *vals]):
        raise InputError("prover data: corrupt meta")
    try:
        return Commitment.of(bytes(32), num_vars, *vals), prefix
    except ValueError as e:
        raise InputError(f"prover data: {e}") from None


def _array(container, name: str, shape: tuple) -> np.ndarray:
    a = container[name]
    if a.dtype != np.uint32 or tuple(a.shape) != shape:
        raise InputError(f"{container.source}: array {name!r} is {a.dtype}{a.shape}, expected uint32{shape}")
    return a


def stack_rows(arrays: list[np.ndarray]) -> np.ndarray:
    """Equal-length 1-D arrays as one (K, n) array: a view when they lie back to back in memory."""
    first = arrays[0]
    n = first.shape[0]
    base = first.__array_interface__["data"][0]
    adjacent = all(a.flags.c_contiguous and a.__array_interface__["data"][0] == base + i * a.nbytes
                   for i, a in enumerate(arrays))
    if not adjacent:
        return np.stack(arrays)
    return np.lib.stride_tricks.as_strided(first, shape=(len(arrays), n), strides=(n * 4, 4), writeable=False)


def load(meta: dict, container):
    """ProverData from a container written with `prover_arrays` / `commit_stream`, as views. The
    shapes, the array set and the root are checked; the data is not re-hashed (that would read
    gigabytes): a corrupted file yields openings the verifier rejects."""
    from deepprove_cli.pcs.basefold.commit_phase import ProverData

    shape, prefix = _shape_from_meta(meta)
    lay = shape.layout
    want = {s.name for s in _specs(shape, prefix, *[None] * 4)}
    have = {n for n in container.names() if n.startswith(prefix)}
    if have != want:
        raise InputError(f"{container.source}: prover data: the arrays under {prefix!r} do not match its meta "
                         f"({len(have - want)} unexpected, {len(want - have)} missing)")
    tables, codewords = [], []
    for g in lay.groups:
        tables.append(stack_rows([_array(container, f"{prefix}table/{c}", (1 << g.num_vars,)) for c in g.polys]))
        codewords.append(stack_rows([_array(container, f"{prefix}codeword/{c}", (1 << g.log_len,)) for c in g.polys]))
    layers = [_array(container, f"{prefix}tree/{lvl}", (lay.n_leaves >> lvl, 8)) for lvl in range(lay.height + 1)]
    root = _array(container, f"{prefix}root", (8,))
    if not np.array_equal(root, layers[-1][0]):
        raise InputError(f"{container.source}: prover data: the stored root is not the tree's")
    return ProverData(dataclasses.replace(shape, root=to_bytes(root)), tables, codewords, MerkleTree(layers))
