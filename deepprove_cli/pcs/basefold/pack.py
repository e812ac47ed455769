"""Packing many small polynomials into shared committed columns.

Why: a query opens one row of EVERY committed column (layout.py), so a batch of thousands of small
polynomials (the advice of a model run) would pay thousands of windows per query, and its point
reduction one value per polynomial. Packed, such a batch costs about what one polynomial of its
total size costs.

What: the split's columns (split.py; called pieces here) with fewer than max_vars variables are, when
there are at least PACK_MIN of them, laid side by side in columns of 2^max_vars entries. Piece k of
n_k variables sits at an offset o_k that is a multiple of 2^n_k, so it occupies the aligned slot of
the column whose HIGH variables are the bits of o_k / 2^n_k:
    column(y, b) = T_k(y)  for y in {0,1}^n_k and b = bits(o_k >> n_k),
and a claim T_k(z) = v is the claim column((z, b)) = v: the same value at the point z extended by
0/1 constants. Entries outside every slot are committed zeros; no claim's point ever selects them.

The order is fixed by the sizes alone, so prover and verifier derive the same layout from the
commitment's shape: pieces by decreasing size (stable: by index among equal sizes), each at the
next free offset; a column is full when the next piece does not fit. Sizes are powers of two in
decreasing order, so every offset is aligned and every column but the last is exactly full; the
last column has the fewest variables that hold its pieces. A column holding one piece of its own
size is that piece, unpacked.

Committed columns: the unpacked pieces first, in order, then the packed columns. Fewer than
PACK_MIN small pieces keep their own columns: a few extra columns cost less per query than the
point reduction packing would add to an opening whose claims sit at one point.

Pure index arithmetic (shared by prover and verifier, no kernels).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from deepprove_cli.pcs.basefold.claims import Claim

PACK_MIN = 8   # fewest pieces below max_vars that are packed


@dataclass(frozen=True)
class Slot:
    """Where a piece lives: committed column, first entry, its own number of variables."""

    column: int
    offset: int
    num_vars: int


@functools.lru_cache(maxsize=16)
def _plan(pieces: tuple[int, ...], max_vars: int):
    """Packing._plan, computed once per shape (a commitment, its copies and the verifier's share it)."""
    small = [i for i, n in enumerate(pieces) if n < max_vars]
    if len(small) < PACK_MIN:
        small = []
    small_set = set(small)
    plain = [i for i in range(len(pieces)) if i not in small_set]
    slots: list[Slot | None] = [None] * len(pieces)
    members = [[i] for i in plain]
    for c, i in enumerate(plain):
        slots[i] = Slot(c, 0, pieces[i])
    fills: list[int] = []
    full = 1 << max_vars
    for i in sorted(small, key=lambda i: -pieces[i]):
        size = 1 << pieces[i]
        if not fills or fills[-1] + size > full:
            members.append([])
            fills.append(0)
        slots[i] = Slot(len(members) - 1, fills[-1], pieces[i])
        members[-1].append(i)
        fills[-1] += size
    columns = [pieces[i] for i in plain] + [(f - 1).bit_length() for f in fills]
    return tuple(columns), tuple(slots), tuple(tuple(m) for m in members)


@dataclass(frozen=True)
class Packing:
    pieces: tuple[int, ...]   # variables of the split's columns (split.Split.columns)
    max_vars: int

    @cached_property
    def _plan(self) -> tuple[tuple[int, ...], tuple[Slot, ...], tuple[tuple[int, ...], ...]]:
        """(column variables, the slot of every piece, the pieces of every column)."""
        return _plan(self.pieces, self.max_vars)

    @property
    def columns(self) -> tuple[int, ...]:
        """Variables of every committed column."""
        return self._plan[0]

    def slot(self, piece: int) -> Slot:
        return self._plan[1][piece]

    def members(self, column: int) -> tuple[int, ...]:
        """The pieces in a committed column, in slot order."""
        return self._plan[2][column]

    @property
    def identity(self) -> bool:
        """No piece is packed: columns are the pieces."""
        return len(self.columns) == len(self.pieces)

    def is_packed(self, column: int) -> bool:
        """More than one piece shares the column."""
        return len(self.members(column)) > 1

    def column_tables(self, pieces) -> list[np.ndarray]:
        """The committed columns' tables from the pieces' tables: a piece alone in its column is the
        column (a view); packed columns are rows of one new array (back to back in memory, so a
        group of them stacks without a copy), zero outside the slots."""
        if self.identity:
            return list(pieces)
        packed = [c for c in range(len(self.columns)) if self.is_packed(c)]
        block = np.zeros(sum(1 << self.columns[c] for c in packed), dtype=np.uint32)
        out, at = [], 0
        for c, n in enumerate(self.columns):
            mem = self.members(c)
            if not self.is_packed(c):
                out.append(pieces[mem[0]])
                continue
            col = block[at:at + (1 << n)]
            at += 1 << n
            for i in mem:
                s = self.slot(i)
                col[s.offset:s.offset + (1 << s.num_vars)] = pieces[i]
            out.append(col)
        return out

    def column_table(self, pieces, c: int) -> np.ndarray:
        """Column c's table alone (a view, or a new array when packed): `column_tables` one column at a
        time, for a streamed commit that must not hold every packed column at once."""
        mem = self.members(c)
        if not self.is_packed(c):
            return pieces[mem[0]]
        col = np.zeros(1 << self.columns[c], dtype=np.uint32)
        for i in mem:
            s = self.slot(i)
            col[s.offset:s.offset + (1 << s.num_vars)] = pieces[i]
        return col

    @cached_property
    def _tails(self) -> list:
        """Per piece: the bits of its slot index as (extra, 4) 0/1 constants, or None (unpacked)."""
        out = []
        for s in self._plan[1]:
            extra = self.columns[s.column] - s.num_vars
            bits = None
            if extra:
                bits = np.zeros((extra, 4), dtype=np.uint32)
                bits[:, 0] = (s.offset >> (s.num_vars + np.arange(extra))) & 1
            out.append(bits)
        return out

    def point(self, piece: int, z: np.ndarray) -> np.ndarray:
        """The column point of piece `piece` at z: z, then the bits of its slot index as 0/1 constants."""
        tail = self._tails[piece]
        return z if tail is None else np.concatenate((z, tail))

    def column_claims(self, claims) -> list[Claim]:
        """Claims on pieces -> the same claims on the committed columns (one each, same order, same
        values), at the points `point` derives: from the sizes alone, never from a proof."""
        if self.identity:
            return list(claims)
        slots = self._plan[1]
        return [Claim(slots[c.poly].column, self.point(c.poly, c.point), c.value) for c in claims]

    def claim_slots(self, claims) -> tuple[np.ndarray, np.ndarray]:
        """(offsets, piece variables) of claims on pieces, as int64 arrays (the prover's point
        reduction reads a packed claim's slot only)."""
        slots = [self.slot(c.poly) for c in claims]
        return (np.array([s.offset for s in slots], dtype=np.int64),
                np.array([s.num_vars for s in slots], dtype=np.int64))
