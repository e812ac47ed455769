"""Public tensors: operands both sides know, whose MLE the verifier evaluates itself (no claim).

Masks, ones vectors, RoPE tables, per-channel multipliers, token selections. Each has a shape, its
integer `values()` (what the prover folds and multiplies; zero-padded like every tensor) and
`evaluate(point)`, the MLE of the zero-padded tensor at a point in its layout order:

- `Dense`: any integer tensor; O(size) evaluation (poly.multilinear.evaluate).
- `Ones`: all ones; the real-entry indicator, O(n).
- `BandMask`: mask[t, s] = [0 <= t + shift - s < window] (causal: shift 0, no window; sliding window
  attention: a window), O(n) by a digit recursion over the bits of t and s (`band_mask_eval`).
- `OneHotRows`: sel[t, v] = [v == ids[t]] for public ids (embedding rows, argmax tokens), O(T log V);
  its prover-side fold over t is a scatter-add (no dense T x V table).
- `PrefixRows`: pre[t, v] = [v < bounds[t]] (argmax's "before the token" entries), O(T log(TV)).
- `Relayout`: R[a, b] = [flat(a) == flat(b)] for index tuples a of shape A and b of shape B (one row-major
  order): a reshape whose two padded layouts differ (576 -> 3 x 3 x 64) as a public 0/1 matrix; O(n)
  evaluation (two eq tables gathered at the real entries' padded positions).

`describe()` is what a relation binds into the transcript (kind and parameters).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P
from deepprove_cli.field.ext4 import ext_add, ext_mul, ext_sub
from deepprove_cli.relations.layout import TensorLayout

_ONE = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
_ZERO = (np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))


class PublicTensor:
    """Base class: `shape`, `layout`, `values()` (int64 or canonical uint32), `evaluate(point)`."""

    kind = "public"

    def __init__(self, shape):
        self.layout = TensorLayout(shape)
        self.shape = self.layout.shape

    def values(self) -> np.ndarray:
        raise NotImplementedError

    def table(self) -> np.ndarray:
        """The padded base table (prover side)."""
        return self.layout.table(self.values(), self.kind)

    def evaluate(self, point) -> np.ndarray:
        raise NotImplementedError

    def fold(self, free: list[int], w: np.ndarray):
        """sum over the `free` dimensions of w[f] * T[...] as an ext tensor over the other dimensions,
        or None (then the prover folds the dense values): a hook for sparse tensors."""
        return None

    def describe(self) -> dict:
        return {"kind": self.kind, "shape": list(self.shape)}


class Dense(PublicTensor):
    """An explicit integer tensor (RoPE tables, per-channel multipliers, any mask)."""

    kind = "dense"

    def __init__(self, values):
        arr = np.asarray(values)
        if arr.dtype.kind not in "iu":
            raise InputError(f"a public tensor holds integers, got dtype {arr.dtype}")
        super().__init__(arr.shape)
        self._values = arr
        self._table = None
        self._evals: dict = {}  # point bytes -> value: a weight read at one point by several claims

    def values(self) -> np.ndarray:
        return self._values

    def table(self) -> np.ndarray:
        if self._table is None:
            self._table = super().table()
        return self._table

    def evaluate(self, point) -> np.ndarray:
        from deepprove_cli.poly.multilinear import evaluate

        pt = self.layout.check_point(point)
        key = pt.tobytes()
        v = self._evals.get(key)
        if v is None:
            v = evaluate(self.table(), pt)
            if len(self._evals) < 64:
                self._evals[key] = v
        return v.copy()


class Ones(PublicTensor):
    """All ones (sums over an axis as an Einsum with a ones vector)."""

    kind = "ones"

    def values(self) -> np.ndarray:
        return np.ones(self.shape, dtype=np.int64)

    def evaluate(self, point) -> np.ndarray:
        return self.layout.indicator_eval(point)


@njit(cache=True)
def _eqbit(r, b):
    """eq(r, b) for a bit b: r or 1 - r."""
    return r if b else ext_sub(_ONE, r)


@njit(cache=True)
def _band_dp(rt, rs, n, T, S, shift, window):
    """MLE at (rt, rs) of [t < T][s < S][0 <= t + shift - s < window] over n-bit t and s (LSB first).

    State after the low j bits: borrow of u - s (u = t + shift, computed with a carry), whether the
    low bits of d = u - s are below those of `window`, of t below T's, of s below S's. Each state
    carries the eq-weighted sum over the low bits that reach it. shift, window >= 0; window == 0
    means no window.
    """
    nst = 2 * 2 * 2 * 2 * 2  # carry (u), borrow (d), d<W, t<T, s<S
    cur = np.zeros((nst, 4), dtype=np.uint32)
    cur[0, 0] = 1
    for j in range(n):
        nxt = np.zeros((nst, 4), dtype=np.uint32)
        sh = (shift >> j) & 1
        wj = (window >> j) & 1
        tb = (T >> j) & 1
        sb = (S >> j) & 1
        for st in range(nst):
            w = (cur[st, 0], cur[st, 1], cur[st, 2], cur[st, 3])
            if w[0] == 0 and w[1] == 0 and w[2] == 0 and w[3] == 0:
                continue
            carry, borrow, dlt, tlt, slt = st & 1, (st >> 1) & 1, (st >> 2) & 1, (st >> 3) & 1, (st >> 4) & 1
            for t in range(2):
                if t and j >= rt.shape[0]:
                    continue
                wt = _eqbit((rt[j, 0], rt[j, 1], rt[j, 2], rt[j, 3]), t) if j < rt.shape[0] else _ONE
                for s in range(2):
                    if s and j >= rs.shape[0]:
                        continue
                    ws = _eqbit((rs[j, 0], rs[j, 1], rs[j, 2], rs[j, 3]), s) if j < rs.shape[0] else _ONE
                    u = t + sh + carry
                    ub, nc = u & 1, u >> 1
                    dv = ub - s - borrow
                    nb = 1 if dv < 0 else 0
                    db = dv & 1
                    ndlt = 1 if db < wj else (0 if db > wj else dlt)
                    ntlt = 1 if t < tb else (0 if t > tb else tlt)
                    nslt = 1 if s < sb else (0 if s > sb else slt)
                    ns = nc | (nb << 1) | (ndlt << 2) | (ntlt << 3) | (nslt << 4)
                    v = ext_mul(w, ext_mul(wt, ws))
                    o = (nxt[ns, 0], nxt[ns, 1], nxt[ns, 2], nxt[ns, 3])
                    r = ext_add(o, v)
                    nxt[ns, 0], nxt[ns, 1], nxt[ns, 2], nxt[ns, 3] = r[0], r[1], r[2], r[3]
        cur = nxt
    acc = _ZERO
    for st in range(nst):
        carry, borrow, dlt, tlt, slt = st & 1, (st >> 1) & 1, (st >> 2) & 1, (st >> 3) & 1, (st >> 4) & 1
        hi_u = (shift >> n) + carry  # the bits of u above n
        # d = u - s >= 0 and < window, looking at the bits above n too (s has none there)
        d_hi = hi_u - borrow
        if d_hi < 0:
            continue
        if window > 0:
            w_hi = window >> n
            if not (d_hi < w_hi or (d_hi == w_hi and dlt)):
                continue
        if not (tlt or (T >> n) > 0) or not (slt or (S >> n) > 0):
            continue
        acc = ext_add(acc, (cur[st, 0], cur[st, 1], cur[st, 2], cur[st, 3]))
    return acc


def band_mask_eval(rt, rs, T: int, S: int, shift: int = 0, window: int = 0) -> np.ndarray:
    """MLE at (rt, rs) of the zero-padded T x S mask [0 <= t + shift - s < window] (window 0: none)."""
    n = max(rt.shape[0], rs.shape[0])
    return np.array(_band_dp(np.ascontiguousarray(rt), np.ascontiguousarray(rs), n, int(T), int(S), int(shift),
                             int(window)), dtype=np.uint32)


class BandMask(PublicTensor):
    """mask[t, s] = 1 iff s <= t + shift and t + shift - s < window (window 0: unbounded): the causal
    mask (shift 0) and sliding-window attention; shift = the number of cached positions."""

    kind = "band_mask"

    def __init__(self, T: int, S: int, shift: int = 0, window: int = 0):
        if int(shift) < 0 or int(window) < 0 or int(shift) >= P or int(window) >= P:
            raise InputError(f"band mask: shift and window must be non-negative, got {shift}, {window}")
        super().__init__((T, S))
        self.shift, self.window = int(shift), int(window)

    def values(self) -> np.ndarray:
        T, S = self.shape
        d = np.arange(T, dtype=np.int64)[:, None] + self.shift - np.arange(S, dtype=np.int64)[None, :]
        ok = d >= 0
        if self.window:
            ok &= d < self.window
        return ok.astype(np.int64)

    def evaluate(self, point) -> np.ndarray:
        rt, rs = self.layout.split_point(point)
        return band_mask_eval(rt, rs, self.shape[0], self.shape[1], self.shift, self.window)

    def describe(self) -> dict:
        return {**super().describe(), "shift": self.shift, "window": self.window}


@njit(cache=True)
def _eq_at_index(r, idx):
    acc = _ONE
    for j in range(r.shape[0]):
        acc = ext_mul(acc, _eqbit((r[j, 0], r[j, 1], r[j, 2], r[j, 3]), (idx >> j) & 1))
    return acc


@njit(cache=True)
def _onehot_eval(rt, rv, ids):
    """sum_t eq(rt, t) eq(rv, ids[t]): eq(rt, .) by doubling, then one eq per row."""
    T = ids.shape[0]
    et = np.zeros((1 << rt.shape[0], 4), dtype=np.uint32)
    et[0, 0] = 1
    size = 1
    for j in range(rt.shape[0]):
        r = (rt[j, 0], rt[j, 1], rt[j, 2], rt[j, 3])
        for i in range(size):
            x = (et[i, 0], et[i, 1], et[i, 2], et[i, 3])
            hi = ext_mul(x, r)
            lo = ext_sub(x, hi)
            et[i, 0], et[i, 1], et[i, 2], et[i, 3] = lo
            et[i + size, 0], et[i + size, 1], et[i + size, 2], et[i + size, 3] = hi
        size <<= 1
    acc = _ZERO
    for t in range(T):
        acc = ext_add(acc, ext_mul((et[t, 0], et[t, 1], et[t, 2], et[t, 3]), _eq_at_index(rv, ids[t])))
    return acc


class OneHotRows(PublicTensor):
    """sel[t, v] = [v == ids[t]] for public ids in [0, V): token selections (embedding, argmax)."""

    kind = "onehot_rows"

    def __init__(self, ids, V: int):
        ids = np.asarray(ids)
        if ids.ndim != 1 or ids.dtype.kind not in "iu" or ids.size == 0:
            raise InputError(f"one-hot rows: ids must be a non-empty 1-D integer array, got {ids.dtype}{ids.shape}")
        if int(ids.min()) < 0 or int(ids.max()) >= int(V):
            raise InputError(f"one-hot rows: ids must lie in [0, {V})")
        super().__init__((ids.size, int(V)))
        self.ids = ids.astype(np.int64)

    def values(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=np.int64)
        out[np.arange(self.ids.size), self.ids] = 1
        return out

    def fold(self, free: list[int], w: np.ndarray):
        return self.fold_rows(w) if list(free) == [0] else None

    def fold_rows(self, w: np.ndarray) -> np.ndarray:
        """sum_t w[t] sel[t, :] as a (V, 4) ext vector: a scatter-add of the row weights (prover)."""
        acc = np.zeros((self.shape[1], 4), dtype=np.uint64)  # T canonical terms per entry: < 2^63
        np.add.at(acc, self.ids, w[:self.ids.size].astype(np.uint64))
        return (acc % np.uint64(P)).astype(np.uint32)

    def evaluate(self, point) -> np.ndarray:
        rt, rv = self.layout.split_point(point)
        return np.array(_onehot_eval(np.ascontiguousarray(rt), np.ascontiguousarray(rv), self.ids), dtype=np.uint32)

    def describe(self) -> dict:
        return {**super().describe(), "ids": self.ids.tolist()}


@njit(cache=True)
def _prefix_indicator(r, bound):
    """MLE at r (n vars) of [i < bound] for i < 2^n: sum over the bits k where bound has a 1 of
    prod_{j > k} eq(r_j, bound_j) (1 - r_k) (i agrees with bound above k, has 0 at k)."""
    n = r.shape[0]
    if bound >= (1 << n):
        return _ONE
    acc = _ZERO
    e = _ONE
    for k in range(n - 1, -1, -1):
        rk = (r[k, 0], r[k, 1], r[k, 2], r[k, 3])
        if (bound >> k) & 1:
            acc = ext_add(acc, ext_mul(e, ext_sub(_ONE, rk)))
            e = ext_mul(e, rk)
        else:
            e = ext_mul(e, ext_sub(_ONE, rk))
    return acc


@njit(cache=True)
def _prefix_rows_eval(rt, rv, bounds):
    """sum_t eq(rt, t) [v < bounds[t]] at rv."""
    acc = _ZERO
    for t in range(bounds.shape[0]):
        acc = ext_add(acc, ext_mul(_eq_at_index(rt, t), _prefix_indicator(rv, bounds[t])))
    return acc


class PrefixRows(PublicTensor):
    """pre[t, v] = [v < bounds[t]] (argmax: the entries before the chosen token), O(T (log T + log V))."""

    kind = "prefix_rows"

    def __init__(self, bounds, V: int):
        b = np.asarray(bounds)
        if b.ndim != 1 or b.dtype.kind not in "iu" or b.size == 0 or int(b.min()) < 0 or int(b.max()) > int(V):
            raise InputError(f"prefix rows: bounds must be a non-empty 1-D integer array in [0, {V}]")
        super().__init__((b.size, int(V)))
        self.bounds = b.astype(np.int64)

    def values(self) -> np.ndarray:
        return (np.arange(self.shape[1])[None, :] < self.bounds[:, None]).astype(np.int64)

    def evaluate(self, point) -> np.ndarray:
        rt, rv = self.layout.split_point(point)
        return np.array(_prefix_rows_eval(np.ascontiguousarray(rt), np.ascontiguousarray(rv), self.bounds),
                        dtype=np.uint32)

    def describe(self) -> dict:
        return {**super().describe(), "bounds": self.bounds.tolist()}


class Relayout(PublicTensor):
    """R[a..., b...] = [row-major index of a in A == that of b in B] (prod A == prod B): x reshaped from A to
    B is the einsum of x with R. Evaluation: sum over the n real entries f of eq(r_A, pad_A(f)) eq(r_B,
    pad_B(f)), pad_X(f) the padded position of entry f in X's layout."""

    kind = "relayout"

    def __init__(self, a_shape, b_shape):
        a_shape, b_shape = tuple(int(d) for d in a_shape), tuple(int(d) for d in b_shape)
        if int(np.prod(a_shape)) != int(np.prod(b_shape)):
            raise InputError(f"relayout: {a_shape} and {b_shape} hold different numbers of entries")
        super().__init__(a_shape + b_shape)
        self.a_shape, self.b_shape = a_shape, b_shape

    def values(self) -> np.ndarray:
        n = int(np.prod(self.a_shape))
        return np.eye(n, dtype=np.int64).reshape(self.shape)

    @staticmethod
    def _positions(shape) -> np.ndarray:
        lay = TensorLayout(shape)
        idx = np.arange(lay.size, dtype=np.int64)
        if not lay.shape:
            return idx
        return np.ravel_multi_index(np.unravel_index(idx, lay.shape), lay.padded_shape)

    def evaluate(self, point) -> np.ndarray:
        from deepprove_cli.field.ext4_vec import inner
        from deepprove_cli.poly.eq import eq_table

        parts = self.layout.split_point(point)
        k = len(self.a_shape)
        out = []
        for shape, sub in ((self.a_shape, parts[:k]), (self.b_shape, parts[k:])):
            lay = TensorLayout(shape)
            pt = lay.join_point(sub) if shape else np.zeros((0, 4), np.uint32)
            table = eq_table(pt) if pt.shape[0] else np.array([[1, 0, 0, 0]], np.uint32)
            out.append(np.ascontiguousarray(table[self._positions(shape)]))
        return inner(out[0], out[1])

    def describe(self) -> dict:
        return {**super().describe(), "a_shape": list(self.a_shape), "b_shape": list(self.b_shape)}
