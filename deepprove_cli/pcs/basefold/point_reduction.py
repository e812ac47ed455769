"""Prover of the point reduction: claims at several points -> one claim per polynomial at one point.

With coefficients a_i from the transcript (protocol.reduce_coefficients), the claims combine into
one sum over the hypercube: sum_i a_i v_i = sum_k sum_y W_k(y) f_k(y),
W_k = sum_{i: claim i on f_k} a_i eq(z_i, .).
A degree-2 sumcheck proves it, binding x_0 first. Polynomials of fewer variables take the high
variables (as in the folding, layout.py): f_k joins at round d_k = n - n_k, when the running sum
gains its claims (the verifier adds them too), so its point is the suffix r[d_k:] of the
challenges. The prover then sends every claimed f_k(r[d_k:]); the verifier checks the last round
against sum_k W_k(r[d_k:]) f_k(r[d_k:]) with W_k computed from the claims in O(claims n).

How the prover affords it for the model's weights (hundreds of columns of 2^20, a few claims each):
no W_k table is ever built. Round l of column k (its own round count) is, per claim i, Gruen's
factorization: W_k f_k at (r_<l, X, y) summed over y is sum_i a_i E_i eq(z_il, X) q_i(X) with
E_i = eq(z_i[:l], r_<l) and q_i(X) = sum_y eq(z_i[l+1:], y) f_k(r_<l, X, y), linear in X. Each q_i
is one pass over the column's table against a split weight (a low and a high table of about
sqrt size; kernels.k_claim_sums), every claim on the column in the same pass. The first
BASE_ROUNDS rounds read the committed base table itself, the bound prefix r_<l folded into the
weight; then the column is bound BASE_ROUNDS variables at once to an extension table of 1/16 of
its entries (2 bytes per committed element in all), bound one variable per round from there.

A packed column (pack.py: many small polynomials in aligned slots, a claim's point ends in its slot
bits) would make that pass O(column) per claim; there each claim reads only the region of the
column's table that its eq weight covers (_PackedColumn, pack_kernels.k_slot_sums): O(slot) per
claim, plus the column's own binding, O(column) per column.

Round 0's q_i need no challenge: `first_sums` computes them before the transcript draws anything,
and they also give the chunk values of split claims (v = (1 - z_0) q(0) + z_0 q(1)).

The generic sumcheck (deepprove_cli.sumcheck) aligns smaller instances on the LOW variables, which
cannot meet a fold that binds x_0 first, hence this small dedicated prover.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.field.babybear import P
from deepprove_cli.field.parallel import threads_for
from deepprove_cli.io.pages import release_file_pages
from deepprove_cli.pcs.basefold import kernels as K
from deepprove_cli.pcs.basefold import labels
from deepprove_cli.pcs.basefold import pack_kernels as PK
from deepprove_cli.pcs.basefold.protocol import reduce_coefficients
from deepprove_cli.pcs.basefold.scalars import eadd, eq1_scale, gruen_sum
from deepprove_cli.poly.eq import eq_table
from deepprove_cli.poly.flat import readonly
from deepprove_cli.poly.multilinear import fix_first_variable

BASE_ROUNDS = 4
_P64 = np.uint64(P)
_NONE = np.zeros((0, 4), np.uint32)
_ZERO_ONE = (np.zeros((1, 4), np.uint32), np.array([[1, 0, 0, 0]], np.uint32))


def _weights(prefix: np.ndarray, s: np.ndarray, split: int, cache: dict) -> tuple[np.ndarray, np.ndarray]:
    """The low and high weight tables of one claim (claim_sums); chunks of one split polynomial
    share their points, so a round computes them once (`cache`)."""
    key = (prefix.tobytes(), s.tobytes(), split)
    if key not in cache:
        # the X coordinate is free: the sum of the tables with X fixed to 0 and to 1
        halves = [eq_table(np.concatenate([prefix, x, s[:split]])) for x in _ZERO_ONE]
        low = ((halves[0].astype(np.uint64) + halves[1]) % _P64).astype(np.uint32)
        cache[key] = (low, eq_table(s[split:]))
    return cache[key]


def weight_tables(n: int, prefix: np.ndarray, suffixes: list[np.ndarray], cache=None):
    """(low (c, 2^lo, 4), high (c, 2^(n - lo), 4), lo): the split weights of claim_sums for a table
    of n variables (kernels.k_claim_sums)."""
    pre = prefix.shape[0]
    lo = max(pre + 1, n // 2)
    split = lo - pre - 1   # suffix coordinates in the low table
    low = np.empty((len(suffixes), 1 << lo, 4), np.uint32)
    high = np.empty((len(suffixes), 1 << (n - lo), 4), np.uint32)
    cache = {} if cache is None else cache
    for i, s in enumerate(suffixes):
        low[i], high[i] = _weights(prefix, s, split, cache)
    return low, high, lo


def claim_sums(table: np.ndarray, prefix: np.ndarray, suffixes: list[np.ndarray], cache=None) -> np.ndarray:
    """(c, 2, 4): for every suffix point s_i, (q_i(0), q_i(1)) with
    q_i(X) = sum_{b, y} eq(prefix, b) eq(s_i, y) table(b, X, y) (b: the first len(prefix) variables).
    table: base (2^n,) or ext (2^n, 4); n = len(prefix) + 1 + len(s_i)."""
    n = table.shape[0].bit_length() - 1
    low, high, lo = weight_tables(n, prefix, suffixes, cache)
    nchunks = max(1, min(K.MAX_CHUNKS, (1 << (n - lo)) // 4, (1 << n) // K.MIN_CHUNK))
    partial = np.empty((nchunks, len(suffixes), 8), np.uint32)
    with threads_for(table.size * len(suffixes)):
        K.k_claim_sums(readonly(table.reshape(-1)), table.ndim == 2, low.reshape(-1), high.reshape(-1),
                       len(suffixes), lo, prefix.shape[0], partial)
    s = (partial.sum(axis=0, dtype=np.uint64) % _P64).astype(np.uint32)
    return s.reshape(len(suffixes), 2, 4)


def fold_low(table: np.ndarray, r: np.ndarray) -> np.ndarray:
    """A base table (2^n,) with its first len(r) variables bound to r, at once: (2^(n - len(r)), 4)."""
    k = r.shape[0]
    w = eq_table(r)
    out = np.empty(((table.shape[0] >> k), 4), dtype=np.uint32)
    with threads_for(table.size):
        K.k_fold_low(table, w.reshape(-1), k, out.reshape(-1))
    return out


class _Column:
    """One claimed column's state through the rounds: its claims and its table, bound so far."""

    def __init__(self, col: int, join: int, table: np.ndarray, idx: list[int], points: list[np.ndarray]):
        self.col, self.join, self.table = col, join, table
        self.idx, self.points = idx, np.array(points, dtype=np.uint32)   # (c, n, 4)
        self.n = table.shape[0].bit_length() - 1
        self.base_rounds = min(BASE_ROUNDS, self.n)
        self.bound: list[np.ndarray] = []            # challenges bound so far (its own rounds)
        self.weight = None                           # a_i eq(z_i[:l], r_<l), once the coefficients are drawn

    def sums(self, cache: dict, sel=None) -> np.ndarray:
        """(c, 2, 4): the q_i of this round (of the claims `sel`, default all)."""
        l = len(self.bound)
        points = self.points if sel is None else self.points[sel]
        suffixes = [p[l + 1:] for p in points]
        prefix = np.array(self.bound, dtype=np.uint32).reshape(-1, 4) if l < self.base_rounds else _NONE
        out = claim_sums(self.table, prefix, suffixes, cache)
        if l < self.base_rounds:
            release_file_pages(self.table)   # the committed table: read again next round, from the page cache
        return out

    def bind(self, r: np.ndarray) -> None:
        l = len(self.bound)
        self.weight = eq1_scale(self.weight, self.points[:, l], r)
        self.bound.append(r)
        if l + 1 == self.base_rounds:
            base, self.table = self.table, fold_low(self.table, np.array(self.bound, dtype=np.uint32))
            release_file_pages(base)
        elif l + 1 > self.base_rounds:
            self.table = fix_first_variable(self.table, r)

    def value(self) -> np.ndarray:
        """f(bound point), once every variable is bound (or the constant of a 0-variable column)."""
        t = self.table
        return t[0].copy() if t.ndim == 2 else np.array([t[0], 0, 0, 0], dtype=np.uint32)


class _PackedColumn(_Column):
    """A packed column (pack.py): claim i reads only the region of the table that its slot (offset
    o_i, n_i variables) covers, since its eq weight vanishes elsewhere. At round l the region is the
    slot (l < n_i), or, once the slot is bound to one value, the aligned block of 2^(l+1) entries
    around it, whose other entries are the neighbouring slots bound so far (the slot bits weigh
    them). The table itself is bound as a plain column's is, O(2^n) in all.

    The first k = base_rounds rounds read, instead of the region, its 2^k partial sums over the
    claim's variables from k on (pack_kernels.k_slot_partials, one pass over the slot), bound one
    challenge per round: one pass per claim where re-reading the region would take k."""

    def __init__(self, col, join, table, idx, points, offsets: np.ndarray, nvars: np.ndarray):
        super().__init__(col, join, table, idx, points)
        self.offsets, self.nvars = offsets, nvars
        self.partials = None     # (rows 2^(k - l), 4): claim c's partial sums in row c, bound by r_<l

    def _partials(self) -> np.ndarray:
        k = self.base_rounds
        n_eff = np.maximum(self.nvars, k)
        starts = (self.offsets >> n_eff) << n_eff
        rows = 1 << (len(self.idx) - 1).bit_length()   # a power of two of rows: fix_first_variable binds them all
        out = np.zeros((rows << k, 4), dtype=np.uint32)
        with threads_for(int(np.sum(np.left_shift(1, n_eff)))):
            PK.k_slot_partials(self.table, starts, n_eff - k, self.points, k, out.reshape(-1))
        release_file_pages(self.table)
        for r in self.bound:
            out = fix_first_variable(out, r)
        return out

    def sums(self, cache: dict, sel=None) -> np.ndarray:
        l = len(self.bound)
        if l < self.base_rounds:   # from the partial sums: claim c's region is its 2^(k - l) of them
            if self.partials is None:
                self.partials = self._partials()
            t = self.partials
            m = np.full(len(self.idx), self.base_rounds - l, dtype=np.int64)
            starts = np.arange(len(self.idx), dtype=np.int64) << m
        else:                      # from the bound table (l variables folded in)
            t = self.table
            m = np.maximum(self.nvars, l + 1) - l
            starts = (self.offsets >> (m + l)) << m
        points = self.points
        if sel is not None:
            sel = np.asarray(sel, dtype=np.int64)
            starts, m, points = starts[sel], m[sel], points[sel]
        out = np.empty((len(starts), 2, 4), dtype=np.uint32)
        with threads_for(int(np.sum(np.left_shift(1, m)))):
            PK.k_slot_sums(t.reshape(-1), starts, m, points, l, out.reshape(-1))
        return out

    def bind(self, r: np.ndarray) -> None:
        if self.partials is not None and len(self.bound) < self.base_rounds:
            self.partials = fix_first_variable(self.partials, r)
        super().bind(r)


def _columns(data, claims, slots) -> list[_Column]:
    """The claimed columns' states; `slots` = (offsets, piece variables) of the claims (Packing.claim_slots)."""
    layout, packing = data.layout, data.commitment.packing
    n = max(layout.num_vars[c.poly] for c in claims)
    by_col: dict[int, list[int]] = {}
    for i, c in enumerate(claims):
        by_col.setdefault(c.poly, []).append(i)
    out = []
    for k, idx in sorted(by_col.items()):
        args = (k, n - layout.num_vars[k], data.column(k), idx, [claims[i].point for i in idx])
        out.append(_PackedColumn(*args, slots[0][idx], slots[1][idx]) if packing.is_packed(k) else _Column(*args))
    return out


class Reduction:
    """The prover's point reduction of one opening: the claimed columns' states, made once and kept
    from the first sums (which also give the chunk values of split claims) through the rounds."""

    def __init__(self, data, claims, slots):
        """`claims` on committed columns (their points; values are not read); `slots` = (offsets,
        piece variables) of each (Packing.claim_slots)."""
        self.cols = _columns(data, claims, slots)
        self.count = len(claims)

    def first_sums(self, which=None) -> np.ndarray:
        """(claims, 2, 4): round 0's (q(0), q(1)) of the claims listed in `which` (default all; the
        others stay zero), one pass per column. A claim on a 0-variable column has q = (v, v)."""
        out = np.zeros((self.count, 2, 4), dtype=np.uint32)
        wanted = set(range(self.count) if which is None else which)
        for col in self.cols:
            sel = [j for j, i in enumerate(col.idx) if i in wanted]
            if not sel:
                continue
            if col.n == 0:
                for j in sel:
                    out[col.idx[j]] = col.value()
                continue
            for j, qj in zip(sel, col.sums({}, sel)):
                out[col.idx[j]] = qj
        return out

    def prove(self, first: np.ndarray, transcript) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Returns (rounds (n, 2, 4), point r (n, 4), values f_k(r[d_k:]) (claimed columns, 4)).
        `first`: first_sums of every claim."""
        cols = self.cols
        a = reduce_coefficients(transcript, self.count)
        for c in cols:
            c.weight = a[c.idx]
        n = max(c.join + c.n for c in cols)
        rounds = np.zeros((n, 2, 4), dtype=np.uint32)
        point = np.zeros((n, 4), dtype=np.uint32)
        for j in range(n):
            active = [c for c in cols if c.join <= j < c.join + c.n]
            cache: dict = {}
            for c in active:
                q = first[c.idx] if j == c.join else c.sums(cache)
                h = gruen_sum(c.weight, c.points[:, j - c.join], q)
                rounds[j, 0] = eadd(rounds[j, 0], h[0])
                rounds[j, 1] = eadd(rounds[j, 1], h[1])
            transcript.absorb_ext(labels.REDUCE_ROUND, rounds[j])
            point[j] = transcript.challenge_ext(labels.REDUCE_CHALLENGE)
            for c in active:
                c.bind(point[j])
        values = np.array([c.value() for c in cols], dtype=np.uint32).reshape(-1, 4)
        transcript.absorb_ext(labels.REDUCE_VALUES, values)
        return rounds, point, values
