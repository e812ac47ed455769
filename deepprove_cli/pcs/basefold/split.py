"""Splitting big polynomials into committed columns of at most max_vars variables.

Why: the challenge-field terms of the soundness error grow with the longest codeword (pcs/security.py),
so a batch never commits a column of more than m = max_vars variables. A polynomial T of n > m
variables becomes 2^(n - m) columns, its chunks on the HIGH variables: chunk j is T_j(x_low) =
T(x_low, bits of j), i.e. the contiguous slice T[j 2^m : (j + 1) 2^m] (a view, never a copy).
Then T(z) = sum_j eq(z_high, j) T_j(z_low) with z = (z_low, z_high), z_low the first m coordinates.

A claim T(z) = v becomes one claim per chunk, T_j(z_low) = v_j: the prover sends the v_j (the
proof's `split_values`, in claim order), the verifier checks sum_j eq(z_high, j) v_j = v exactly and
the opening proves the chunk claims. Callers never see columns: polynomial indices and claims
refer to the original polynomials; columns are numbered polynomial by polynomial, chunks in order.

Pure index arithmetic (shared by prover and verifier, no kernels).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from deepprove_cli.pcs.basefold.claims import Claim
from deepprove_cli.pcs.basefold.layout import MAX_POLYS

MAX_POLY_VARS = 40   # the largest polynomial a batch accepts before splitting


@dataclass(frozen=True)
class Split:
    num_vars: tuple[int, ...]   # the callers' polynomials
    max_vars: int

    def __post_init__(self):
        if not 1 <= len(self.num_vars) <= MAX_POLYS:
            raise ValueError(f"a batch holds 1 to {MAX_POLYS} polynomials, got {len(self.num_vars)}")
        for n in self.num_vars:
            if not 0 <= n <= MAX_POLY_VARS:
                raise ValueError(f"a polynomial of {n} variables is outside [0, {MAX_POLY_VARS}]")
        if self.starts[-1] > MAX_POLYS:
            raise ValueError(f"the batch splits into {self.starts[-1]} columns of at most {self.max_vars} "
                             f"variables, more than {MAX_POLYS}")

    def chunk_bits(self, poly: int) -> int:
        return max(0, self.num_vars[poly] - self.max_vars)

    def chunks(self, poly: int) -> int:
        return 1 << self.chunk_bits(poly)

    @cached_property
    def starts(self) -> tuple[int, ...]:
        """starts[k] = the first column of polynomial k; starts[-1] = the column count."""
        out = [0]
        for k in range(len(self.num_vars)):
            out.append(out[-1] + self.chunks(k))
        return tuple(out)

    def owner(self, col: int) -> int:
        """The polynomial that column `col` belongs to."""
        return bisect.bisect_right(self.starts, col) - 1

    @cached_property
    def columns(self) -> tuple[int, ...]:
        """Variables of every committed column."""
        return tuple(min(n, self.max_vars) for k, n in enumerate(self.num_vars) for _ in range(self.chunks(k)))

    def column_tables(self, polys) -> list[np.ndarray]:
        """The columns of the callers' tables: views (chunk j of T is T[j 2^m : (j + 1) 2^m])."""
        out = []
        for k, t in enumerate(polys):
            c = self.chunks(k)
            out.extend([t] if c == 1 else list(t.reshape(c, -1)))
        return out

    # -- claims -------------------------------------------------------------------------------------

    @property
    def any_split(self) -> bool:
        return self.starts[-1] != len(self.num_vars)

    def value_count(self, claims) -> int:
        """How many chunk values the claims' split polynomials add to a proof."""
        if not self.any_split:
            return 0
        return sum(self.chunks(c.poly) for c in claims if self.chunks(c.poly) > 1)

    def column_claims(self, claims, values: np.ndarray | None = None) -> list[Claim]:
        """The claims on columns: unsplit polynomials keep theirs; a split one's claim gives one claim
        per chunk at z_low with the chunk values `values` ((value_count, 4), in claim order; zeros
        if None: for shapes, which depend on points only)."""
        if not self.any_split:   # the columns are the polynomials
            return list(claims)
        m = self.max_vars
        out, used = [], 0
        zero = np.zeros(4, dtype=np.uint32)
        for c in claims:
            s, count = self.starts[c.poly], self.chunks(c.poly)
            if count == 1:
                out.append(Claim(s, c.point, c.value))
                continue
            low = c.point[:m]
            for j in range(count):
                out.append(Claim(s + j, low, zero if values is None else values[used + j]))
            used += count
        return out

    def split_claims(self, claims):
        """(claim index, claim, offset of its chunk values) for every claim on a split polynomial."""
        if not self.any_split:
            return []
        out, used = [], 0
        for i, c in enumerate(claims):
            if self.chunks(c.poly) > 1:
                out.append((i, c, used))
                used += self.chunks(c.poly)
        return out
