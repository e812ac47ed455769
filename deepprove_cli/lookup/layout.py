"""Which leaves go where: the public shape of a lookup argument, shared by prover and verifier.

Per table, the fractions of every lookup into it and of the table itself are laid out as BLOCKS:
a lookup of n rows is a block of 2^ceil(log2 n) leaves (1/(alpha - w_i) for its rows, then neutral
padding 0/alpha), the table a block of 2^m leaves (-m_j/(alpha - t_j)). Blocks are sorted by size,
largest first, and cut into fraction TREES by the binary expansion of their total size: the largest
power of two first, and so on. Sorted powers of two always fill each tree exactly (a prefix sum of
descending powers of two is a multiple of the next one), so no tree holds padding beyond its
blocks' own, except that a last tree of one leaf is given a second, empty one (trees have depth
>= 1). Each block sits at an offset that is a multiple of its size inside its tree.

A tree holds at most 2^TREE_LOG_CAP leaves (unless one block is larger: it is then a tree of its own);
the cut still fills every tree exactly, since a cap at least as large as the next block is a multiple of
every block after it. A table's argument holds iff the root fractions of its trees sum to zero.

Trees go through batched GKRs (gkr_prover / gkr_verifier) in GROUPS of consecutive trees of at most
2^GROUP_LOG_CAP leaves in all (a larger tree alone), one group after the other on the transcript: the
prover builds one group's fraction layers at a time, so its memory is that of a group, not of every
lookup of the model (SmolLM2 at 32 rows: 273M lookup rows, 13.7 GB of layers in one batch).

At a tree's leaf point r (depth d variables), block b (2^k leaves at offset o) contributes
eq(r[k:], o / 2^k) times its own k-variable MLE at r[:k]: this is how the verifier turns claims on
the columns (lookups at r[:k], multiplicities at r[:m]) into the leaf claims of the tree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P

MAX_BLOCK_LOG = 32  # a single lookup of at most 2^32 rows
TREE_LOG_CAP = 25   # leaves of a tree (a larger block is a tree of its own)
GROUP_LOG_CAP = 25  # leaves of the trees proven by one batched GKR (a larger tree alone)
TABLE_BLOCK = -1


@dataclass(frozen=True)
class LookupShape:
    """Public: one lookup site, `length` rows of (input, outputs...) looked up in tables[table]."""

    table: int
    length: int


@dataclass
class Lookup:
    """The witness of one lookup site: its columns (input, outputs...) as canonical uint32 arrays of one
    length, looked up in tables[table] (prover side; the verifier knows only `shape`)."""

    table: int
    columns: tuple

    @property
    def shape(self) -> LookupShape:
        return LookupShape(int(self.table), int(np.shape(self.columns[0])[0]) if len(self.columns) else 0)


@dataclass(frozen=True)
class Block:
    """`source` is a lookup index, or TABLE_BLOCK; 2^log_size leaves at `offset`, `length` of them real."""

    source: int
    log_size: int
    offset: int
    length: int

    @property
    def is_table(self) -> bool:
        return self.source == TABLE_BLOCK


@dataclass(frozen=True)
class Tree:
    table: int
    depth: int
    blocks: tuple[Block, ...]


@dataclass
class Claim:
    """Evaluations of some columns at one point: values[c] = column_c(point), a (c, 4) ext array.

    A column of n rows is read as the multilinear table of its rows zero-padded to 2^len(point)."""

    point: np.ndarray
    values: np.ndarray


@dataclass
class LookupClaims:
    """What the argument leaves to the caller: each claim must be checked (openings, later layers).

    lookups[i]: lookup i's columns (input, outputs...) at one point; multiplicities[t]: table t's
    multiplicity column (values (1, 4)); table_outputs[t]: table t's output columns when the table
    is committed, else None.
    """

    lookups: list[Claim]
    multiplicities: list[Claim]
    table_outputs: list[Claim | None]


def _log2_ceil(n: int) -> int:
    return (int(n) - 1).bit_length()


class Layout:
    """Blocks and trees for tables (their log sizes and arities) and lookup shapes."""

    def __init__(self, tables, shapes):
        self.table_logs = [t.log_size for t in tables]
        self.arities = [t.arity for t in tables]
        self.committed = [t.committed for t in tables]
        self.shapes = [s if isinstance(s, LookupShape) else LookupShape(*s) for s in shapes]
        if not self.table_logs:
            raise InputError("a lookup argument needs at least one table")
        per_table: list[list[Block]] = [[] for _ in self.table_logs]
        totals = [0] * len(self.table_logs)
        for i, s in enumerate(self.shapes):
            if not 0 <= int(s.table) < len(self.table_logs):
                raise InputError(f"lookup {i}: table index {s.table} out of range")
            if not 1 <= int(s.length) <= 1 << MAX_BLOCK_LOG:
                raise InputError(f"lookup {i}: length must be in [1, 2^{MAX_BLOCK_LOG}], got {s.length}")
            per_table[s.table].append(Block(i, _log2_ceil(s.length), 0, int(s.length)))
            totals[s.table] += int(s.length)
        for t, blocks in enumerate(per_table):
            if not blocks:
                raise InputError(f"table {t} has no lookups", hint="leave unused tables out of the argument")
            if totals[t] >= P:
                raise InputError(f"table {t}: {totals[t]} lookups, the argument needs fewer than p = {P}")
            blocks.append(Block(TABLE_BLOCK, self.table_logs[t], 0, 1 << self.table_logs[t]))
        self.trees: list[Tree] = []
        self.block_tree: dict[int, tuple[int, Block]] = {}  # source lookup -> (tree index, block)
        self.table_tree: list[tuple[int, Block]] = []
        for t, blocks in enumerate(per_table):
            order = sorted(blocks, key=lambda b: (-b.log_size, b.source))
            self._cut(t, order)
        self.depth = max(tr.depth for tr in self.trees)
        self.groups: list[tuple[int, int]] = []  # [start, end) tree index ranges, one batched GKR each
        start, leaves = 0, 0
        for i, tr in enumerate(self.trees):
            if i > start and leaves + (1 << tr.depth) > 1 << GROUP_LOG_CAP:
                self.groups.append((start, i))
                start, leaves = i, 0
            leaves += 1 << tr.depth
        self.groups.append((start, len(self.trees)))

    def group_depths(self) -> list[list[int]]:
        """The depths of each group's trees."""
        return [[t.depth for t in self.trees[a:b]] for a, b in self.groups]

    def _cut(self, table: int, order: list[Block]) -> None:
        """Cut blocks (sorted, largest first) into trees along the binary expansion of their total."""
        remaining = sum(1 << b.log_size for b in order)
        i = 0
        while i < len(order):
            size = min(1 << (remaining.bit_length() - 1), max(1 << TREE_LOG_CAP, 1 << order[i].log_size))
            placed = []
            filled = 0
            while filled < size:
                b = order[i]
                placed.append(Block(b.source, b.log_size, filled, b.length))
                filled += 1 << b.log_size
                i += 1
            remaining -= size
            depth = max(1, size.bit_length() - 1)
            idx = len(self.trees)
            for b in placed:
                if b.is_table:
                    self.table_tree.append((idx, b))
                else:
                    self.block_tree[b.source] = (idx, b)
            self.trees.append(Tree(table, depth, tuple(placed)))

    def active(self, layer: int) -> list[int]:
        """Trees with a layer below `layer` (depth > layer): those whose layer-`layer` claims are reduced."""
        return [i for i, t in enumerate(self.trees) if t.depth > layer]

    def tables_trees(self) -> list[list[int]]:
        """The tree indices of each table."""
        out: list[list[int]] = [[] for _ in self.table_logs]
        for i, t in enumerate(self.trees):
            out[t.table].append(i)
        return out

    def table_values(self, t: int) -> int:
        """Field elements the proof carries for table t's leaf claims: the multiplicity (+ outputs if committed)."""
        return 1 + (self.arities[t] - 1 if self.committed[t] else 0)

    def num_leaves(self) -> int:
        return sum(1 << t.depth for t in self.trees)


def eq_index(point: np.ndarray, index: int) -> np.ndarray:
    """eq(point, bits of index) = prod_j (bit_j ? r_j : 1 - r_j), O(n): (4,) ext."""
    from deepprove_cli.lookup import felt

    return felt.arr(felt.eq_index_i(point.tolist(), index))
